/**
 * The transport seam: {@linkcode ChatClient} speaks protocol frames and
 * leaves carrying them to a transport. WebSocket is the one built here; the
 * SSE and long-poll transports (comet issue) implement the same interface,
 * mapping client frames to HTTP requests and HTTP replies back to events.
 *
 * @module
 */
import type { ClientFrame, ServerEvent } from "../protocol/types.ts";

/** How a transport reports to the client. */
export interface TransportHandlers {
  /** The channel is open: the client sends `hello` next. */
  onOpen(): void;
  /** Events from the server, in order (one frame may carry several). */
  onEvents(events: ServerEvent[]): void;
  /**
   * The channel closed, or never opened. Called once per transport; the
   * client decides whether and when to reconnect.
   */
  onClose(info: TransportClose): void;
}

/** Why a transport closed. */
export interface TransportClose {
  /** WebSocket close code, or 1006 when the channel failed without one. */
  code: number;
  reason: string;
  /** Whether `onOpen` had been called. */
  wasOpen: boolean;
}

/** One connection attempt's channel to the server. */
export interface Transport {
  /** Which transport this is, for display and tests: `"websocket"`, … */
  readonly kind: string;
  /** Sends a frame; `false` when the channel is not open (nothing sent). */
  send(frame: ClientFrame): boolean;
  /** Closes the channel; `onClose` follows. */
  close(code?: number, reason?: string): void;
}

/** Opens a new transport for one connection attempt. */
export type TransportFactory = (handlers: TransportHandlers) => Transport;
