/**
 * Brings a database written by an older server to the current key layout
 * before anything reads or writes it.
 *
 * Layout 1 stored one `["msg", room, seq]` row per message; layout 2 stores
 * segments (`segments.ts`). The move is done in small atomic steps, each
 * checking that the rows it moves are still there, so isolates starting at
 * once (or a step repeated after a crash) never move a message twice. Old
 * servers must be stopped first: one still writing layout 1 after the move
 * would write messages no reader looks for.
 *
 * @module
 */
import type { ChatMessage } from "../protocol/types.ts";
import { SCHEMA_KEY, SCHEMA_VERSION, segmentKey } from "./keys.ts";
import { packSegments, storedSize } from "./segments.ts";
import { withBusyRetry } from "./busy_retry.ts";

/** Layout 1's message rows. */
const LEGACY_MESSAGES: Deno.KvKey = ["msg"];
/** Rows moved per atomic step (KV allows 100 checks per commit). */
const ROWS_PER_STEP = 90;
/** Message bytes moved per atomic step (KV allows 800 KiB of keys and values). */
const BYTES_PER_STEP = 512 * 1024;

/**
 * Moves every layout-1 message into segments, then records the layout
 * version; returns how many messages were moved. Throws a `RangeError` for a
 * database written by a newer server.
 */
export async function migrateLayout(kv: Deno.Kv): Promise<number> {
  const schema = await withBusyRetry(() => kv.get<number>(SCHEMA_KEY));
  if (schema.value === SCHEMA_VERSION) return 0;
  if (schema.value !== null && schema.value > SCHEMA_VERSION) {
    throw new RangeError(
      `Cannot open storage: its layout version ${schema.value} is newer than this server's ${SCHEMA_VERSION}`,
    );
  }
  let moved = 0;
  for (;;) {
    const rows: Deno.KvEntry<ChatMessage>[] = [];
    const iter = kv.list<ChatMessage>({ prefix: LEGACY_MESSAGES }, {
      limit: ROWS_PER_STEP,
    });
    let bytes = 0;
    for await (const row of iter) {
      // Large messages: fewer rows this step, the rest in the next ones.
      bytes += storedSize(row.value);
      if (rows.length > 0 && bytes > BYTES_PER_STEP) break;
      rows.push(row);
    }
    if (rows.length === 0) break;
    const atomic = kv.atomic();
    for (const run of runsByRoom(rows)) {
      for (const row of run) atomic.check(row).delete(row.key);
      for (const segment of packSegments(run.map((row) => row.value))) {
        atomic.set(segmentKey(segment[0].room, segment[0].seq), segment);
      }
    }
    const outcome = await withBusyRetry(() => atomic.commit());
    // Not ok: another isolate moved some of these rows first; list again.
    if (outcome.ok) moved += rows.length;
  }
  await withBusyRetry(() => kv.set(SCHEMA_KEY, SCHEMA_VERSION));
  return moved;
}

/** Rows (sorted by room, then seq) split into one run per room. */
function runsByRoom(
  rows: Deno.KvEntry<ChatMessage>[],
): Deno.KvEntry<ChatMessage>[][] {
  const runs: Deno.KvEntry<ChatMessage>[][] = [];
  for (const row of rows) {
    const run = runs[runs.length - 1];
    if (run && run[0].value.room === row.value.room) run.push(row);
    else runs.push([row]);
  }
  return runs;
}
