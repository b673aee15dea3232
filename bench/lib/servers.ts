/**
 * The servers under test: ours (one isolate and `--parallel`) and the peers
 * in bench/peers/. Single-isolate servers are pinned to CPU 0 and their load
 * to CPU 1; the `--parallel` row is not pinned.
 *
 * @module
 */
import {
  BENCH,
  freePort,
  pinned,
  ROOT,
  spawnLogged,
  waitFor200,
} from "./proc.ts";
import type { Spawned } from "./proc.ts";

/** CPU of single-isolate servers. */
export const SERVER_CORE = 0;
/** CPU of the load generators facing a pinned server. */
export const LOAD_CORE = 1;

/**
 * How the idle scenario forces a full garbage collection in a server (see
 * bench/load/gc.mjs): `inspector` starts it with
 * `--inspect=127.0.0.1:<port>` (Deno, Node: V8's
 * `HeapProfiler.collectGarbage`), `http` enables a bench-only route
 * (`BENCH_GC_ROUTE=1`, Bun: `POST /__bench/gc` calls `Bun.gc(true)`).
 */
export type GcVia = "inspector" | "http";

/** Set-up of a start whose server must accept forced GCs. */
export interface GcSetup {
  /** Loopback port for the inspector (used when `gc` is `inspector`). */
  inspectPort: number;
}

/** Where the load controller asks a running server to collect garbage. */
export type GcHandle =
  | { via: "inspector"; address: string }
  | { via: "http"; url: string };

/** What the harness needs to know about a server. */
export interface ServerSpec {
  /** Short name used in flags, results and tables. */
  name: string;
  /** Description for the tables. */
  label: string;
  /** Wire format its load generator speaks. */
  proto: "json" | "sio";
  /** Whether server and load are pinned to separate CPUs. */
  pinned: boolean;
  /** How a full GC can be forced; absent when it can't (`--parallel`). */
  gc?: GcVia;
  /**
   * Command line and environment for one start; with `gc`, the start also
   * accepts forced GCs (inspector on, or the bench-only route).
   */
  command(port: number, tmpDir: string, gc?: GcSetup): {
    cmd: string[];
    env: Record<string, string>;
  };
}

const BUN = `${BENCH}/peers/node_modules/.bin/bun`;

/** The inspector flag of a GC-enabled start (loopback only). */
function inspect(gc: GcSetup): string {
  return `--inspect=127.0.0.1:${gc.inspectPort}`;
}

/**
 * Our server, `deno serve` with storage on and the per-connection send rate
 * limit off (the peers have none).
 * @param parallel whether to run `--parallel` (one isolate per CPU)
 */
function ours(parallel: boolean): ServerSpec {
  return {
    name: parallel ? "ours-parallel" : "ours",
    label: parallel
      ? "ours, deno serve --parallel (2 isolates)"
      : "ours, deno serve (1 isolate)",
    proto: "json",
    pinned: !parallel,
    // With --parallel there are several isolates (one inspector target each).
    gc: parallel ? undefined : "inspector",
    command: (port, tmpDir, gc) => ({
      cmd: [
        "deno",
        "serve",
        ...(parallel ? ["--parallel"] : []),
        ...(gc && !parallel ? [inspect(gc)] : []),
        "--unstable-kv",
        "--allow-all",
        "--host=127.0.0.1",
        `--port=${port}`,
        "main.ts",
      ],
      env: {
        CHAT_KV_PATH: `${tmpDir}/bench.kv`,
        CHAT_SEND_RATE: "0",
      },
    }),
  };
}

/** Every server the harness knows, in table order. */
export const SERVERS: ServerSpec[] = [
  ours(false),
  ours(true),
  {
    name: "bun",
    label: "Bun.serve pub/sub",
    proto: "json",
    pinned: true,
    gc: "http",
    command: (port, _tmpDir, gc) => ({
      cmd: [BUN, `${BENCH}/peers/bun_server.js`],
      env: { PORT: String(port), ...(gc ? { BENCH_GC_ROUTE: "1" } : {}) },
    }),
  },
  {
    name: "node-ws",
    label: "Node + ws",
    proto: "json",
    pinned: true,
    gc: "inspector",
    command: (port, _tmpDir, gc) => ({
      cmd: [
        "node",
        ...(gc ? [inspect(gc)] : []),
        `${BENCH}/peers/ws_server.mjs`,
      ],
      env: { PORT: String(port) },
    }),
  },
  {
    name: "deno-bare",
    label: "bare Deno.serve + upgradeWebSocket (a floor, not a peer)",
    proto: "json",
    pinned: true,
    gc: "inspector",
    command: (port, _tmpDir, gc) => ({
      cmd: [
        "deno",
        "run",
        ...(gc ? [inspect(gc)] : []),
        "--allow-net",
        "--allow-env",
        `${BENCH}/peers/deno_server.js`,
      ],
      env: { PORT: String(port) },
    }),
  },
  {
    name: "socketio",
    label: "Node + Socket.IO",
    proto: "sio",
    pinned: true,
    gc: "inspector",
    command: (port, _tmpDir, gc) => ({
      cmd: [
        "node",
        ...(gc ? [inspect(gc)] : []),
        `${BENCH}/peers/socketio_server.mjs`,
      ],
      env: { PORT: String(port) },
    }),
  },
];

/**
 * The command line of a spec as a shell would show it (for the report).
 * @param spec the server
 * @param gc show the start that accepts forced GCs (idle scenario)
 */
export function commandLine(spec: ServerSpec, gc = false): string {
  const { cmd, env } = spec.command(
    8000,
    "$TMP",
    gc ? { inspectPort: 9229 } : undefined,
  );
  const envs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const shown = pinned(spec.pinned ? SERVER_CORE : null, cmd).map((a) =>
    a.startsWith(ROOT + "/") ? a.slice(ROOT.length + 1) : a
  );
  return [...envs, ...shown].join(" ");
}

/** A started server. */
export interface RunningServer {
  spec: ServerSpec;
  port: number;
  pid: number;
  /** Milliseconds from spawn to the first 200 from /healthz. */
  startupMs: number;
  proc: Spawned;
  tmpDir: string;
  /** Where to force a full GC, when started with `forceGc`. */
  gc: GcHandle | null;
  /** Stops it and removes its temporary directory. */
  stop(): Promise<void>;
}

/** How each stop went (SIGTERM → exit), for the report. */
export const SHUTDOWNS: { server: string; exitMs: number; killed: boolean }[] =
  [];

/** Error lines found in server logs (first few per stop), for the report. */
export const LOG_ERRORS: { server: string; lines: string[] }[] = [];

/** Log lines that look like errors, without terminal colours. */
function errorLines(log: string): string[] {
  return log
    // deno-lint-ignore no-control-regex
    .replace(/\x1b\[[0-9;]*m/g, "")
    .split("\n")
    .filter((l) => /error|panic|uncaught|exception/i.test(l))
    .slice(0, 5);
}

/** Failed start attempts (each retried), for the report. */
export const START_FAILURES: { server: string; error: string }[] = [];

/** Options of {@linkcode startServer}. */
export interface StartOptions {
  /** How long to wait for health, per attempt (default 30 s). */
  timeoutMs?: number;
  /** How many starts to try (default 3). */
  attempts?: number;
  /**
   * Start it so that a full GC can be forced (inspector or bench route, see
   * `GcVia`); only the idle scenario asks, so the others run as usual.
   */
  forceGc?: boolean;
}

/**
 * Starts a server like `startOnce`, retrying a failed start (up to
 * `attempts` in all); every failure is kept in `START_FAILURES`.
 * @param spec the server
 * @param opts timeout, attempts, forced-GC set-up
 */
export async function startServer(
  spec: ServerSpec,
  opts: StartOptions = {},
): Promise<RunningServer> {
  const { timeoutMs = 30_000, attempts = 3, forceGc = false } = opts;
  for (let i = 1;; i++) {
    try {
      return await startOnce(spec, timeoutMs, forceGc && !!spec.gc);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      START_FAILURES.push({ server: spec.name, error });
      console.error(`bench: start ${i}/${attempts} failed: ${error}`);
      if (i >= attempts) throw err;
    }
  }
}

/**
 * Starts a server (pinned if its spec says so) on a fresh port with a fresh
 * temporary directory, and waits for `/healthz` to answer 200.
 * @param spec the server
 * @param timeoutMs how long to wait for health
 * @param forceGc whether to start it so that a full GC can be forced
 */
async function startOnce(
  spec: ServerSpec,
  timeoutMs: number,
  forceGc: boolean,
): Promise<RunningServer> {
  const tmpDir = await Deno.makeTempDir({ prefix: `bench-${spec.name}-` });
  const port = freePort();
  let inspectPort = 0;
  for (let i = 0; forceGc && spec.gc === "inspector" && i < 10; i++) {
    inspectPort = freePort();
    if (inspectPort !== port) break;
  }
  const { cmd, env } = spec.command(
    port,
    tmpDir,
    forceGc ? { inspectPort } : undefined,
  );
  const gc: GcHandle | null = !forceGc
    ? null
    : spec.gc === "inspector"
    ? { via: "inspector", address: `127.0.0.1:${inspectPort}` }
    : { via: "http", url: `http://127.0.0.1:${port}/__bench/gc` };
  const started = performance.now();
  const proc = spawnLogged(pinned(spec.pinned ? SERVER_CORE : null, cmd), {
    cwd: ROOT,
    env,
    logPath: `${tmpDir}/server.log`,
  });
  let exited = false;
  proc.child.status.then(() => exited = true);
  const stop = async () => {
    const how = await proc.stop(2000);
    SHUTDOWNS.push({ server: spec.name, ...how });
    const lines = errorLines(
      await Deno.readTextFile(proc.logPath).catch(() => ""),
    );
    if (lines.length > 0) LOG_ERRORS.push({ server: spec.name, lines });
    await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
  };
  try {
    const startupMs = await waitFor200(
      `http://127.0.0.1:${port}/healthz`,
      started,
      timeoutMs,
      () => !exited,
    );
    return { spec, port, pid: proc.pid, startupMs, proc, tmpDir, gc, stop };
  } catch (err) {
    // deno-lint-ignore no-control-regex
    const tail = (await proc.logTail(8)).replace(/\x1b\[[0-9;]*m/g, "");
    await stop();
    throw new Error(`${spec.name} did not start: ${err}\n${tail}`);
  }
}
