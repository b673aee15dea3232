/**
 * Looks inside a server started with `--inspect=HOST:PORT` (e.g.
 * `deno serve --inspect=127.0.0.1:9330 …`) through the DevTools protocol:
 * takes a CPU profile and prints the functions with the most self time,
 * reads its memory usage (RSS, V8 heap, external), optionally after a full
 * garbage collection (`HeapProfiler.collectGarbage`), or takes a heap
 * snapshot (V8 collects garbage first) and sums it by constructor: count and
 * self size, the largest first. `heapdiff` compares two such sums, e.g. with
 * no connection and with N, per connection.
 *
 * Usage: node bench/load/inspect.mjs profile <host:port> <seconds> <out.cpuprofile>
 *        node bench/load/inspect.mjs top <file.cpuprofile> [n]
 *        node bench/load/inspect.mjs memory <host:port> [--gc]
 *        node bench/load/inspect.mjs heap <host:port> <out.json> [n]
 *        node bench/load/inspect.mjs heapdiff <before.json> <after.json> [per] [n]
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { session } from "./cdp.mjs";

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

/**
 * @typedef {{key: string, count: number, bytes: number}} HeapRow
 *   one type/constructor of a heap snapshot: how many nodes, their self size
 */

/**
 * Takes a heap snapshot (V8 collects garbage first) and sums its nodes by
 * type and constructor name.
 * @param {string} hostPort inspector address
 * @returns {Promise<HeapRow[]>} largest first
 */
async function heapByConstructor(hostPort) {
  /** @type {string[]} */
  const chunks = [];
  const { call, close } = await session(hostPort, 300_000, (method, params) => {
    if (method === "HeapProfiler.addHeapSnapshotChunk") {
      chunks.push(params.chunk);
    }
  });
  try {
    await call("HeapProfiler.enable");
    await call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    await call("HeapProfiler.disable");
  } finally {
    close();
  }
  const snap = JSON.parse(chunks.join(""));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf("type");
  const iName = fields.indexOf("name");
  const iSize = fields.indexOf("self_size");
  /** @type {Map<string, {count: number, bytes: number}>} */
  const by = new Map();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]];
    const name = snap.strings[snap.nodes[i + iName]];
    // Strings, code and arrays by type only; objects by constructor (scope
    // contexts without their node id, so that they add up).
    const key = type === "object" || type === "closure" || type === "native"
      ? `${type} ${name.replace(/ @\d+$/, "").slice(0, 60)}`
      : type;
    const row = by.get(key) ?? { count: 0, bytes: 0 };
    row.count++;
    row.bytes += snap.nodes[i + iSize];
    by.set(key, row);
  }
  return [...by].map(([key, r]) => ({ key, ...r }))
    .sort((x, y) => y.bytes - x.bytes);
}

/**
 * Prints heap rows as a table.
 * @param {HeapRow[]} rows
 * @param {number} n how many rows
 * @param {number} per divide counts and sizes by this (1: as they are)
 */
function printRows(rows, n, per) {
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  const each = per === 1 ? "" : ` /${per}`;
  console.log(`total ${(total / per).toFixed(per === 1 ? 0 : 1)} bytes${each}`);
  console.log(
    `${("count" + each).padStart(12)} ${
      ("bytes" + each).padStart(12)
    }  type/constructor`,
  );
  for (const r of rows.slice(0, n)) {
    const fmt = (/** @type {number} */ x) =>
      per === 1 ? String(x) : (x / per).toFixed(2);
    console.log(
      `${fmt(r.count).padStart(12)} ${fmt(r.bytes).padStart(12)}  ${r.key}`,
    );
  }
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
} else if (cmd === "heap" && a && b) {
  const rows = await heapByConstructor(a);
  writeFileSync(b, JSON.stringify(rows));
  printRows(rows, Number(c ?? 40), 1);
} else if (cmd === "heapdiff" && a && b) {
  /** @type {Map<string, HeapRow>} */
  const before = new Map(
    JSON.parse(readFileSync(a, "utf8")).map((/** @type {HeapRow} */ r) => [
      r.key,
      r,
    ]),
  );
  /** @type {HeapRow[]} */
  const after = JSON.parse(readFileSync(b, "utf8"));
  const keys = new Set([...before.keys(), ...after.map((r) => r.key)]);
  const byKey = new Map(after.map((r) => [r.key, r]));
  const rows = [...keys].map((key) => ({
    key,
    count: (byKey.get(key)?.count ?? 0) - (before.get(key)?.count ?? 0),
    bytes: (byKey.get(key)?.bytes ?? 0) - (before.get(key)?.bytes ?? 0),
  })).sort((x, y) => Math.abs(y.bytes) - Math.abs(x.bytes));
  printRows(rows, Number(process.argv[6] ?? 40), Number(c ?? 1));
} else {
  console.error(
    "usage: inspect.mjs profile <host:port> <seconds> <out> | top <file> [n] | memory <host:port> [--gc] | heap <host:port> <out.json> [n] | heapdiff <a.json> <b.json> [per] [n]",
  );
  process.exit(2);
}
