/**
 * Forces a full garbage collection in a server under test, so that its RSS
 * can be read without the garbage its last work left behind:
 *
 * - `inspector` (Deno and Node, both V8): the server runs with
 *   `--inspect=127.0.0.1:PORT` and gets `HeapProfiler.collectGarbage` over
 *   the DevTools protocol (a full, precise V8 collection);
 * - `http` (Bun, JavaScriptCore): the server has a bench-only route that
 *   calls `Bun.gc(true)` (a synchronous full collection, then mimalloc
 *   returns fragmented memory), enabled by `BENCH_GC_ROUTE=1`.
 *
 * Either way the call returns once the collection is done.
 *
 * @module
 */
import { request } from "node:http";
import { session } from "./cdp.mjs";

/**
 * @typedef {{via: "inspector", address: string} | {via: "http", url: string}} GcHandle
 */

/**
 * Runs one full garbage collection in the server; resolves with how long the
 * request took, in ms.
 * @param {GcHandle} handle how to reach the server's collector
 * @param {number} [timeoutMs] limit for the whole request
 * @returns {Promise<number>}
 */
export async function forceGc(handle, timeoutMs = 60_000) {
  const t0 = performance.now();
  if (handle.via === "inspector") {
    const { call, close } = await session(handle.address, timeoutMs);
    try {
      await call("HeapProfiler.collectGarbage");
    } finally {
      close();
    }
  } else {
    await post(handle.url, timeoutMs);
  }
  return Math.round(performance.now() - t0);
}

/**
 * `POST url` on a connection of its own that closes afterwards (no
 * keep-alive connection is left open in the server being measured).
 * @param {string} url
 * @param {number} timeoutMs
 * @returns {Promise<void>}
 */
function post(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      agent: false,
      timeout: timeoutMs,
    }, (res) => {
      res.resume();
      res.on(
        "end",
        () =>
          res.statusCode === 200
            ? resolve()
            : reject(new Error(`${url}: HTTP ${res.statusCode}`)),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`${url}: timed out`)));
    req.on("error", reject);
    req.end();
  });
}
