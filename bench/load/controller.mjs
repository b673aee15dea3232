/**
 * Load controller: runs one scenario against one running server. It forks
 * the generator workers (`worker.mjs`), drives them over IPC, meters the CPU
 * of the server and of the generator processes from /proc, and prints the
 * scenario's result as one JSON line on stdout (progress goes to stderr).
 *
 * Usage: node bench/load/controller.mjs '<json config>'
 * where the config is {scenario, target: {proto, host, ports}, serverPids,
 * serverRoles, gc, workers, params}: `ports` are the server's nodes (one
 * unless it runs several processes), `serverPids` every process of the
 * server side (nodes and Redis, metered together as `server`),
 * `serverRoles` the same by name (`node1`, `redis`; metered one by one, or
 * null); `gc` says where to force a full garbage collection in the server
 * (bench/load/gc.mjs), or is null.
 *
 * @module
 */
import { fork } from "node:child_process";
import { forceGc } from "./gc.mjs";
import { CpuMeter, rssKiB } from "./procstat.mjs";

/**
 * @typedef {object} Worker
 * @property {number} pid
 * @property {(cmd: string, args?: unknown) => Promise<any>} call
 */

/**
 * @typedef {object} DriveContext
 * @property {Worker[]} workers
 * @property {(cmd: string, args?: unknown | ((index: number) => unknown)) => Promise<any[]>} callAll
 * @property {() => CpuMeter} meter CPU meter with groups `server` and
 *   `generator` (and `roles`: the server's processes one by one)
 * @property {() => number} serverRssKiB
 * @property {(() => Promise<number>) | null} forceGc runs a full GC in the
 *   server and resolves with the request's ms; null when the server was not
 *   started for it
 * @property {(msg: string) => void} log
 */

const config = JSON.parse(process.argv[2]);
const scenario = await import(`./${config.scenario}.mjs`);
const log = (/** @type {string} */ msg) =>
  process.stderr.write(`  [${config.scenario}] ${msg}\n`);

/** @type {import("node:child_process").ChildProcess[]} */
const children = [];
const killAll = () => {
  for (const child of children) if (child.exitCode === null) child.kill();
};
process.on("exit", killAll);
for (const sig of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.on(sig, () => process.exit(130));
}

/**
 * Forks worker `index` and waits until it is ready.
 * @param {number} index
 * @returns {Promise<Worker>}
 */
function spawnWorker(index) {
  const child = fork(new URL("./worker.mjs", import.meta.url), [
    JSON.stringify({
      scenario: config.scenario,
      target: config.target,
      index,
      count: config.workers,
      localAddress: `127.0.0.${(index % 4) + 1}`,
    }),
  ], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    // e.g. BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
    execArgv: process.env.BENCH_WORKER_NODE_ARGS?.split(" ") ?? [],
  });
  children.push(child);
  let next = 0;
  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void}>} */
  const pending = new Map();
  child.on("message", (/** @type {any} */ msg) => {
    const waiter = pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.ok) waiter.resolve(msg.result);
    else waiter.reject(new Error(`worker ${index}: ${msg.error}`));
  });
  child.on("exit", (code) => {
    for (const w of pending.values()) {
      w.reject(new Error(`worker ${index} exited with ${code}`));
    }
    pending.clear();
  });
  /** @type {Worker} */
  const worker = {
    pid: /** @type {number} */ (child.pid),
    call: (cmd, args) =>
      new Promise((resolve, reject) => {
        const id = ++next;
        pending.set(id, { resolve, reject });
        child.send({ id, cmd, args });
      }),
  };
  return worker.call("ping").then(() => worker);
}

const workers = await Promise.all(
  Array.from({ length: config.workers }, (_, i) => spawnWorker(i)),
);
/** @type {DriveContext} */
const ctx = {
  workers,
  callAll: (cmd, args) =>
    Promise.all(
      workers.map((w, i) =>
        w.call(cmd, typeof args === "function" ? args(i) : args)
      ),
    ),
  meter: () =>
    new CpuMeter({
      server: config.serverPids,
      generator: [process.pid, ...workers.map((w) => w.pid)],
    }, config.serverRoles ?? {}),
  serverRssKiB: () =>
    config.serverPids.reduce(
      (/** @type {number} */ sum, /** @type {number} */ pid) =>
        sum + rssKiB(pid),
      0,
    ),
  forceGc: config.gc ? () => forceGc(config.gc) : null,
  log,
};

let exitCode = 0;
try {
  const result = await scenario.drive(ctx, config.params);
  process.stdout.write(JSON.stringify(result) + "\n");
} catch (err) {
  log(`failed: ${err instanceof Error ? err.stack : err}`);
  process.stdout.write(JSON.stringify({ error: String(err) }) + "\n");
  exitCode = 1;
} finally {
  // Workers exit on disconnect (writing profiles if asked); kill stragglers.
  await Promise.all(children.map((child) =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(undefined);
      child.once("exit", resolve);
      child.disconnect();
      setTimeout(resolve, 3000).unref();
    })
  ));
  killAll();
}
process.exit(exitCode);
