/**
 * WebSocket close codes of the contract, by name.
 *
 * @module
 */

/** Named close codes. */
export const CloseCode = {
  /** Normal closure. */
  normal: 1000,
  /** Policy violation: bad Origin or repeated abuse. */
  policy: 1008,
  /** A frame over the size limit. */
  tooLarge: 1009,
  /** The server failed. */
  internal: 1011,
  /** Nothing received for the idle period (send `ping`): reconnect. */
  idle: 1001,
  /** The server is restarting: reconnect. */
  restarting: 1012,
  /** Overloaded, or the client is too slow: reconnect later with `since`. */
  overloaded: 1013,
  /** No `hello` in time. */
  helloTimeout: 4001,
} as const;

/** A close code's name. */
export type CloseReason = keyof typeof CloseCode;
