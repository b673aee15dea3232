/**
 * The servers under test: ours (one isolate, `--parallel`, on Redis with one
 * or two nodes, and KV-only under `--parallel`) and the peers in
 * bench/peers/. Single-isolate servers
 * are pinned to CPU 0 and their load to CPU 1; the `--parallel` row is not
 * pinned. A Redis row gets a fresh `redis-server` for each start, pinned to
 * CPU 0 as well: the whole server side (every node and Redis) has the one
 * core the embedded engine has, so the rows compare like for like.
 *
 * @module
 */
import { startRedis, type TestRedis } from "../../tests/helpers/redis.ts";
import type { Scenario } from "./cli.ts";
import {
  BENCH,
  freePort,
  pinned,
  ROOT,
  type Spawned,
  spawnLogged,
  waitFor200,
} from "./proc.ts";

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
  /** The scenarios it runs in; all when absent. */
  scenarios?: readonly Scenario[];
  /**
   * Server processes started side by side, each on its own port (nodes of
   * one chat on a shared Redis); 1 when absent. Load generators connect the
   * clients of a room to the nodes in turn.
   */
  nodes?: number;
  /** Whether each start gets a fresh `redis-server` (see `command`). */
  redis?: boolean;
  /**
   * Command line and environment of one process for one start; with `gc`,
   * the start also accepts forced GCs (inspector on, or the bench-only
   * route); `redisUrl` is the start's Redis when the spec has `redis`.
   */
  command(port: number, tmpDir: string, gc?: GcSetup, redisUrl?: string): {
    cmd: string[];
    env: Record<string, string>;
  };
}

const BUN = `${BENCH}/peers/node_modules/.bin/bun`;

/** The inspector flag of a GC-enabled start (loopback only). */
function inspect(gc: GcSetup): string {
  return `--inspect=127.0.0.1:${gc.inspectPort}`;
}

/** One configuration of our server, see {@linkcode ours}. */
interface OursOptions {
  name: string;
  label: string;
  /** `deno serve --parallel` (one isolate per CPU), not pinned. */
  parallel?: boolean;
  /** Processes on one fresh Redis (`CHAT_REDIS_URL`); none when absent. */
  redisNodes?: number;
  /** Extra environment, e.g. an engine switch. */
  env?: Record<string, string>;
  /** The scenarios it runs in; all when absent. */
  scenarios?: readonly Scenario[];
}

/**
 * Our server, `deno serve` with storage on and the per-connection send rate
 * limit off (the peers have none). Each engine or process layout is one
 * call here, so a new mode is one entry in `SERVERS`: its environment,
 * `parallel` and the scenarios worth running.
 * @param o the configuration
 */
function ours(o: OursOptions): ServerSpec {
  const parallel = o.parallel ?? false;
  const nodes = o.redisNodes ?? 1;
  return {
    name: o.name,
    label: o.label,
    proto: "json",
    pinned: !parallel,
    // --parallel has several isolates (one inspector target each), several
    // nodes several inspectors: neither can be asked for one full GC.
    gc: parallel || nodes > 1 ? undefined : "inspector",
    scenarios: o.scenarios,
    nodes,
    redis: o.redisNodes !== undefined,
    command: (port, tmpDir, gc, redisUrl) => ({
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
        ...(redisUrl ? { CHAT_REDIS_URL: redisUrl } : {}),
        // Also on Redis (which opens no KV): nothing may land in ./data.
        CHAT_KV_PATH: `${tmpDir}/bench.kv`,
        CHAT_SEND_RATE: "0",
        // Every load-generator socket comes from 127.0.0.1.
        CHAT_MAX_CONNECTIONS_PER_ADDRESS: "0",
        // As `deno task start` runs it (lib/cli/start.ts).
        DENO_USE_WRITEV: "1",
        ...o.env,
      },
    }),
  };
}

/** The scenarios of the engine comparison rows (what issue 11 asks). */
const ENGINE_SCENARIOS: readonly Scenario[] = ["fanout", "latency"];

/** Every server the harness knows, in table order. */
export const SERVERS: ServerSpec[] = [
  ours({ name: "ours", label: "ours, deno serve (1 isolate)" }),
  ours({
    name: "ours-parallel",
    label: "ours, deno serve --parallel (2 isolates)",
    parallel: true,
    // The idle goal is about connections held by one isolate.
    scenarios: ["fanout", "latency", "coldstart"],
  }),
  ours({
    name: "ours-redis",
    label: "ours on the Redis engine, 1 node (1 isolate)",
    redisNodes: 1,
    scenarios: ENGINE_SCENARIOS,
  }),
  ours({
    name: "ours-redis-2",
    label:
      "ours on the Redis engine, 2 nodes (1 isolate each) on one Redis, every room's clients split across both",
    redisNodes: 2,
    scenarios: ENGINE_SCENARIOS,
  }),
  ours({
    name: "ours-kv-only",
    label:
      "ours on the KV-only engine (CHAT_BROADCAST=0), deno serve --parallel (2 isolates)",
    parallel: true,
    env: { CHAT_BROADCAST: "0" },
    scenarios: ENGINE_SCENARIOS,
  }),
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
    name: "deno-kv",
    label:
      "bare Deno server + each message committed to Deno KV before its ack, grouped as ours, one log row per commit (the storage floor, not a peer)",
    proto: "json",
    pinned: true,
    gc: "inspector",
    command: (port, tmpDir, gc) => ({
      cmd: [
        "deno",
        "run",
        ...(gc ? [inspect(gc)] : []),
        "--unstable-kv",
        "--allow-net",
        "--allow-env",
        "--allow-read",
        "--allow-write",
        `${BENCH}/peers/deno_server.js`,
      ],
      env: { PORT: String(port), KV_PATH: `${tmpDir}/floor.kv` },
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

/** `redis-server` arguments of a Redis row besides port, address and dir. */
const REDIS_ARGS = [
  // No persistence: nothing of a run needs to survive it, and a disk write
  // per append would measure the disk, not the engine.
  "--appendonly",
  "no",
];

/** The port a report shows for node `i` of a spec (the first is 8000). */
const SHOWN_PORT = 8000;
/** The Redis port a report shows. */
const SHOWN_REDIS_PORT = 6379;

/**
 * The command line of a spec as a shell would show it (for the report); for
 * a Redis row, Redis and every node, joined by `&`.
 * @param spec the server
 * @param gc show the start that accepts forced GCs (idle scenario)
 */
export function commandLine(spec: ServerSpec, gc = false): string {
  const core = spec.pinned ? SERVER_CORE : null;
  const redisUrl = spec.redis
    ? `redis://127.0.0.1:${SHOWN_REDIS_PORT}`
    : undefined;
  const lines = Array.from({ length: spec.nodes ?? 1 }, (_, i) => {
    const { cmd, env } = spec.command(
      SHOWN_PORT + i,
      "$TMP",
      gc ? { inspectPort: 9229 } : undefined,
      redisUrl,
    );
    const envs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const shown = pinned(core, cmd).map((a) =>
      a.startsWith(ROOT + "/") ? a.slice(ROOT.length + 1) : a
    );
    return [...envs, ...shown].join(" ");
  });
  if (spec.redis) {
    lines.unshift(
      pinned(core, [
        "redis-server",
        "--port",
        String(SHOWN_REDIS_PORT),
        "--bind",
        "127.0.0.1",
        "--save",
        "''",
        ...REDIS_ARGS,
      ]).join(" "),
    );
  }
  return lines.join(" & ");
}

/** A started server: its nodes, and its Redis if it has one. */
export interface RunningServer {
  spec: ServerSpec;
  /** The nodes' ports, one per node. */
  ports: number[];
  /** Every process of the server side: the nodes, then Redis. */
  pids: number[];
  /** The same processes by role (`node1`, `node2`, `redis`). */
  roles: Record<string, number>;
  /** Milliseconds from spawn to the first 200 from /healthz of every node. */
  startupMs: number;
  tmpDir: string;
  /** Where to force a full GC, when started with `forceGc`. */
  gc: GcHandle | null;
  /** Stops the nodes, then Redis, and removes its temporary directory. */
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
 * Processes started and not yet stopped, killed if the benchmark exits
 * before stopping them (an exception past every `finally`, a signal), and
 * the temporary directories of starts not yet stopped, removed then: a run
 * must leave neither servers nor their files on the machine. Redis has the
 * same net for its process in its helper (tests/helpers/redis.ts).
 */
const live = new Set<Spawned>();
const liveDirs = new Set<string>();
globalThis.addEventListener("unload", () => {
  for (const proc of live) {
    try {
      proc.child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const dir of liveDirs) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // already gone
    }
  }
});

/**
 * Starts a fresh `redis-server` in `dir` and pins it (every thread) to
 * `core`; the helper starts it unpinned, so the pin follows at once, before
 * any node connects.
 * @param dir its data directory (nothing is written: no persistence)
 * @param core CPU to pin it to, or null
 */
async function startPinnedRedis(
  dir: string,
  core: number | null,
): Promise<TestRedis> {
  await Deno.mkdir(dir, { recursive: true });
  const redis = await startRedis({ dir, args: REDIS_ARGS });
  if (core !== null) {
    const out = await new Deno.Command("taskset", {
      args: ["-a", "-p", "-c", String(core), String(redis.pid)],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      await redis.stop();
      throw new Error(
        `taskset redis-server: ${new TextDecoder().decode(out.stderr)}`,
      );
    }
  }
  return redis;
}

/**
 * Starts a server (pinned if its spec says so): a fresh Redis first when it
 * has one, then each node on a fresh port with a fresh temporary directory;
 * waits for every node's `/healthz` to answer 200.
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
  liveDirs.add(tmpDir);
  const core = spec.pinned ? SERVER_CORE : null;
  const nodes: Spawned[] = [];
  let redis: TestRedis | undefined;
  const stop = async () => {
    // Nodes first: a node that loses Redis under it logs connection errors.
    for (const how of await Promise.all(nodes.map((p) => p.stop(2000)))) {
      SHUTDOWNS.push({ server: spec.name, ...how });
    }
    for (const proc of nodes) {
      live.delete(proc);
      const lines = errorLines(
        await Deno.readTextFile(proc.logPath).catch(() => ""),
      );
      if (lines.length > 0) LOG_ERRORS.push({ server: spec.name, lines });
    }
    await redis?.stop();
    await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
    liveDirs.delete(tmpDir);
  };
  try {
    if (spec.redis) redis = await startPinnedRedis(`${tmpDir}/redis`, core);
    const ports: number[] = [];
    while (ports.length < (spec.nodes ?? 1)) {
      const port = freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    let inspectPort = 0;
    for (let i = 0; forceGc && spec.gc === "inspector" && i < 10; i++) {
      inspectPort = freePort();
      if (!ports.includes(inspectPort)) break;
    }
    const gc: GcHandle | null = !forceGc
      ? null
      : spec.gc === "inspector"
      ? { via: "inspector", address: `127.0.0.1:${inspectPort}` }
      : { via: "http", url: `http://127.0.0.1:${ports[0]}/__bench/gc` };
    const started = performance.now();
    const exited: boolean[] = [];
    for (const [i, port] of ports.entries()) {
      const dir = ports.length > 1 ? `${tmpDir}/node${i + 1}` : tmpDir;
      await Deno.mkdir(dir, { recursive: true });
      const { cmd, env } = spec.command(
        port,
        dir,
        forceGc ? { inspectPort } : undefined,
        redis?.url,
      );
      const proc = spawnLogged(pinned(core, cmd), {
        cwd: ROOT,
        env,
        logPath: `${dir}/server.log`,
      });
      nodes.push(proc);
      live.add(proc);
      exited[i] = false;
      proc.child.status.then(() => exited[i] = true);
    }
    const startupMs = Math.max(
      ...await Promise.all(ports.map((port, i) =>
        waitFor200(
          `http://127.0.0.1:${port}/healthz`,
          started,
          timeoutMs,
          () => !exited[i],
        )
      )),
    );
    const roles: Record<string, number> = Object.fromEntries(
      nodes.map((p, i) => [`node${i + 1}`, p.pid]),
    );
    if (redis) roles.redis = redis.pid;
    return {
      spec,
      ports,
      pids: Object.values(roles),
      roles,
      startupMs,
      tmpDir,
      gc,
      stop,
    };
  } catch (err) {
    const tails = await Promise.all(nodes.map((p) => p.logTail(8)));
    await stop();
    // deno-lint-ignore no-control-regex
    const tail = tails.join("\n").replace(/\x1b\[[0-9;]*m/g, "");
    throw new Error(`${spec.name} did not start: ${err}\n${tail}`);
  }
}
