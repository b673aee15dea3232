/**
 * Looks inside a server started with `--inspect=HOST:PORT` (e.g.
 * `deno serve --inspect=127.0.0.1:9330 …`) through the DevTools protocol:
 * takes a CPU profile and prints the functions with the most self time,
 * reads its memory usage (RSS, V8 heap, external), optionally after a full
 * garbage collection (`HeapProfiler.collectGarbage`), or takes a heap
 * snapshot (V8 collects garbage first) and sums it by constructor: count and
 * self size, the largest first. `heapdiff` compares two such sums, e.g. with
 * no connection and with N, per connection. `retainers` shows what keeps
 * objects of one constructor alive: the shortest path from the GC roots to
 * a few of them (how the upgrade request kept by Deno's idle-timeout close
 * listener was found).
 *
 * Usage: node bench/load/inspect.mjs profile <host:port> <seconds> <out.cpuprofile>
 *        node bench/load/inspect.mjs top <file.cpuprofile> [n]
 *        node bench/load/inspect.mjs allocs <host:port> <seconds> [n]
 *        node bench/load/inspect.mjs memory <host:port> [--gc]
 *        node bench/load/inspect.mjs heap <host:port> <out.json> [n]
 *        node bench/load/inspect.mjs heapdiff <before.json> <after.json> [per] [n]
 *        node bench/load/inspect.mjs retainers <host:port> <constructor> [n]
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
  const snap = await takeSnapshot(hostPort);
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
 * Takes a heap snapshot (V8 collects garbage first) and parses it.
 * @param {string} hostPort inspector address
 * @returns {Promise<any>} the snapshot object
 */
async function takeSnapshot(hostPort) {
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
  return JSON.parse(chunks.join(""));
}

/**
 * The shortest strong path from the GC roots to up to `n` objects made by
 * `constructor`, one line per hop, the object first.
 * @param {any} snap a parsed heap snapshot
 * @param {string} constructor constructor name, e.g. `Request`
 * @param {number} n how many objects
 * @returns {string[][]} one path per object
 */
export function retainerPaths(snap, constructor, n) {
  const meta = snap.snapshot.meta;
  const nodeWidth = meta.node_fields.length;
  const edgeWidth = meta.edge_fields.length;
  const iType = meta.node_fields.indexOf("type");
  const iName = meta.node_fields.indexOf("name");
  const iEdges = meta.node_fields.indexOf("edge_count");
  const eType = meta.edge_fields.indexOf("type");
  const eName = meta.edge_fields.indexOf("name_or_index");
  const eTo = meta.edge_fields.indexOf("to_node");
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const count = snap.nodes.length / nodeWidth;
  /** Index of each node's first edge in `snap.edges`. */
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++) {
    firstEdge[i + 1] = firstEdge[i] +
      snap.nodes[i * nodeWidth + iEdges] * edgeWidth;
  }
  // Breadth first from the root (node 0), ignoring weak edges.
  const parent = new Int32Array(count).fill(-1);
  const via = new Int32Array(count).fill(-1);
  parent[0] = 0;
  const queue = [0];
  for (let head = 0; head < queue.length; head++) {
    const from = queue[head];
    for (let e = firstEdge[from]; e < firstEdge[from + 1]; e += edgeWidth) {
      if (edgeTypes[snap.edges[e + eType]] === "weak") continue;
      const to = snap.edges[e + eTo] / nodeWidth;
      if (parent[to] !== -1) continue;
      parent[to] = from;
      via[to] = e;
      queue.push(to);
    }
  }
  const name = (/** @type {number} */ node) =>
    snap.strings[snap.nodes[node * nodeWidth + iName]];
  const label = (/** @type {number} */ node) =>
    `${nodeTypes[snap.nodes[node * nodeWidth + iType]]} ${
      name(node).replace(/ @\d+$/, "").slice(0, 60)
    }`;
  const edgeLabel = (/** @type {number} */ e) => {
    const type = edgeTypes[snap.edges[e + eType]];
    const key = snap.edges[e + eName];
    return type === "element" || type === "hidden"
      ? `[${key}]`
      : `.${snap.strings[key]}`;
  };
  /** @type {string[][]} */
  const paths = [];
  for (let node = 1; node < count && paths.length < n; node++) {
    if (name(node) !== constructor || parent[node] === -1) continue;
    if (nodeTypes[snap.nodes[node * nodeWidth + iType]] !== "object") continue;
    // The constructor's prototype object carries its name too: not an instance.
    if (/prototype$/i.test(edgeLabel(via[node]))) continue;
    const path = [];
    for (let at = node; at !== 0; at = parent[at]) {
      path.push(`${label(at)}  ← ${edgeLabel(via[at])} of`);
    }
    path.push("(GC roots)");
    paths.push(path);
  }
  return paths;
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

/**
 * Bytes allocated per function over `seconds` (V8's sampling heap profiler,
 * counting objects already collected too): what feeds the young
 * generation's collections, whatever the machine's timing noise.
 * @param {string} hostPort inspector address
 * @param {number} seconds how long
 * @returns {Promise<{total: number, rows: Array<[string, number]>}>}
 */
async function allocationsFor(hostPort, seconds) {
  const { call, close } = await session(hostPort);
  await call("HeapProfiler.enable");
  await call("HeapProfiler.startSampling", {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const { profile } = /** @type {any} */ (
    await call("HeapProfiler.stopSampling")
  );
  close();
  /** @type {Map<string, number>} */
  const byFn = new Map();
  let total = 0;
  /** @param {any} node */
  const walk = (node) => {
    const f = node.callFrame;
    const url = f.url.split("/").slice(-2).join("/");
    const key = `${f.functionName || "(anonymous)"} ${url}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children ?? []) walk(child);
  };
  walk(profile.head);
  return { total, rows: [...byFn].sort((x, y) => y[1] - x[1]) };
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
} else if (cmd === "allocs" && a && b) {
  const { total, rows } = await allocationsFor(a, Number(b));
  console.log(`${(total / Number(b) / 1e6).toFixed(1)} MB/s allocated`);
  for (const [key, bytes] of rows.slice(0, Number(c ?? 30))) {
    console.log(`${(bytes / total * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
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
} else if (cmd === "retainers" && a && b) {
  const paths = retainerPaths(await takeSnapshot(a), b, Number(c ?? 1));
  if (paths.length === 0) console.log(`no reachable ${b} object`);
  for (const path of paths) console.log(path.join("\n  ") + "\n");
} else {
  console.error(
    "usage: inspect.mjs profile <host:port> <seconds> <out> | top <file> [n] | allocs <host:port> <seconds> [n] | memory <host:port> [--gc] | heap <host:port> <out.json> [n] | heapdiff <a.json> <b.json> [per] [n] | retainers <host:port> <constructor> [n]",
  );
  process.exit(2);
}
