/**
 * SIGTERM and SIGINT for the Deno adapter, listened for from the moment this
 * module is evaluated, so that an isolate still starting when the signal
 * comes stops as soon as its app is up instead of serving on.
 *
 * Under `deno serve --parallel` a signal reaches only the isolates that
 * listen for it, and the process stops ignoring it by default as soon as one
 * does. An isolate that has not evaluated this module yet (it is still
 * loading) never hears it and would keep the process up until SIGKILL. So
 * shortly after start, an isolate that heard the signal ends the whole
 * process at the shutdown deadline; later, when every isolate listens, the
 * process exits on its own as soon as the isolates are done.
 *
 * @module
 */

/** How long a stopping server waits for connections to close cleanly. */
const SHUTDOWN_DEADLINE_MS = 1_000;
/**
 * For this long after start another isolate may still be loading its modules
 * (they load in well under a second; a busy machine gets some margin).
 */
const STARTUP_WINDOW_MS = 3_000;

let signalled = false;
let deadlineArmed = false;
const callbacks: Array<() => void> = [];

function stop(): void {
  if (signalled) return;
  signalled = true;
  for (const callback of callbacks.splice(0)) callback();
  armDeadline();
}

/**
 * Exits at the deadline (once per isolate). Sockets whose peers vanish
 * without a close frame can hold an isolate open for minutes, so the exit is
 * always due; it only keeps the process alive by itself within the start-up
 * window.
 */
function armDeadline(): void {
  if (deadlineArmed) return;
  deadlineArmed = true;
  const timer = setTimeout(() => Deno.exit(0), SHUTDOWN_DEADLINE_MS);
  if (performance.now() > STARTUP_WINDOW_MS) Deno.unrefTimer(timer);
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  try {
    Deno.addSignalListener(signal, stop);
  } catch {
    // Not supported here (Windows lacks SIGTERM; Deploy has no signals).
  }
}

/**
 * Calls `callback` once when the process is asked to stop; at once if it
 * already was, while this isolate was starting.
 */
export function onStopSignal(callback: () => void): void {
  if (!signalled) {
    callbacks.push(callback);
    return;
  }
  callback();
  armDeadline();
}
