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
  /** Command line, working directory and environment for one start. */
  command(port: number, tmpDir: string): {
    cmd: string[];
    env: Record<string, string>;
  };
}

const BUN = `${BENCH}/peers/node_modules/.bin/bun`;

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
    command: (port, tmpDir) => ({
      cmd: [
        "deno",
        "serve",
        ...(parallel ? ["--parallel"] : []),
        "--unstable-kv",
        "--allow-all",
        "--host=127.0.0.1",
        `--port=${port}`,
        "main.ts",
      ],
      env: { CHAT_KV_PATH: `${tmpDir}/bench.kv`, CHAT_SEND_RATE: "0" },
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
    command: (port) => ({
      cmd: [BUN, `${BENCH}/peers/bun_server.js`],
      env: { PORT: String(port) },
    }),
  },
  {
    name: "node-ws",
    label: "Node + ws",
    proto: "json",
    pinned: true,
    command: (port) => ({
      cmd: ["node", `${BENCH}/peers/ws_server.mjs`],
      env: { PORT: String(port) },
    }),
  },
  {
    name: "socketio",
    label: "Node + Socket.IO",
    proto: "sio",
    pinned: true,
    command: (port) => ({
      cmd: ["node", `${BENCH}/peers/socketio_server.mjs`],
      env: { PORT: String(port) },
    }),
  },
];

/** The command line of a spec as a shell would show it (for the report). */
export function commandLine(spec: ServerSpec): string {
  const { cmd, env } = spec.command(8000, "$TMP");
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
  /** Stops it and removes its temporary directory. */
  stop(): Promise<void>;
}

/**
 * Starts a server (pinned if its spec says so) on a fresh port with a fresh
 * temporary directory, and waits for `/healthz` to answer 200.
 * @param spec the server
 * @param timeoutMs how long to wait for health
 */
export async function startServer(
  spec: ServerSpec,
  timeoutMs = 30_000,
): Promise<RunningServer> {
  const tmpDir = await Deno.makeTempDir({ prefix: `bench-${spec.name}-` });
  const port = freePort();
  const { cmd, env } = spec.command(port, tmpDir);
  const started = performance.now();
  const proc = spawnLogged(pinned(spec.pinned ? SERVER_CORE : null, cmd), {
    cwd: ROOT,
    env,
    logPath: `${tmpDir}/server.log`,
  });
  let exited = false;
  proc.child.status.then(() => exited = true);
  const stop = async () => {
    await proc.stop();
    await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
  };
  try {
    const startupMs = await waitFor200(
      `http://127.0.0.1:${port}/healthz`,
      started,
      timeoutMs,
      () => !exited,
    );
    return { spec, port, pid: proc.pid, startupMs, proc, tmpDir, stop };
  } catch (err) {
    const tail = await proc.logTail();
    await stop();
    throw new Error(`${spec.name} did not start: ${err}\n${tail}`);
  }
}
