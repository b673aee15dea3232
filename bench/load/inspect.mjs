/**
 * Looks inside a server started with `--inspect=HOST:PORT` (e.g.
 * `deno serve --inspect=127.0.0.1:9330 …`) through the DevTools protocol:
 * takes a CPU profile and prints the functions with the most self time, or
 * reads its memory usage (RSS, V8 heap, external), optionally after a full
 * garbage collection (`HeapProfiler.collectGarbage`).
 *
 * Usage: node bench/load/inspect.mjs profile <host:port> <seconds> <out.cpuprofile>
 *        node bench/load/inspect.mjs top <file.cpuprofile> [n]
 *        node bench/load/inspect.mjs memory <host:port> [--gc]
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(
  new URL("../peers/package.json", import.meta.url),
);

/**
 * Self time per function, largest first.
 * @param {any} profile a `.cpuprofile` object
 * @param {number} n how many rows
 * @returns {string}
 */
export function topFunctions(profile, n = 30) {
  /** @type {Map<number, number>} */
  const selfUs = new Map();
  profile.samples.forEach((/** @type {number} */ id, /** @type {number} */ i) =>
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  );
  /** @type {Map<string, number>} */
  const byFn = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const f = node.callFrame;
    const url = f.url.split("/").slice(-2).join("/");
    const key = `${f.functionName || "(anonymous)"} ${url}:${f.lineNumber + 1}`;
    const us = selfUs.get(node.id) ?? 0;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    total += us;
  }
  const rows = [...byFn].sort((a, b) => b[1] - a[1]).slice(0, n);
  return [
    `total ${(total / 1e6).toFixed(2)} s sampled`,
    ...rows.map(([k, us]) =>
      `${(us / total * 100).toFixed(1).padStart(5)}%  ${k}`
    ),
  ].join("\n");
}

/**
 * Opens a DevTools protocol session with the first inspector target.
 * @param {string} hostPort inspector address
 * @returns {Promise<{call: (method: string, params?: object) => Promise<any>, close: () => void}>}
 */
async function session(hostPort) {
  const { WebSocket } = require("ws");
  const targets = await (await fetch(`http://${hostPort}/json/list`)).json();
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let id = 0;
  /** @type {Map<number, (v: any) => void>} */
  const waiting = new Map();
  ws.on("message", (/** @type {Buffer} */ data) => {
    const msg = JSON.parse(data.toString());
    waiting.get(msg.id)?.(msg.result);
    waiting.delete(msg.id);
  });
  const call = (/** @type {string} */ method, params = {}) =>
    new Promise((resolve) => {
      waiting.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { call, close: () => ws.close() };
}

/**
 * Profiles the inspector target for `seconds`.
 * @param {string} hostPort inspector address
 * @param {number} seconds how long
 * @returns {Promise<any>} the profile
 */
async function profileFor(hostPort, seconds) {
  const { call, close } = await session(hostPort);
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 200 });
  await call("Profiler.start");
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const result = /** @type {any} */ (await call("Profiler.stop"));
  close();
  return result.profile;
}

/**
 * Memory usage of a Deno (or Node) target, in MiB.
 * @param {string} hostPort inspector address
 * @param {boolean} gc whether to collect garbage first
 * @returns {Promise<Record<string, number>>}
 */
async function memoryOf(hostPort, gc) {
  const { call, close } = await session(hostPort);
  if (gc) {
    await call("HeapProfiler.enable");
    await call("HeapProfiler.collectGarbage");
    await call("HeapProfiler.disable");
  }
  const res = await call("Runtime.evaluate", {
    expression:
      "JSON.stringify(globalThis.Deno ? Deno.memoryUsage() : process.memoryUsage())",
  });
  close();
  /** @type {Record<string, number>} */
  const bytes = JSON.parse(res.result.value);
  return Object.fromEntries(
    Object.entries(bytes).map((
      [k, v],
    ) => [k, Math.round(v / 1048576 * 10) / 10]),
  );
}

const [cmd, a, b, c] = process.argv.slice(2);
if (cmd === "top" && a) {
  console.log(
    topFunctions(JSON.parse(readFileSync(a, "utf8")), Number(b ?? 30)),
  );
} else if (cmd === "profile" && a && b && c) {
  const profile = await profileFor(a, Number(b));
  writeFileSync(c, JSON.stringify(profile));
  console.log(topFunctions(profile));
} else if (cmd === "memory" && a) {
  console.log(JSON.stringify(await memoryOf(a, b === "--gc")));
} else {
  console.error(
    "usage: inspect.mjs profile <host:port> <seconds> <out> | top <file> [n] | memory <host:port> [--gc]",
  );
  process.exit(2);
}
