/**
 * Takes a V8 CPU profile of a server started with `--inspect=HOST:PORT`
 * (e.g. `deno serve --inspect=127.0.0.1:9330 …`), through the DevTools
 * protocol, and prints the functions with the most self time.
 *
 * Usage: node bench/load/cpu_profile.mjs <host:port> <seconds> <out.cpuprofile>
 *        node bench/load/cpu_profile.mjs --top <file.cpuprofile> [n]
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
 * Profiles the inspector target for `seconds`.
 * @param {string} hostPort inspector address
 * @param {number} seconds how long
 * @returns {Promise<any>} the profile
 */
async function profileFor(hostPort, seconds) {
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
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 200 });
  await call("Profiler.start");
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const result = /** @type {any} */ (await call("Profiler.stop"));
  ws.close();
  return result.profile;
}

const [a, b, c] = process.argv.slice(2);
if (a === "--top") {
  console.log(
    topFunctions(JSON.parse(readFileSync(b, "utf8")), Number(c ?? 30)),
  );
} else if (a && b && c) {
  const profile = await profileFor(a, Number(b));
  writeFileSync(c, JSON.stringify(profile));
  console.log(topFunctions(profile));
} else {
  console.error(
    "usage: cpu_profile.mjs <host:port> <seconds> <out.cpuprofile> | --top <file> [n]",
  );
  process.exit(2);
}
