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

/** What the transport is built from. */
export interface WebSocketsOptions
  extends Omit<ConnectionOptions, "idle" | "live"> {
  /** A socket that sends nothing this long is closed (`1001`). */
  idleMs: number;
}

/** The WebSocket connections of one isolate. */
export class WebSockets {
  readonly #connections = new Set<Connection>();
  readonly #options: ConnectionOptions;
  readonly #sweep: ReturnType<typeof setInterval>;

  constructor(options: WebSocketsOptions) {
    const { idleMs, ...shared } = options;
    const idle = new IdleSweep(idleMs);
    this.#options = { ...shared, idle, live: this.#connections };
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
   * session cookie (a `hello` without a token speaks for it).
   */
  accept(socket: ConnectionSocket, cookieToken: string | null): Connection {
    return new Connection(this.#options, socket, cookieToken);
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
