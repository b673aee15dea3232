/**
 * The Deno KV key layout, in one place.
 *
 * - `["room", room]` → {@linkcode RoomMeta}: the room's head `seq` and last time.
 * - `["msg", room, seq]` → `ChatMessage`: the retained history.
 * - `["idem", room, userId, clientId]` → `seq`: idempotent sends.
 *
 * @module
 */

/** A room's head record, updated atomically with every append. */
export interface RoomMeta {
  /** The last assigned `seq` (0 before the first message). */
  seq: number;
  /** `ts` of the last message. */
  lastTs: number;
}

/** The key of a room's head record. */
export const roomKey = (room: string): Deno.KvKey => ["room", room];
/** The prefix of all rooms' head records. */
export const ROOMS_PREFIX: Deno.KvKey = ["room"];
/** The key of one message. */
export const messageKey = (
  room: string,
  seq: number,
): Deno.KvKey => ["msg", room, seq];
/** The prefix of a room's messages. */
export const messagesPrefix = (room: string): Deno.KvKey => ["msg", room];
/** The key recording which `seq` a client id was stored as. */
export const idempotencyKey = (
  room: string,
  userId: string,
  clientId: string,
): Deno.KvKey => [
  "idem",
  room,
  userId,
  clientId,
];
