/**
 * Retention: deleting the segments a room no longer has to keep. Reads hide
 * messages older than the retained range themselves, so this only frees the
 * space, in the background, a few hundred messages at a time.
 *
 * @module
 */
import {
  segmentKey,
  segmentsPrefix,
  updateSegmentKey,
  updateSegmentsPrefix,
} from "./keys.ts";
import type { RoomEvent } from "../protocol/types.ts";
import { withBusyRetry } from "./busy_retry.ts";
import { expiredFoldKeys } from "./folds.ts";

/** Mutations per atomic delete (KV allows 1000). */
const DELETES_PER_COMMIT = 500;

/**
 * Deletes every segment (of messages or of updates) of `room` that ends
 * before `keepFrom`, the oldest `seq` to keep, and the folds of the messages
 * before it; returns how many segments were deleted. Safe to run alongside
 * writers (they only add segments after the head) and other trims.
 */
export async function trimSegments(
  kv: Deno.Kv,
  room: string,
  keepFrom: number,
): Promise<number> {
  if (keepFrom <= 1) return 0;
  const keys = [
    ...await segmentsBefore(
      kv,
      segmentsPrefix(room),
      segmentKey(room, keepFrom + 1),
      keepFrom,
    ),
    ...await segmentsBefore(
      kv,
      updateSegmentsPrefix(room),
      updateSegmentKey(room, keepFrom + 1),
      keepFrom,
    ),
  ];
  const segments = keys.length;
  keys.push(...await expiredFoldKeys(kv, room, keepFrom));
  for (let i = 0; i < keys.length; i += DELETES_PER_COMMIT) {
    const atomic = kv.atomic();
    for (const key of keys.slice(i, i + DELETES_PER_COMMIT)) {
      atomic.delete(key);
    }
    await withBusyRetry(() => atomic.commit());
  }
  return segments;
}

/** The keys of one kind's segments that start before `end` and end before `keepFrom`. */
async function segmentsBefore(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  end: Deno.KvKey,
  keepFrom: number,
): Promise<Deno.KvKey[]> {
  const keys: Deno.KvKey[] = [];
  const iter = kv.list<RoomEvent[]>({ prefix, end }, { batchSize: 100 });
  for await (const { key, value } of iter) {
    if (value[value.length - 1].seq < keepFrom) keys.push(key);
  }
  return keys;
}
