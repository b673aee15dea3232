/**
 * The limits of the wire protocol, as the contract's "Names and limits"
 * table states them. Every transport validates against these.
 *
 * @module
 */

/** Numeric limits of the protocol, shared by server and client. */
export const LIMITS = {
  /** Largest client WebSocket frame or HTTP body, in bytes. */
  maxFrameBytes: 64 * 1024,
  /** Longest message text, in characters, after trimming trailing space. */
  maxTextChars: 4000,
  /** Longest display name, in characters, after trimming. */
  maxNameChars: 32,
  /** Longest client message id. */
  maxIdChars: 64,
  /** History page size when the client names none. */
  historyDefault: 50,
  /** Largest history page a client may ask for. */
  historyMax: 100,
  /** Messages a `join` without `since` carries. */
  joinLatest: 50,
} as const;

/** The protocol version this server speaks (`welcome.protocol`). */
export const PROTOCOL_VERSION = 1;

/** A valid room name: lower case, digits, `_` and `-`, 1–64 characters. */
export const ROOM_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** A valid client message id: 1–64 characters of `[A-Za-z0-9_-]`. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
