/**
 * A deliberately small WebSocket client over `node:net`, so that the load
 * generator costs far less CPU per received frame than the servers it drives.
 * All sockets read into one shared buffer (`onread`), so a read allocates
 * nothing; bytes that must outlive the read are copied.
 *
 * Two receive modes:
 * - parse mode (default): every complete text message is decoded and
 *   `JSON.parse`d; a frame holding an array of events is flattened, so
 *   `onEvent` always sees single event objects, in order.
 * - scan mode (`setScanner`): frames are not decoded at all; the scanner gets
 *   the raw bytes of a run of complete data frames and counts byte patterns
 *   in it. A JSON pattern never spans two frames (each frame is a complete
 *   JSON text) nor a frame header (the first header byte of a server frame is
 *   not ASCII), so counting over the run is exact. A frame cut by the end of
 *   a read is carried over to the next read. (Fragmented messages would be
 *   scanned per fragment: servers do not fragment small messages.)
 *
 * Pings are answered with pongs; a server close frame is echoed.
 *
 * @module
 */
import net from "node:net";
import { randomBytes } from "node:crypto";

/** One read buffer for every socket of the process (reads are synchronous). */
const SHARED = Buffer.allocUnsafe(256 * 1024);

/**
 * @typedef {object} ConnectOptions
 * @property {string} host server address
 * @property {number} port server port
 * @property {string} path request path, e.g. `/ws`
 * @property {string} [localAddress] source address to bind (127.0.0.x)
 * @property {number} [timeoutMs] handshake timeout
 */

/**
 * @callback Scanner
 * @param {Buffer} buf bytes holding only complete frames from `start` to
 *   `end`; valid only during the call
 * @param {number} start
 * @param {number} end
 * @returns {void}
 */

/** A connected client. */
export class RawWebSocket {
  /** @type {net.Socket} */
  #socket;
  /** @type {Buffer | null} */
  #carry = null;
  /** @type {Buffer[]} */
  #fragments = [];
  #mask = randomBytes(4);
  /** @type {Scanner | null} */
  #scanner = null;
  #ended = false;
  /** Called with each server event in parse mode. @type {(event: any) => void} */
  onEvent = () => {};
  /** Called once when the connection ends. @type {(reason: string) => void} */
  onClose = () => {};
  /** Close code sent by the server, if any (0: none). */
  closeCode = 0;
  /** Whether the socket is still usable. */
  open = true;

  /** @param {net.Socket} socket a socket that completed the upgrade */
  constructor(socket) {
    this.#socket = socket;
    socket.on("close", () => this.#finish("socket closed"));
    socket.on("error", (err) => this.#finish(err.message));
  }

  /**
   * Switches to scan mode (or back to parse mode with `null`).
   * @param {Scanner | null} scanner
   */
  setScanner(scanner) {
    this.#scanner = scanner;
  }

  /**
   * Sends one text frame.
   * @param {string} text
   */
  send(text) {
    if (!this.open) return;
    const len = Buffer.byteLength(text);
    const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(head + 4 + len);
    frame[0] = 0x81;
    if (len < 126) {
      frame[1] = 0x80 | len;
    } else if (len < 65536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(len, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeBigUInt64BE(BigInt(len), 2);
    }
    const mask = this.#mask;
    mask.copy(frame, head);
    const start = head + 4;
    frame.write(text, start, len, "utf8");
    for (let i = 0; i < len; i++) frame[start + i] ^= mask[i & 3];
    this.#socket.write(frame);
  }

  /**
   * Drops the connection with a TCP reset (no onClose): no closing handshake
   * and no TIME_WAIT left behind to hold the client's port, so back-to-back
   * runs with thousands of connections do not exhaust ephemeral ports.
   */
  destroy() {
    this.open = false;
    this.#ended = true;
    this.#socket.resetAndDestroy();
  }

  /**
   * Handles bytes read from the socket (they live in the shared buffer).
   * @param {Buffer} chunk
   */
  onData(chunk) {
    if (this.#carry !== null) {
      chunk = Buffer.concat([this.#carry, chunk]);
      this.#carry = null;
    }
    const n = chunk.length;
    let i = 0;
    let runStart = 0;
    while (i + 2 <= n) {
      const b0 = chunk[i];
      const b1 = chunk[i + 1];
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (i + 4 > n) break;
        len = chunk.readUInt16BE(i + 2);
        head = 4;
      } else if (len === 127) {
        if (i + 10 > n) break;
        len = Number(chunk.readBigUInt64BE(i + 2));
        head = 10;
      }
      if (b1 & 0x80) head += 4; // servers must not mask; skip the key anyway
      const end = i + head + len;
      if (end > n) break;
      const opcode = b0 & 0x0f;
      if (opcode >= 8) {
        if (this.#scanner !== null && runStart < i) {
          this.#scanner(chunk, runStart, i);
        }
        this.#control(opcode, chunk.subarray(i + head, end));
        runStart = end;
      } else if (this.#scanner === null) {
        this.#data(b0, chunk, i + head, end);
      }
      i = end;
    }
    if (this.#scanner !== null && runStart < i) {
      this.#scanner(chunk, runStart, i);
    }
    if (i < n) this.#carry = Buffer.from(chunk.subarray(i));
  }

  /**
   * @param {number} opcode
   * @param {Buffer} payload
   */
  #sendControl(opcode, payload) {
    if (!this.open) return;
    const frame = Buffer.allocUnsafe(6 + payload.length);
    frame[0] = 0x80 | opcode;
    frame[1] = 0x80 | payload.length;
    this.#mask.copy(frame, 2);
    for (let i = 0; i < payload.length; i++) {
      frame[6 + i] = payload[i] ^ this.#mask[i & 3];
    }
    this.#socket.write(frame);
  }

  /** @param {string} reason */
  #finish(reason) {
    this.open = false;
    if (this.#ended) return;
    this.#ended = true;
    this.onClose(reason);
  }

  /**
   * @param {number} b0
   * @param {Buffer} chunk
   * @param {number} start
   * @param {number} end
   */
  #data(b0, chunk, start, end) {
    const fin = (b0 & 0x80) !== 0;
    if (!fin || this.#fragments.length > 0) {
      this.#fragments.push(Buffer.from(chunk.subarray(start, end)));
      if (!fin) return;
      const whole = Buffer.concat(this.#fragments);
      this.#fragments = [];
      this.#deliver(whole.toString("utf8"));
    } else {
      this.#deliver(chunk.toString("utf8", start, end));
    }
  }

  /** @param {string} text */
  #deliver(text) {
    const parsed = JSON.parse(text);
    if (Array.isArray(parsed)) {
      for (const event of parsed) this.onEvent(event);
    } else {
      this.onEvent(parsed);
    }
  }

  /**
   * @param {number} opcode
   * @param {Buffer} payload
   */
  #control(opcode, payload) {
    if (opcode === 0x9) {
      this.#sendControl(0xa, payload);
    } else if (opcode === 0x8) {
      this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.#sendControl(0x8, payload.subarray(0, 2));
      this.#socket.end();
      this.#finish(`close ${this.closeCode} ${payload.subarray(2)}`);
    }
  }
}

/**
 * Opens a WebSocket connection (no Origin header, no extensions).
 * @param {ConnectOptions} opts
 * @returns {Promise<RawWebSocket>}
 */
export function connectRaw(opts) {
  return new Promise((resolve, reject) => {
    /** @type {(chunk: Buffer) => void} */
    let onBytes = onHead;
    const socket = net.connect({
      host: opts.host,
      port: opts.port,
      localAddress: opts.localAddress,
      onread: {
        buffer: SHARED,
        callback: (nread, buf) => {
          onBytes(buf.subarray(0, nread));
          return true;
        },
      },
    });
    socket.setNoDelay(true);
    const key = randomBytes(16).toString("base64");
    /** @type {Buffer} */
    let head = Buffer.alloc(0);
    const timer = setTimeout(
      () => fail(new Error("handshake timeout")),
      opts.timeoutMs ?? 10_000,
    );
    /** @param {Error} err */
    function fail(err) {
      clearTimeout(timer);
      onBytes = () => {};
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.destroy();
      reject(err);
    }
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("closed during handshake")));
    socket.on("connect", () => {
      socket.write(
        `GET ${opts.path} HTTP/1.1\r\nHost: ${opts.host}:${opts.port}\r\n` +
          "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    /** @param {Buffer} chunk */
    function onHead(chunk) {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > 16384) fail(new Error("oversized upgrade response"));
        return;
      }
      const status = head.toString("latin1", 0, head.indexOf("\r\n"));
      if (!/^HTTP\/1\.1 101/.test(status)) {
        fail(new Error(`upgrade refused: ${status}`));
        return;
      }
      clearTimeout(timer);
      socket.removeAllListeners();
      const ws = new RawWebSocket(socket);
      const rest = head.subarray(end + 4);
      /** @type {Buffer[]} */
      const early = rest.length > 0 ? [rest] : [];
      // Bytes that arrive before the caller has set its callbacks wait here.
      onBytes = (bytes) => void early.push(Buffer.from(bytes));
      resolve(ws);
      setImmediate(() => {
        for (const bytes of early) ws.onData(bytes);
        onBytes = (bytes) => ws.onData(bytes);
      });
    }
  });
}
