/**
 * The `text/event-stream` wire format, encoded to bytes. A message or
 * presence/typing event is encoded at most once per broadcast and the same
 * bytes are queued on every SSE stream of the isolate.
 *
 * @module
 */
import type { OutgoingEvent, OutgoingRoomEvent } from "../rooms/outgoing.ts";

const encoder = new TextEncoder();

/**
 * One SSE event. `data` must be a single line (JSON from `JSON.stringify`
 * never contains CR or LF); `id` sets the client's `Last-Event-ID`.
 *
 * @example
 * ```ts
 * import { formatEvent } from "./sse_format.ts";
 * console.assert(formatEvent("message", '{"seq":1}', 1) ===
 *   'id: 1\nevent: message\ndata: {"seq":1}\n\n');
 * ```
 */
export function formatEvent(event: string, data: string, id?: number): string {
  if (/[\r\n]/.test(data)) {
    throw new TypeError("SSE data must be a single line");
  }
  return (id === undefined ? "" : `id: ${id}\n`) +
    `event: ${event}\ndata: ${data}\n\n`;
}

/** The `retry:` hint (reconnect delay) that opens every stream. */
export function retryHint(ms: number): Uint8Array {
  return encoder.encode(`retry: ${ms}\n\n`);
}

/** The keep-alive comment the shared timer sends to every stream. */
export const PING: Uint8Array = encoder.encode(": ping\n\n");

/** Encodes a string once. */
export function encode(text: string): Uint8Array {
  return encoder.encode(text);
}

const messageBytes = new WeakMap<OutgoingRoomEvent, Uint8Array>();
const eventBytes = new WeakMap<OutgoingEvent, Uint8Array>();

/**
 * A stored event with `id: <seq>`, named `message`, `edit`, `delete` or
 * `reaction`, encoded once per broadcast.
 */
export function storedEvent(outgoing: OutgoingRoomEvent): Uint8Array {
  let bytes = messageBytes.get(outgoing);
  if (!bytes) {
    bytes = encoder.encode(
      formatEvent(outgoing.name, outgoing.data, outgoing.event.seq),
    );
    messageBytes.set(outgoing, bytes);
  }
  return bytes;
}

/** `event: presence` or `event: typing`, encoded once per broadcast. */
export function roomEvent(outgoing: OutgoingEvent): Uint8Array {
  let bytes = eventBytes.get(outgoing);
  if (!bytes) {
    bytes = encoder.encode(formatEvent(outgoing.event.type, outgoing.frame));
    eventBytes.set(outgoing, bytes);
  }
  return bytes;
}
