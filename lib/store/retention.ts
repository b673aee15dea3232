/**
 * Retention: deleting the segments a room no longer has to keep. Reads hide
 * messages older than the retained range themselves, so this only frees the
 * space, in the background, a few hundred messages at a time.
 *
 * @module
 */
import { segmentKey, segmentsPrefix } from "./keys.ts";
import { withBusyRetry } from "./busy_retry.ts";
import { expiredFoldKeys } from "./folds.ts";

/** Mutations per atomic delete (KV allows 1000). */
const DELETES_PER_COMMIT = 500;

/**
 * Deletes every segment of `room` that ends before `keepFrom`, the oldest
 * `seq` to keep, and the folds of the messages before it; returns how many
 * segments were deleted. Safe to run alongside
 * writers (they only add segments after the head) and other trims.
 */
export async function trimSegments(
  kv: Deno.Kv,
  room: string,
  keepFrom: number,
): Promise<number> {
  if (keepFrom <= 1) return 0;
  // Segments are contiguous: of those starting at or before `keepFrom`, the
  // last one holds it and every earlier one ends before it.
  const keys: Deno.KvKey[] = [];
  const iter = kv.list(
    { prefix: segmentsPrefix(room), end: segmentKey(room, keepFrom + 1) },
    { batchSize: 100 },
  );
  for await (const entry of iter) keys.push(entry.key);
  keys.pop();
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
