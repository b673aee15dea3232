/**
 * Decoding of client frames: raw text from the network in, a validated
 * {@linkcode ClientFrame} out, or a {@linkcode ProtocolError} with the exact
 * contract code. Nothing here trusts the input's shape.
 *
 * @module
 */
import type { ClientFrame, ClientFrameType } from "./types.ts";
import { ProtocolError } from "./errors.ts";
import { LIMITS } from "./limits.ts";
import {
  parseClientId,
  parseDisplayName,
  parseEmoji,
  parseEpoch,
  parseFlag,
  parseHistoryLimit,
  parseMessageText,
  parseRoomName,
  parseSeq,
  parseTarget,
} from "./validate.ts";

/** Deepest JSON nesting a client frame may have; frames are flat objects. */
export const MAX_FRAME_DEPTH = 4;

/** Keys no client object may have (prototype pollution in later merges). */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  "__proto__",
  "constructor",
  "prototype",
]);

const FRAME_TYPES: ReadonlySet<string> = new Set<ClientFrameType>([
  "hello",
  "join",
  "leave",
  "send",
  "edit",
  "delete",
  "react",
  "typing",
  "history",
  "read",
  "visibility",
  "watch",
  "ping",
]);

/** Most rooms one `watch` frame may list. */
export const MAX_WATCHED_ROOMS = 100;

/** The UTF-8 length of `text`, computed only when it could exceed `limit`. */
export function exceedsBytes(text: string, limit: number): boolean {
  if (text.length > limit) return true; // every UTF-16 unit is ≥ 1 byte
  if (text.length * 3 <= limit) return false; // every unit is ≤ 3 bytes
  return new TextEncoder().encode(text).byteLength > limit;
}

/**
 * Rejects JSON nested deeper than `max` before parsing it, so a hostile
 * frame of thousands of brackets costs one linear scan and no recursion.
 */
export function nestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Whether `value` is a JSON object (not null, not an array). */
export function isPlainRecord(
  value: unknown,
): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses one client frame.
 *
 * @throws {ProtocolError} `too_large` over 64 KiB, `bad_request` for
 * anything that is not a well-formed frame, and the field's own code
 * (`room_invalid`, `text_invalid`) for invalid values.
 *
 * @example
 * ```ts
 * import { decodeClientFrame } from "./codec.ts";
 * const frame = decodeClientFrame('{"type":"join","room":"general"}');
 * console.assert(frame.type === "join");
 * ```
 */
export function decodeClientFrame(text: string): ClientFrame {
  if (exceedsBytes(text, LIMITS.maxFrameBytes)) {
    throw new ProtocolError(
      "too_large",
      `Frame exceeds ${LIMITS.maxFrameBytes} bytes`,
    );
  }
  if (nestingExceeds(text, MAX_FRAME_DEPTH)) {
    throw new ProtocolError("bad_request", "Frame is nested too deeply");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError("bad_request", "Frame is not valid JSON");
  }
  return validateClientFrame(value);
}

/** Validates an already-parsed value as a client frame. */
export function validateClientFrame(value: unknown): ClientFrame {
  if (!isPlainRecord(value)) {
    throw new ProtocolError("bad_request", "Frame must be a JSON object");
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) {
      throw new ProtocolError(
        "bad_request",
        `Frame must not have a "${key}" key`,
      );
    }
  }
  const type = value.type;
  if (typeof type !== "string") {
    throw new ProtocolError("bad_request", 'Frame needs a string "type"');
  }
  if (!FRAME_TYPES.has(type)) {
    throw new ProtocolError(
      "bad_request",
      `Unknown frame type ${JSON.stringify(type.slice(0, 40))}`,
      { ref: type.slice(0, 64) },
    );
  }
  const ref = type;
  switch (type as ClientFrameType) {
    case "hello": {
      const frame: ClientFrame = { type: "hello" };
      if (value.name !== undefined) {
        frame.name = parseDisplayName(value.name, ref);
      }
      if (value.token !== undefined) {
        if (typeof value.token !== "string" || value.token.length > 1024) {
          throw new ProtocolError("bad_request", '"token" must be a string', {
            ref,
          });
        }
        frame.token = value.token;
      }
      return frame;
    }
    case "join": {
      const room = parseRoomName(value.room, ref);
      const frame: ClientFrame = { type: "join", room };
      if (value.since !== undefined) {
        frame.since = parseSeq(value.since, "since", ref);
      }
      if (value.epoch !== undefined) frame.epoch = parseEpoch(value.epoch, ref);
      return frame;
    }
    case "leave":
      return { type: "leave", room: parseRoomName(value.room, ref) };
    case "typing":
      return { type: "typing", room: parseRoomName(value.room, ref) };
    case "send": {
      const id = parseClientId(value.id, ref);
      const room = parseRoomName(value.room, id);
      const text = parseMessageText(value.text, id);
      if (value.replyTo === undefined) return { type: "send", room, id, text };
      const replyTo = parseTarget(value.replyTo, "replyTo", id);
      return { type: "send", room, id, text, replyTo };
    }
    case "edit": {
      const id = parseClientId(value.id, ref);
      const room = parseRoomName(value.room, id);
      const target = parseTarget(value.target, "target", id);
      const text = parseMessageText(value.text, id);
      return { type: "edit", room, id, target, text };
    }
    case "delete": {
      const id = parseClientId(value.id, ref);
      const room = parseRoomName(value.room, id);
      const target = parseTarget(value.target, "target", id);
      return { type: "delete", room, id, target };
    }
    case "react": {
      const id = parseClientId(value.id, ref);
      const room = parseRoomName(value.room, id);
      const target = parseTarget(value.target, "target", id);
      const emoji = parseEmoji(value.emoji, id);
      const on = parseFlag(value.on, "on", id);
      return { type: "react", room, id, target, emoji, on };
    }
    case "read":
      return {
        type: "read",
        room: parseRoomName(value.room, ref),
        seq: parseSeq(value.seq, "seq", ref),
      };
    case "visibility":
      return {
        type: "visibility",
        hidden: parseFlag(value.hidden, "hidden", ref),
      };
    case "watch": {
      const rooms = value.rooms;
      if (!Array.isArray(rooms) || rooms.length > MAX_WATCHED_ROOMS) {
        throw new ProtocolError(
          "bad_request",
          `"rooms" must be a list of at most ${MAX_WATCHED_ROOMS} rooms`,
          { ref },
        );
      }
      return {
        type: "watch",
        rooms: [...new Set(rooms.map((room) => parseRoomName(room, ref)))],
      };
    }
    case "history": {
      const room = parseRoomName(value.room, ref);
      const limit = parseHistoryLimit(value.limit, ref);
      if (value.before === undefined) return { type: "history", room, limit };
      return {
        type: "history",
        room,
        limit,
        before: parseSeq(value.before, "before", ref),
      };
    }
    case "ping":
      return { type: "ping" };
  }
}
