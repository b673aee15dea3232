/**
 * Segments: a room's events stored as runs, one KV row per run, followed by
 * the latest few events (of every kind) in the room's head record
 * (`recent`). Messages go to message segments (`["seg", room, firstSeq]`),
 * edits, deletions and reactions to update segments (`["useg", …]`), so a
 * page of messages reads message segments only however many updates the
 * room had; a range of events reads both and merges them by `seq`. Writing
 * decides what stays in the head and packs the rest into segments under
 * KV's value size limit; reading takes the head first, then the segments
 * before it, and keeps only the events asked for.
 *
 * @module
 */
import {
  type ChatMessage,
  type EventBase,
  isMessage,
  isUpdate,
  type RoomEvent,
} from "../protocol/types.ts";
import {
  type RoomHead,
  roomKey,
  segmentKey,
  segmentsPrefix,
  updateSegmentKey,
  updateSegmentsPrefix,
} from "./keys.ts";
import { withBusyRetry } from "./busy_retry.ts";
import { mergeBySeq } from "../engine/merge.ts";

/** Deno KV refuses values over 64 KiB; leave room for the encoding's overhead. */
const SEGMENT_BUDGET_BYTES = 60 * 1024;
/**
 * Bytes of messages the head record keeps. SQLite keeps a row of up to about
 * 1 000 bytes inside its B-tree page; a bigger one spills to overflow pages,
 * and every rewrite would then write those too.
 */
export const RECENT_BUDGET_BYTES = 800;

/** What an event carries besides its room, id and sender. */
interface EventContent {
  text?: string;
  emoji?: string;
  target?: number;
  replyTo?: number;
  mentions?: readonly string[];
}

/**
 * An upper bound of an event's size inside a segment: V8 serialises a
 * string in at most 2 bytes per UTF-16 unit, plus tags, lengths and numbers
 * (and, for an update or a reply, its type, target and flag). The content
 * may come apart from the rest (an append not yet made an event), so that
 * sizing one allocates nothing.
 */
export function storedSize(
  event: Pick<EventBase, "room" | "id" | "user"> & EventContent,
  content: EventContent = event,
): number {
  let units = (content.text?.length ?? 0) + (content.emoji?.length ?? 0) +
    event.id.length + event.user.id.length + event.user.name.length +
    event.room.length;
  // Each mentioned id: its characters plus a string's tag and length.
  for (const id of content.mentions ?? []) units += id.length + 4;
  const refers = content.target !== undefined ||
    content.replyTo !== undefined;
  return 2 * units + 96 + (refers ? 40 : 0);
}

/**
 * Where a commit puts a room's events: `recent` (what the head held) plus
 * `added` stay in the head while they fit {@linkcode RECENT_BUDGET_BYTES};
 * otherwise they all move to segments (messages and updates apart: see
 * {@linkcode segmentKeyOf}) and the head keeps none.
 */
export function placeMessages(
  recent: RoomEvent[],
  added: RoomEvent[],
): { recent: RoomEvent[]; segments: RoomEvent[][] } {
  const all = recent.length === 0 ? added : recent.concat(added);
  let bytes = 0;
  for (const event of all) bytes += storedSize(event);
  if (bytes <= RECENT_BUDGET_BYTES) return { recent: all, segments: [] };
  const messages = all.filter(isMessage);
  if (messages.length === all.length) {
    return { recent: [], segments: packSegments(all) };
  }
  const updates = all.filter(isUpdate);
  return {
    recent: [],
    segments: [...packSegments(messages), ...packSegments(updates)],
  };
}

/**
 * The key of a segment: a message segment's, or an update segment's (a
 * segment holds one kind only).
 */
export function segmentKeyOf(room: string, segment: RoomEvent[]): Deno.KvKey {
  return isMessage(segment[0])
    ? segmentKey(room, segment[0].seq)
    : updateSegmentKey(room, segment[0].seq);
}

/**
 * Splits events of one room, in `seq` order, into segments that each fit a
 * KV value; most commits give one.
 */
export function packSegments(events: RoomEvent[]): RoomEvent[][] {
  const segments: RoomEvent[][] = [];
  let current: RoomEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = storedSize(event);
    if (current.length > 0 && bytes + size > SEGMENT_BUDGET_BYTES) {
      segments.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) segments.push(current);
  return segments;
}

/** The head's `recent` events (read first: see {@linkcode readRange}). */
async function readRecent(kv: Deno.Kv, room: string): Promise<RoomEvent[]> {
  const head = await withBusyRetry(() => kv.get<RoomHead>(roomKey(room)));
  return head.value?.recent ?? [];
}

/**
 * Events of `room` with `after < seq ≤ upTo`, in order: messages and updates
 * merged.
 *
 * The head is read before the segments: events only ever move from the
 * head into segments, so everything older than the head's `recent` is
 * already in a segment by then. A caller that has just read the head passes
 * its `recent` (it must not be older than the segments read next); otherwise
 * it is read here.
 */
export async function readRange(
  kv: Deno.Kv,
  room: string,
  after: number,
  upTo: number,
  recent?: RoomEvent[],
): Promise<RoomEvent[]> {
  if (upTo <= after) return [];
  recent ??= await readRecent(kv, room);
  const segmentsUpTo = Math.min(upTo, (recent[0]?.seq ?? Infinity) - 1);
  let events: RoomEvent[] = [];
  if (segmentsUpTo > after) {
    const [messages, updates] = await Promise.all([
      readSegmentRange(kv, MESSAGE_SEGMENTS, room, after, segmentsUpTo),
      readSegmentRange(kv, UPDATE_SEGMENTS, room, after, segmentsUpTo),
    ]);
    events = mergeBySeq(messages, updates);
  }
  for (const event of recent) {
    if (event.seq > after && event.seq <= upTo) events.push(event);
  }
  return events;
}

/**
 * The message `seq` of `room`, if stored: from `recent` (the head's, read
 * first as for {@linkcode readRange}), else from the one message segment
 * that can hold it. `undefined` for an update's `seq` or a missing one.
 */
export async function readMessage(
  kv: Deno.Kv,
  room: string,
  seq: number,
  recent: RoomEvent[],
): Promise<ChatMessage | undefined> {
  if (recent.length > 0 && seq >= recent[0].seq) {
    const event = recent.find((e) => e.seq === seq);
    return event && isMessage(event) ? event : undefined;
  }
  const [segment] = await collect(kv.list<RoomEvent[]>(
    { prefix: segmentsPrefix(room), end: segmentKey(room, seq + 1) },
    { reverse: true, limit: 1 },
  ));
  const event = segment?.find((e) => e.seq === seq);
  return event && isMessage(event) ? event : undefined;
}

/** One kind of segment's keys. */
interface SegmentKind {
  key(room: string, firstSeq: number): Deno.KvKey;
  prefix(room: string): Deno.KvKey;
}

const MESSAGE_SEGMENTS: SegmentKind = {
  key: segmentKey,
  prefix: segmentsPrefix,
};
const UPDATE_SEGMENTS: SegmentKind = {
  key: updateSegmentKey,
  prefix: updateSegmentsPrefix,
};

async function readSegmentRange(
  kv: Deno.Kv,
  kind: SegmentKind,
  room: string,
  after: number,
  upTo: number,
): Promise<RoomEvent[]> {
  // The segment holding `after + 1` may start before it: it is the last one
  // starting at or before it. The rest start inside the range.
  const [first, rest] = await Promise.all([
    collect(kv.list<RoomEvent[]>(
      { prefix: kind.prefix(room), end: kind.key(room, after + 2) },
      { reverse: true, limit: 1 },
    )),
    upTo < after + 2 ? [] : collect(kv.list<RoomEvent[]>(
      { start: kind.key(room, after + 2), end: kind.key(room, upTo + 1) },
      { batchSize: Math.min(100, upTo - after) },
    )),
  ]);
  const events: RoomEvent[] = [];
  for (const segment of [...first, ...rest]) {
    for (const event of segment) {
      if (event.seq > after && event.seq <= upTo) events.push(event);
    }
  }
  return events;
}

/**
 * Up to `limit` of the latest messages of `room` with `floor < seq < before`
 * (`before` omitted: no upper bound), oldest first, and whether more such
 * messages exist. Updates are passed over in the head's `recent` and never
 * read from segments (they have their own). Takes the head's `recent` first,
 * as {@linkcode readRange} does.
 */
export async function readBefore(
  kv: Deno.Kv,
  room: string,
  before: number | undefined,
  limit: number,
  floor = 0,
  recent?: RoomEvent[],
): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
  recent ??= await readRecent(kv, room);
  const newestFirst: ChatMessage[] = [];
  let hasMore = false;
  /** Whether `event` ends the page; otherwise it is taken if eligible. */
  const take = (event: RoomEvent): boolean => {
    if (before !== undefined && event.seq >= before) return false;
    if (event.seq <= floor) return true;
    if (!isMessage(event)) return false;
    if (newestFirst.length === limit) {
      hasMore = true;
      return true;
    }
    newestFirst.push(event);
    return false;
  };
  for (let i = recent.length - 1; i >= 0; i--) {
    if (take(recent[i])) return { messages: newestFirst.reverse(), hasMore };
  }
  const end = Math.min(before ?? Infinity, recent[0]?.seq ?? Infinity);
  const selector: Deno.KvListSelector = end === Infinity
    ? { prefix: segmentsPrefix(room) }
    : { prefix: segmentsPrefix(room), end: segmentKey(room, end) };
  const iter = kv.list<RoomEvent[]>(selector, {
    reverse: true,
    // A segment holds one message or many: fetch a few at a time.
    batchSize: Math.min(limit + 1, 20),
  });
  scan: for await (const { value: segment } of iter) {
    for (let i = segment.length - 1; i >= 0; i--) {
      if (take(segment[i])) break scan;
    }
  }
  return { messages: newestFirst.reverse(), hasMore };
}

async function collect<T>(iter: Deno.KvListIterator<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const entry of iter) values.push(entry.value);
  return values;
}
