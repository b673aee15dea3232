/**
 * The WebSocket transport of one isolate: its open connections, the one idle
 * sweep over them, and the options they all share. It ends its connections
 * itself when the isolate stops.
 *
 * @module
 */
import {
  Connection,
  type ConnectionOptions,
  type ConnectionSocket,
} from "./connection.ts";
import { IdleSweep } from "./idle_sweep.ts";
import type { ConnectionCaps } from "../throttle/connection_caps.ts";
import { CloseCode } from "../protocol/close_codes.ts";

/** What the transport is built from. */
export interface WebSocketsOptions
  extends Omit<ConnectionOptions, "idle" | "live" | "caps"> {
  /** A socket that sends nothing this long is closed (`1001`). */
  idleMs: number;
  /** Connections per user and per address, shared with the SSE streams. */
  caps: ConnectionCaps;
}

/** The WebSocket connections of one isolate. */
export class WebSockets {
  readonly #connections = new Set<Connection>();
  readonly #options: ConnectionOptions;
  readonly #caps: ConnectionCaps;
  readonly #sweep: ReturnType<typeof setInterval>;

  constructor(options: WebSocketsOptions) {
    const { idleMs, caps, ...shared } = options;
    const idle = new IdleSweep(idleMs);
    this.#caps = caps;
    const connections = this.#connections;
    // A connection leaves `live` once, when it closes: its address's place
    // is given back there (its user's, counted from hello, by itself).
    const live = {
      add: (connection: Connection) => connections.add(connection),
      delete: (connection: Connection) => {
        if (connections.delete(connection)) {
          caps.removeAddress(connection.address);
        }
      },
    };
    this.#options = { ...shared, caps, idle, live };
    this.#sweep = setInterval(
      () => idle.sweep(this.#connections),
      idle.intervalMs,
    );
  }

  /** How many connections are open. */
  get size(): number {
    return this.#connections.size;
  }

  /**
   * Serves an upgraded socket; `cookieToken` is the upgrade request's
   * session cookie (a `hello` without a token speaks for it), `address` the
   * client's (`""`: unknown). An address at its cap gets no connection: its
   * socket is closed with `4029` as soon as it opens, and `null` returned.
   */
  accept(
    socket: ConnectionSocket,
    cookieToken: string | null,
    address = "",
  ): Connection | null {
    if (!this.#caps.addAddress(address)) {
      refuse(socket);
      return null;
    }
    return new Connection(this.#options, socket, cookieToken, address);
  }

  /** Closes the connections that speak with a revoked token (`1008`). */
  closeRevoked(tokenHash: string): void {
    for (const connection of this.#connections) {
      if (connection.tokenHash === tokenHash) {
        connection.close("policy", "signed out");
      }
    }
  }

  /** Tells every client to reconnect (`1012`) and stops the idle sweep. */
  close(): void {
    clearInterval(this.#sweep);
    for (const connection of this.#connections) {
      connection.close("restarting", "server restarting");
    }
  }
}

/** `WebSocket.CONNECTING`: the upgrade's response is not sent yet. */
const CONNECTING = 0;

/**
 * Closes a refused socket with `4029`. A server socket closed while still
 * connecting (the upgrade's response not yet sent) never sends its close
 * frame in Deno: the client would see an open socket that says nothing, so
 * the close waits for `open`.
 */
function refuse(socket: ConnectionSocket): void {
  const close = () =>
    socket.close(CloseCode.tooManyConnections, "too many connections");
  if (socket.readyState === CONNECTING) {
    socket.addEventListener("open", { handleEvent: close });
  } else {
    close();
  }
}
