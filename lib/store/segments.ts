/**
 * Segments: a room's messages stored as runs of consecutive `seq`s, one KV
 * row per run (`["seg", room, firstSeq]`). Writing packs a commit's messages
 * into segments under KV's value size limit; reading finds the segments that
 * overlap a range and keeps only the messages asked for.
 *
 * @module
 */
import type { ChatMessage } from "../protocol/types.ts";
import { segmentKey, segmentsPrefix } from "./keys.ts";

/** Deno KV refuses values over 64 KiB; leave room for the encoding's overhead. */
const SEGMENT_BUDGET_BYTES = 60 * 1024;

/**
 * An upper bound of a message's size inside a segment: V8 serialises a
 * string in at most 2 bytes per UTF-16 unit, plus tags, lengths and numbers.
 */
export function storedSize(
  message: Pick<ChatMessage, "room" | "id" | "user" | "text">,
): number {
  const units = message.text.length + message.id.length +
    message.user.id.length + message.user.name.length + message.room.length;
  return 2 * units + 96;
}

/**
 * Splits consecutive messages of one room into segments that each fit a KV
 * value; most commits give one.
 */
export function packSegments(messages: ChatMessage[]): ChatMessage[][] {
  const segments: ChatMessage[][] = [];
  let current: ChatMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = storedSize(message);
    if (current.length > 0 && bytes + size > SEGMENT_BUDGET_BYTES) {
      segments.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) segments.push(current);
  return segments;
}

/** Messages of `room` with `after < seq ≤ upTo`, in order. */
export async function readRange(
  kv: Deno.Kv,
  room: string,
  after: number,
  upTo: number,
): Promise<ChatMessage[]> {
  if (upTo <= after) return [];
  // The segment holding `after + 1` may start before it: it is the last one
  // starting at or before it. The rest start inside the range.
  const [first, rest] = await Promise.all([
    collect(kv.list<ChatMessage[]>(
      { prefix: segmentsPrefix(room), end: segmentKey(room, after + 2) },
      { reverse: true, limit: 1 },
    )),
    upTo < after + 2 ? [] : collect(kv.list<ChatMessage[]>(
      { start: segmentKey(room, after + 2), end: segmentKey(room, upTo + 1) },
      { batchSize: Math.min(100, upTo - after) },
    )),
  ]);
  const messages: ChatMessage[] = [];
  for (const segment of [...first, ...rest]) {
    for (const message of segment) {
      if (message.seq > after && message.seq <= upTo) messages.push(message);
    }
  }
  return messages;
}

/**
 * Up to `limit` of the latest messages of `room` with `floor < seq < before`
 * (`before` omitted: no upper bound), oldest first, and whether more such
 * messages exist.
 */
export async function readBefore(
  kv: Deno.Kv,
  room: string,
  before: number | undefined,
  limit: number,
  floor = 0,
): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
  const selector: Deno.KvListSelector = before === undefined
    ? { prefix: segmentsPrefix(room) }
    : { prefix: segmentsPrefix(room), end: segmentKey(room, before) };
  const newestFirst: ChatMessage[] = [];
  let hasMore = false;
  const iter = kv.list<ChatMessage[]>(selector, {
    reverse: true,
    // A segment holds one message or many: fetch a few at a time.
    batchSize: Math.min(limit + 1, 20),
  });
  scan: for await (const { value: segment } of iter) {
    for (let i = segment.length - 1; i >= 0; i--) {
      const message = segment[i];
      if (before !== undefined && message.seq >= before) continue;
      if (message.seq <= floor) break scan;
      if (newestFirst.length === limit) {
        hasMore = true;
        break scan;
      }
      newestFirst.push(message);
    }
  }
  return { messages: newestFirst.reverse(), hasMore };
}

async function collect<T>(iter: Deno.KvListIterator<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const entry of iter) values.push(entry.value);
  return values;
}
