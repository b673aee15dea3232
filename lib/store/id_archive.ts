/**
 * Archived client ids: what keeps a repeated id from being stored twice for
 * a day, however busy the room, without a KV row per message.
 *
 * The ids of a room's latest messages are in those messages (head and
 * segments, read by `room_tail.ts`). Every {@linkcode ARCHIVE_EVERY}
 * messages a commit also moves the ids of the messages since the last such
 * move into one row per user who sent any (`["ids", room, userId,
 * firstSeq]`), written once and expiring after a day. So a commit adds a few
 * small rows every few hundred messages rather than one per message or per
 * sender, and a writer reads a user's rows only when that user first sends
 * to the room (see `bench/kv_rows.ts` for what each extra row costs).
 *
 * @module
 */
import { idArchiveKey, idArchivePrefix, type IdArchiveRow } from "./keys.ts";

/** How long an archived id is recognised (the contract's "24 hours"). */
export const ID_TTL_MS = 24 * 60 * 60 * 1000;
/** Rows are kept this much longer, so an id counts for at least a day. */
const EXPIRE_MARGIN_MS = 60 * 60 * 1000;
/** A room archives ids once this many messages are not archived. */
export const ARCHIVE_EVERY = 256;
/**
 * A user's archived ids recognised per room: the newest this many within
 * the day. At the default send rate (20/s) that is over 8 minutes of a user
 * sending without pause to one room; a retry after a lost ack comes within
 * seconds.
 */
export const MAX_ARCHIVED_IDS_PER_USER = 10_000;

/** Rows and bytes of archived ids one commit may write (KV: 1000 mutations, 800 KiB). */
export interface ArchiveBudget {
  rows: number;
  bytes: number;
}

/** The budget of one commit, next to its messages (see `append_writer.ts`). */
export const archiveBudget = (): ArchiveBudget => ({
  rows: 400,
  bytes: 128 * 1024,
});

/** A message's id as archived. */
export interface IdEntry {
  userId: string;
  id: string;
  seq: number;
}

/**
 * Adds to `atomic` the rows archiving `entries` (consecutive messages of
 * `room`, oldest first), as many as `budget` allows, and returns the `seq`
 * of the last one archived (`undefined`: none fit).
 */
export function archiveIds(
  atomic: Deno.AtomicOperation,
  room: string,
  entries: IdEntry[],
  ts: number,
  budget: ArchiveBudget,
): number | undefined {
  const rows = new Map<string, { ids: string[]; seqs: number[] }>();
  let last: number | undefined;
  for (const { userId, id, seq } of entries) {
    let row = rows.get(userId);
    const cost = id.length + 10 + (row ? 0 : room.length + userId.length + 64);
    if (budget.bytes < cost || (!row && budget.rows < 1)) break;
    if (!row) {
      rows.set(userId, row = { ids: [], seqs: [] });
      budget.rows--;
    }
    budget.bytes -= cost;
    row.ids.push(id);
    row.seqs.push(seq);
    last = seq;
  }
  const firstSeq = entries[0]?.seq;
  for (const [userId, { ids, seqs }] of rows) {
    const value: IdArchiveRow = { ts, ids: ids.join(" "), seqs };
    atomic.set(idArchiveKey(room, userId, firstSeq), value, {
      expireIn: ID_TTL_MS + EXPIRE_MARGIN_MS,
    });
  }
  return last;
}

/**
 * A user's archived ids in `room` with `seq ≤ upTo` (rows archived later
 * belong to messages the caller holds), archived within the day, the newest
 * {@linkcode MAX_ARCHIVED_IDS_PER_USER}: client id → seq, oldest first.
 */
export async function loadArchivedIds(
  kv: Deno.Kv,
  room: string,
  userId: string,
  upTo: number,
  now: number,
): Promise<Map<string, number>> {
  const newestFirst: Array<[string, number]> = [];
  if (upTo > 0) {
    const iter = kv.list<IdArchiveRow>(
      { prefix: idArchivePrefix(room, userId) },
      { reverse: true, batchSize: 20 },
    );
    scan: for await (const { value } of iter) {
      if (value.ts < now - ID_TTL_MS) continue;
      const ids = value.ids.split(" ");
      for (let i = ids.length - 1; i >= 0; i--) {
        if (value.seqs[i] > upTo) continue;
        if (newestFirst.length === MAX_ARCHIVED_IDS_PER_USER) break scan;
        newestFirst.push([ids[i], value.seqs[i]]);
      }
    }
  }
  return new Map(newestFirst.reverse());
}
