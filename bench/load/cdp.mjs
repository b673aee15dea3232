/**
 * A minimal DevTools protocol client for a process started with
 * `--inspect=HOST:PORT` (Deno or Node): opens a session with its first
 * target and sends commands. Every call is bounded in time.
 *
 * @module
 */
import { createRequire } from "node:module";

const require = createRequire(
  new URL("../peers/package.json", import.meta.url),
);

/**
 * @typedef {object} CdpSession
 * @property {(method: string, params?: object) => Promise<any>} call
 *   sends a command and resolves with its result (rejects on a protocol
 *   error, a closed session or after the session's timeout)
 * @property {() => void} close ends the session
 */

/**
 * Opens a DevTools protocol session with the first inspector target.
 * @param {string} hostPort inspector address, e.g. `127.0.0.1:9330`
 * @param {number} [timeoutMs] limit for connecting and for each call
 * @param {(method: string, params: any) => void} [onEvent] receives the
 *   target's events (e.g. heap snapshot chunks)
 * @returns {Promise<CdpSession>}
 */
export async function session(hostPort, timeoutMs = 60_000, onEvent) {
  const { WebSocket } = require("ws");
  const res = await fetch(`http://${hostPort}/json/list`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  const targets = await res.json();
  if (!targets[0]?.webSocketDebuggerUrl) {
    throw new Error(`no inspector target at ${hostPort}`);
  }
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`inspector ${hostPort}: connect timeout`)),
      timeoutMs,
    );
    ws.once("open", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    ws.once("error", (/** @type {Error} */ err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  let id = 0;
  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void}>} */
  const waiting = new Map();
  ws.on("message", (/** @type {Buffer} */ data) => {
    const msg = JSON.parse(data.toString());
    if (msg.id === undefined) return onEvent?.(msg.method, msg.params);
    const waiter = waiting.get(msg.id);
    if (!waiter) return; // a reply that came too late
    waiting.delete(msg.id);
    if (msg.error) {
      waiter.reject(new Error(`inspector: ${JSON.stringify(msg.error)}`));
    } else waiter.resolve(msg.result);
  });
  ws.on("close", () => {
    for (const w of waiting.values()) {
      w.reject(new Error(`inspector ${hostPort}: session closed`));
    }
    waiting.clear();
  });
  const call = (/** @type {string} */ method, params = {}) =>
    new Promise((resolve, reject) => {
      const n = ++id;
      const timer = setTimeout(() => {
        waiting.delete(n);
        reject(new Error(`inspector ${hostPort}: ${method} timed out`));
      }, timeoutMs);
      waiting.set(n, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return { call, close: () => ws.close() };
}
