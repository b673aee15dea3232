/**
 * One client interface over the two wire formats the benchmark speaks:
 * `json` (our protocol: JSON text frames on `/ws`, used for ours, Bun and
 * Node+ws) and `sio` (Socket.IO events named like our frame types, through
 * `socket.io-client`).
 *
 * @module
 */
import { createRequire } from "node:module";
import { connectRaw } from "./raw_ws.mjs";

const require = createRequire(
  new URL("../peers/package.json", import.meta.url),
);

/**
 * @typedef {object} Target
 * @property {"json" | "sio"} proto wire format
 * @property {string} host server address
 * @property {number} port server port
 */

/**
 * The server under test: one port per node (one unless it runs several
 * processes of one chat).
 * @typedef {object} Servers
 * @property {"json" | "sio"} proto wire format
 * @property {string} host server address
 * @property {number[]} ports its nodes' ports
 */

/**
 * The node client `index` connects to: the nodes in turn, so that the
 * clients of a room (consecutive indices) sit on every node and deliveries
 * cross between nodes.
 * @param {Servers} servers
 * @param {number} index
 * @returns {Target}
 */
export function nodeFor(servers, index) {
  return {
    proto: servers.proto,
    host: servers.host,
    port: servers.ports[index % servers.ports.length],
  };
}

/**
 * @typedef {object} ChatClient
 * @property {(frame: {type: string} & Record<string, unknown>) => void} send
 *   sends one client frame
 * @property {(scanner: ((buf: Buffer, start: number, end: number) => void) | null) => boolean}
 *   setScanner switches to scan mode; false when the transport can't
 * @property {(event: any) => void} onEvent called with each event object
 * @property {(reason: string) => void} onClose called once on disconnect
 * @property {() => boolean} isOpen whether the connection is up
 * @property {() => void} destroy closes without notice
 */

/**
 * Connects one client.
 * @param {Target} target
 * @param {{localAddress?: string, timeoutMs?: number}} [opts]
 * @returns {Promise<ChatClient>}
 */
export function openClient(target, opts = {}) {
  return target.proto === "sio"
    ? openSocketIo(target, opts)
    : openJson(target, opts);
}

/**
 * @param {Target} target
 * @param {{localAddress?: string, timeoutMs?: number}} opts
 * @returns {Promise<ChatClient>}
 */
async function openJson(target, opts) {
  const ws = await connectRaw({
    host: target.host,
    port: target.port,
    path: "/ws",
    localAddress: opts.localAddress,
    timeoutMs: opts.timeoutMs,
  });
  /** @type {ChatClient} */
  const client = {
    send: (frame) => ws.send(JSON.stringify(frame)),
    setScanner: (scanner) => {
      ws.setScanner(scanner);
      return true;
    },
    onEvent: () => {},
    onClose: () => {},
    isOpen: () => ws.open,
    destroy: () => ws.destroy(),
  };
  ws.onEvent = (event) => client.onEvent(event);
  ws.onClose = (reason) => client.onClose(reason);
  return client;
}

/**
 * @param {Target} target
 * @param {{localAddress?: string, timeoutMs?: number}} opts
 * @returns {Promise<ChatClient>}
 */
function openSocketIo(target, opts) {
  const { io } = require("socket.io-client");
  const socket = io(`http://${target.host}:${target.port}`, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    perMessageDeflate: false,
    localAddress: opts.localAddress,
    timeout: opts.timeoutMs ?? 10_000,
  });
  return new Promise((resolve, reject) => {
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
    socket.once("connect", () => {
      let up = true;
      /** @type {ChatClient} */
      const client = {
        send: (frame) => void socket.emit(frame.type, frame),
        setScanner: () => false,
        onEvent: () => {},
        onClose: () => {},
        isOpen: () => up,
        destroy: () => {
          up = false;
          socket.removeAllListeners("disconnect");
          socket.close();
        },
      };
      socket.onAny((type, payload) => client.onEvent({ ...payload, type }));
      socket.on("disconnect", (reason) => {
        up = false;
        client.onClose(String(reason));
      });
      resolve(client);
    });
  });
}

/**
 * Sends `frame` and waits for the event of type `want` (an `error` event
 * rejects). Other events that arrive meanwhile go to `others`.
 * @param {ChatClient} client
 * @param {{type: string} & Record<string, unknown>} frame
 * @param {string} want
 * @param {number} [timeoutMs]
 * @param {(event: any) => void} [others]
 * @returns {Promise<any>}
 */
export function request(client, frame, want, timeoutMs = 15_000, others) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${want} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.onEvent = (event) => {
      if (event.type === want) {
        clearTimeout(timer);
        client.onEvent = others ?? (() => {});
        resolve(event);
      } else if (event.type === "error") {
        clearTimeout(timer);
        client.onEvent = others ?? (() => {});
        reject(new Error(`${frame.type}: ${event.code} ${event.message}`));
      } else {
        others?.(event);
      }
    };
    client.send(frame);
  });
}

/**
 * Connects, says hello and joins `room`.
 * @param {Target} target
 * @param {string} name
 * @param {string} room
 * @param {{localAddress?: string, timeoutMs?: number}} [opts]
 * @returns {Promise<ChatClient>}
 */
export async function connectAndJoin(target, name, room, opts = {}) {
  const client = await openClient(target, opts);
  try {
    await request(client, { type: "hello", name }, "welcome", opts.timeoutMs);
    await request(client, { type: "join", room }, "joined", opts.timeoutMs);
  } catch (err) {
    client.destroy();
    throw err;
  }
  return client;
}

/**
 * Counts the occurrences of `pattern` that lie wholly in `buf[start, end)`.
 * @param {Buffer} buf
 * @param {Buffer} pattern
 * @param {number} start
 * @param {number} end
 * @returns {number}
 */
export function countPattern(buf, pattern, start, end) {
  let n = 0;
  const last = end - pattern.length;
  let i = buf.indexOf(pattern, start);
  while (i !== -1 && i <= last) {
    n++;
    i = buf.indexOf(pattern, i + pattern.length);
  }
  return n;
}

/**
 * Whether `pattern` occurs wholly in `buf[start, end)`.
 * @param {Buffer} buf
 * @param {Buffer} pattern
 * @param {number} start
 * @param {number} end
 * @returns {boolean}
 */
export function hasPattern(buf, pattern, start, end) {
  const i = buf.indexOf(pattern, start);
  return i !== -1 && i <= end - pattern.length;
}

/**
 * Opens `count` connections, at most `concurrency` at a time.
 * `clients[i]` is the result of `open(i)` (undefined when it failed).
 * @template T
 * @param {number} count
 * @param {number} concurrency
 * @param {(index: number) => Promise<T>} open
 * @returns {Promise<{clients: (T | undefined)[], failed: number, firstError?: string, ms: number}>}
 */
export async function connectMany(count, concurrency, open) {
  const started = performance.now();
  /** @type {(T | undefined)[]} */
  const clients = new Array(count);
  let next = 0;
  let failed = 0;
  /** @type {string | undefined} */
  let firstError;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      try {
        clients[i] = await open(i);
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, lane),
  );
  return { clients, failed, firstError, ms: performance.now() - started };
}

/**
 * Splits `total` into `parts` near-equal integers.
 * @param {number} total
 * @param {number} parts
 * @returns {number[]}
 */
export function split(total, parts) {
  return Array.from(
    { length: parts },
    (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0),
  );
}
