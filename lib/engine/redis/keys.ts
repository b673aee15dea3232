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
 * @module
 */

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
