/**
 * The small slice of the chat protocol (see /work/shared/PROTOCOL.md) that
 * the peer servers share: hello, join, send. No storage, no presence, no
 * history: each peer keeps one in-memory `seq` counter per room.
 *
 * @module
 */

const ROOM_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TEXT = 4000;

/** Limits the peers announce in `welcome` (same values as ours). */
export const LIMITS = Object.freeze({
  maxFrameBytes: 65536,
  maxTextChars: MAX_TEXT,
  maxNameChars: 32,
  historyMax: 100,
});

let nextUser = 0;

/**
 * A new anonymous user for a `hello`.
 * @param {unknown} name the requested display name
 * @returns {{id: string, name: string}}
 */
export function newUser(name) {
  nextUser += 1;
  const clean = typeof name === "string" && name.trim().length > 0
    ? name.trim().slice(0, 32)
    : `guest${nextUser}`;
  return { id: `u_${nextUser}`, name: clean };
}

/**
 * The `welcome` reply to `hello`.
 * @param {{id: string, name: string}} user
 */
export function welcome(user) {
  return { type: "welcome", user, token: "", protocol: 1, limits: LIMITS };
}

/**
 * An `error` event.
 * @param {string} code
 * @param {string} message
 * @param {string} [ref]
 */
export function error(code, message, ref) {
  return { type: "error", code, message, ref };
}

/**
 * Checks a `join` frame; returns an error event or null.
 * @param {any} frame
 */
export function checkJoin(frame) {
  return typeof frame.room === "string" && ROOM_RE.test(frame.room)
    ? null
    : error("room_invalid", "bad room name", "join");
}

/**
 * Checks a `send` frame; returns an error event or null.
 * @param {any} frame
 */
export function checkSend(frame) {
  if (typeof frame.room !== "string" || !ROOM_RE.test(frame.room)) {
    return error("room_invalid", "bad room name", frame.id);
  }
  if (typeof frame.id !== "string" || !ID_RE.test(frame.id)) {
    return error("bad_request", "bad id", "send");
  }
  if (
    typeof frame.text !== "string" || frame.text.length === 0 ||
    frame.text.length > MAX_TEXT
  ) {
    return error("text_invalid", "bad text", frame.id);
  }
  return null;
}

/** Per-room sequence numbers, in memory only. */
export class Sequencer {
  /** @type {Map<string, number>} */
  #seqs = new Map();

  /**
   * The current head of a room (0 when empty).
   * @param {string} room
   */
  head(room) {
    return this.#seqs.get(room) ?? 0;
  }

  /**
   * Allocates the next seq of a room.
   * @param {string} room
   */
  next(room) {
    const seq = (this.#seqs.get(room) ?? 0) + 1;
    this.#seqs.set(room, seq);
    return seq;
  }
}

/**
 * The `message` event for an accepted `send`.
 * @param {{id: string, name: string}} user
 * @param {{room: string, id: string, text: string}} frame
 * @param {number} seq
 */
export function message(user, frame, seq) {
  return {
    type: "message",
    room: frame.room,
    seq,
    id: frame.id,
    user,
    text: frame.text,
    ts: Date.now(),
  };
}
