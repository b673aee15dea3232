/**
 * Process helpers: free ports, CPU pinning, spawning with a log file,
 * stopping what we started.
 *
 * @module
 */

/** Absolute path of the repository root. */
export const ROOT = new URL("../../", import.meta.url).pathname.replace(
  /\/$/,
  "",
);

/** Absolute path of bench/. */
export const BENCH = `${ROOT}/bench`;

/** A free TCP port on 127.0.0.1 (below the ephemeral range). */
export function freePort(): number {
  for (let i = 0; i < 100; i++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    try {
      const l = Deno.listen({ hostname: "127.0.0.1", port });
      l.close();
      return port;
    } catch {
      // taken; try another
    }
  }
  throw new Error("no free port found");
}

/**
 * Prefixes `cmd` with `taskset -c <core>` when `core` is given.
 * @param core CPU to pin to, or null for no pinning
 * @param cmd the command and its arguments
 */
export function pinned(core: number | null, cmd: string[]): string[] {
  return core === null ? cmd : ["taskset", "-c", String(core), ...cmd];
}

/** A child process whose output goes to a log file. */
export interface Spawned {
  child: Deno.ChildProcess;
  pid: number;
  logPath: string;
  /**
   * Stops the process (SIGTERM, then SIGKILL after `graceMs`); tells how
   * long it took to exit and whether it had to be killed.
   */
  stop(graceMs?: number): Promise<{ exitMs: number; killed: boolean }>;
  /** The last `n` lines of its log. */
  logTail(n?: number): Promise<string>;
}

/**
 * Spawns `cmd` with stdout and stderr appended to `logPath`.
 * @param cmd command and arguments
 * @param opts working directory, extra environment, log file
 */
export function spawnLogged(
  cmd: string[],
  opts: { cwd: string; env?: Record<string, string>; logPath: string },
): Spawned {
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: opts.cwd,
    env: opts.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const log = Deno.openSync(opts.logPath, {
    write: true,
    create: true,
    append: true,
  });
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) log.writeSync(chunk);
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)])
    .catch(() => {})
    .finally(() => log.close());
  let stopped: Promise<{ exitMs: number; killed: boolean }> | null = null;
  return {
    child,
    pid: child.pid,
    logPath: opts.logPath,
    stop(graceMs = 5000) {
      stopped ??= (async () => {
        const t0 = performance.now();
        let killed = false;
        try {
          child.kill("SIGTERM");
        } catch {
          // already gone
        }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
            killed = true;
          } catch {
            // already gone
          }
        }, graceMs);
        await child.status;
        clearTimeout(timer);
        await drained;
        return { exitMs: Math.round(performance.now() - t0), killed };
      })();
      return stopped;
    },
    async logTail(n = 20) {
      try {
        const text = await Deno.readTextFile(opts.logPath);
        return text.trimEnd().split("\n").slice(-n).join("\n");
      } catch {
        return "";
      }
    },
  };
}

/**
 * Polls `GET url` until it answers 200; returns the milliseconds since
 * `since` (a `performance.now()` value). Every poll is bounded.
 * @param url the health URL
 * @param since start time
 * @param timeoutMs give up after this long
 * @param alive returns false when the process died (stop polling)
 */
export async function waitFor200(
  url: string,
  since: number,
  timeoutMs: number,
  alive: () => boolean = () => true,
): Promise<number> {
  const deadline = since + timeoutMs;
  while (performance.now() < deadline) {
    if (!alive()) throw new Error(`process exited before ${url} answered`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

/**
 * Runs a command to completion and returns its trimmed stdout ("" on error).
 * @param cmd command and arguments
 */
export async function capture(cmd: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(out.stdout).trim();
  } catch {
    return "";
  }
}

/**
 * Busy CPU of the whole machine, in cores, averaged over `ms`
 * (from /proc/stat: user, nice, system, irq, softirq, steal).
 * @param ms sampling window
 */
export async function machineBusyCores(ms: number): Promise<number> {
  const read = async () => {
    const line = (await Deno.readTextFile("/proc/stat")).split("\n", 1)[0];
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line
      .trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / 100;
  };
  const a = await read();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const b = await read();
  return (b - a) / ((performance.now() - t0) / 1000);
}
