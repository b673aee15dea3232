/**
 * The Redis key layout, in one place. Every key and channel of a room
 * carries the room in a hash tag (`{room}`), so that in a Redis Cluster they
 * share one slot: one Lua script can touch them all, and the room's feed is
 * a sharded channel on the same shard.
 *
 * - `chat:{room}:h` hash: `seq` (the head), `ts` (of the last event),
 *   `epoch` (created with the room's first read or write)
 * - `chat:{room}:s` stream: one entry per message, id `<seq>-0`, field `m`
 *   the message JSON; trimmed to the history limit (by `seq`)
 * - `chat:{room}:u` stream: the same for edits, deletions and reactions, apart
 *   so that a history page reads messages only
 * - `chat:{room}:o` hash: field `<seq>` the fold of message `seq` (what
 *   edits, a deletion and reactions did to it) as JSON, written by the
 *   append of each update; a message's field goes when it leaves the stream
 * - `chat:{room}:i:<user>:<id>` string: the `seq` stored for that
 *   (user, client id), expiring after 24 h (idempotency)
 * - `chat:{room}:f` channel: the room's live feed, `{"epoch","messages"}`
 *   (`messages`: the stored events)
 * - `chat:rooms` set: rooms with at least one event (the lobby)
 * - `chat:bus` channel: the node bus (presence, typing, heartbeats)
 * - `chat:secret` string: the token secret, when `CHAT_SECRET` is unset
 *
 * Records (`redis_records.ts`) all share the one hash tag `{rec}`, so that
 * one script can check and write any of them, in a cluster too (all on one
 * shard: records are few and small). A room named `rec` shares their slot
 * but no key: its suffixes are other letters. `<key>` below is each key
 * part's UTF-8 in base64url, joined by `:` (parts may hold any character,
 * and base64url has neither `:` nor braces):
 *
 * - `chat:{rec}:r:<key>` string: the record, `{"v":version,"d":value}` JSON,
 *   with the expiry of its last write
 * - `chat:{rec}:c:<key>` sorted set: `part` for each record `[...key, part]`,
 *   all with score 0, so that `ZRANGE BYLEX` lists them in UTF-8 byte order,
 *   Deno KV's order (one-part records have no index: an empty prefix cannot
 *   be listed); the member of an expired record lingers until a `list`
 *   finds it gone
 * - `chat:{rec}:n` hash: `n` counts the writes that set records, `epoch` is
 *   made with the first;
 *   a version is `<epoch>.<n>`, so a Redis that lost its data never gives a
 *   version it gave before (a stale check would pass)
 *
 * @module
 */
import { encodeBase64Url } from "../../auth/base64url.ts";
import { checkRecordKey, type RecordKey } from "../records.ts";

/** The keys and feed channel of one room. */
export interface RoomKeys {
  head: string;
  stream: string;
  updates: string;
  feed: string;
  folds: string;
}

/** The keys of `room` (a valid room name: no braces). */
export function roomKeys(room: string): RoomKeys {
  const tag = `chat:{${room}}`;
  return {
    head: `${tag}:h`,
    stream: `${tag}:s`,
    updates: `${tag}:u`,
    feed: `${tag}:f`,
    folds: `${tag}:o`,
  };
}

/** The idempotency key of (room, user, client id). */
export function idempotencyKey(
  room: string,
  userId: string,
  id: string,
): string {
  return `chat:{${room}}:i:${userId}:${id}`;
}

/** The room a feed channel belongs to, or `undefined` for another channel. */
export function roomOfFeed(channel: string): string | undefined {
  const match = /^chat:\{([a-z0-9_-]+)\}:f$/.exec(channel);
  return match?.[1];
}

/** The set of rooms with events. */
export const ROOMS_KEY = "chat:rooms";
/** The node bus channel. */
export const BUS_CHANNEL = "chat:bus";
/** The shared token secret. */
export const SECRET_KEY = "chat:secret";

/** The hash tag every record key carries. */
const RECORDS_TAG = "chat:{rec}";

/** The write counter and epoch of records (the source of versions). */
export const RECORDS_COUNTER_KEY = `${RECORDS_TAG}:n`;

const encoder = new TextEncoder();

/** `key` in a Redis key name: unambiguous, whatever its parts hold. */
function encodeRecordKey(key: RecordKey): string {
  checkRecordKey(key);
  return key.map((part) => encodeBase64Url(encoder.encode(part))).join(":");
}

/** The string holding the record at `key` (a valid record key). */
export function recordKey(key: RecordKey): string {
  return `${RECORDS_TAG}:r:${encodeRecordKey(key)}`;
}

/** The sorted set of the last parts of the records one part below `key`. */
export function recordIndexKey(key: RecordKey): string {
  return `${RECORDS_TAG}:c:${encodeRecordKey(key)}`;
}
