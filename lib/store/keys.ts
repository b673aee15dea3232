/**
 * The Deno KV key layout, in one place.
 *
 * - `["room", room]` → {@linkcode RoomHead}: the room's head `seq`, last
 *   time and latest messages (up to ~800 bytes of them). Every append checks
 *   and rewrites it, which is what serialises writers of one room.
 * - `["seg", room, firstSeq]` → `ChatMessage[]`: a segment, the messages
 *   from `firstSeq` on (in `seq` order; the updates between them are in
 *   `useg` rows) of one room that no longer fit the head. Segments of a room
 *   never overlap and end where the head's `recent` begins; at most one
 *   segment per room per commit instead of a row per message is what makes a
 *   busy room cheap to store.
 * - `["useg", room, firstSeq]` → `RoomUpdate[]`: an update segment, the
 *   edits, deletions and reactions among the events that left the head in
 *   one commit. Updates live apart from messages so that a page of messages
 *   never reads past them; a range of events reads both and merges them.
 * - `["ids", room, userId, firstSeq]` → {@linkcode IdArchiveRow}: the client
 *   ids of one user's messages among the room's messages `firstSeq…`
 *   (up to the head's `archived`), moved there together every few hundred
 *   messages and expiring after a day (see `id_archive.ts`).
 * - `["fold", room, seq]` → {@linkcode Fold}: what edits, a deletion and
 *   reactions did to message `seq`, written in the commit of each update
 *   (so a page is folded by one range read; see `lib/engine/fold.ts`).
 * - `["schema"]` → the layout version ({@linkcode SCHEMA_VERSION}).
 *
 * Idempotency: the ids of a room's messages up to `archived` are in the
 * `ids` rows, those after it in the segments and the head (see
 * `room_tail.ts`).
 *
 * @module
 */
import type { RoomEvent } from "../protocol/types.ts";
import type { Fold } from "../engine/fold.ts";

export type { Fold };

/** A room's head: its last `seq` and when it was written. */
export interface RoomMeta {
  /** The last assigned `seq` (0 before the first message). */
  seq: number;
  /** `ts` of the last message. */
  lastTs: number;
}

/**
 * The head record as stored, rewritten by every append. `recent` holds the
 * room's latest messages not yet moved into a segment, so that a quiet room's
 * append rewrites this one small row instead of adding a segment row.
 */
export interface RoomHead extends RoomMeta {
  /** Events `seq - recent.length + 1 … seq`, oldest first (absent: none). */
  recent?: RoomEvent[];
  /**
   * The ids of messages up to this `seq` are in `ids` rows; later ones only
   * in messages. Absent in heads written before `ids` rows existed (see
   * `room_tail.ts`).
   */
  archived?: number;
}

/**
 * One user's client ids among a run of a room's messages, as archived
 * together: `ids` joined by spaces (client ids have none) and their `seq`s.
 */
export interface IdArchiveRow {
  /** When the run was archived (ms): the row counts for a day after. */
  ts: number;
  /** Client ids separated by single spaces, oldest first. */
  ids: string;
  /** The `seq` of each id, in the same order. */
  seqs: number[];
}

/** The version of this layout; version 1 stored one key per message. */
export const SCHEMA_VERSION = 2;
/** The key of the layout version. */
export const SCHEMA_KEY: Deno.KvKey = ["schema"];

/** The key of a room's head record. */
export const roomKey = (room: string): Deno.KvKey => ["room", room];
/** The prefix of all rooms' head records. */
export const ROOMS_PREFIX: Deno.KvKey = ["room"];
/** The key of the segment whose first message is `firstSeq`. */
export const segmentKey = (
  room: string,
  firstSeq: number,
): Deno.KvKey => ["seg", room, firstSeq];
/** The key of one user's ids archived from `firstSeq` on. */
export const idArchiveKey = (
  room: string,
  userId: string,
  firstSeq: number,
): Deno.KvKey => ["ids", room, userId, firstSeq];
/** The prefix of one user's archived ids in a room. */
export const idArchivePrefix = (room: string, userId: string): Deno.KvKey => [
  "ids",
  room,
  userId,
];
/** The prefix of a room's segments. */
export const segmentsPrefix = (room: string): Deno.KvKey => ["seg", room];
/** The key of the update segment whose first update is `firstSeq`. */
export const updateSegmentKey = (
  room: string,
  firstSeq: number,
): Deno.KvKey => ["useg", room, firstSeq];
/** The prefix of a room's update segments. */
export const updateSegmentsPrefix = (room: string): Deno.KvKey => [
  "useg",
  room,
];
/** The key of message `seq`'s fold. */
export const foldKey = (room: string, seq: number): Deno.KvKey => [
  "fold",
  room,
  seq,
];
/** The prefix of a room's folds. */
export const foldsPrefix = (room: string): Deno.KvKey => ["fold", room];
