/**
 * The thin adapter to the Deno runtime: the only module of the core that
 * calls `Deno.*`. Another Deno-compatible runtime supplies its own.
 *
 * @module
 */
import type { RuntimeAdapter } from "../server/runtime.ts";
import { withBusyRetry } from "../store/busy_retry.ts";

const DEFAULT_KV_PATH = "./data/chat.kv";
/** How long a stopping server waits for connections to close cleanly. */
const SHUTDOWN_DEADLINE_MS = 1_000;

function onDenoDeploy(): boolean {
  return Deno.env.get("DENO_DEPLOYMENT_ID") !== undefined;
}

async function openKv(path: string | undefined): Promise<Deno.Kv> {
  // On Deno Deploy the managed database is opened without a path.
  if (onDenoDeploy() && !path) return await Deno.openKv();
  const file = path || DEFAULT_KV_PATH;
  if (file !== ":memory:") {
    const dir = file.replace(/[^/]*$/, "");
    if (dir) await Deno.mkdir(dir, { recursive: true });
  }
  // Isolates of one process open (and may be creating) the same file at once.
  return await withBusyRetry(() => Deno.openKv(file));
}

/** The Deno runtime adapter. */
export const denoAdapter: RuntimeAdapter = {
  env: (name) => Deno.env.get(name),
  openKv,
  upgradeWebSocket(req) {
    // The server checks frame sizes itself, and closes silent sockets itself
    // (lib/ws/idle_sweep.ts): Deno's idle timeout would cost every socket a
    // timer re-armed per frame and keep its upgrade request alive.
    return Deno.upgradeWebSocket(req, { idleTimeout: 0 });
  },
  onShutdown(callback) {
    let called = false;
    const once = () => {
      if (called) return;
      called = true;
      callback();
      // Sockets whose peers vanish without a close frame can hold the process
      // open for minutes: give clean closes a moment, then exit regardless.
      Deno.unrefTimer(setTimeout(() => Deno.exit(0), SHUTDOWN_DEADLINE_MS));
    };
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      try {
        Deno.addSignalListener(signal, once);
      } catch {
        // Not supported here (Windows lacks SIGTERM; Deploy has no signals).
      }
    }
  },
};
