/**
 * What is stored about a user in a room beyond its events (records,
 * `lib/engine/records.ts`), so every tab, device and node agrees:
 *
 * - `["my", userId, room]` → {@linkcode UserRoom}: the rooms a user is in
 *   (joined at least once), their read position and notification level;
 * - `["joined", room, userId]` → `{name}`: the room's side of the same, the
 *   names `@mentions` are matched against;
 * - `["notify-all", room, userId]` → `{}`: the members whose level is
 *   `all`, for the notifier (most rooms have none, and it lists them alone).
 *
 * Read positions only move forward: a write checks the version it read.
 *
 * @module
 */
import type { NotifyLevel, User } from "../protocol/types.ts";
import type { Records } from "../engine/records.ts";
import { ProtocolError } from "../protocol/errors.ts";

/** A user's state in one room. */
export interface UserRoom {
  /** The stored read position (0: never read). */
  read: number;
  /** Absent: the default, `mentions`. */
  level?: NotifyLevel;
}

/** The default level: mentions (and direct messages) notify. */
export const DEFAULT_LEVEL: NotifyLevel = "mentions";

/** The most rooms of one user that are listed and counted. */
export const MAX_USER_ROOMS = 200;
/** The most members of one room whose names mentions are matched against. */
export const MAX_ROOM_NAMES = 2_000;

const userRoomKey = (userId: string, room: string) => ["my", userId, room];
const joinedKey = (room: string, userId: string) => ["joined", room, userId];
const notifyAllKey = (room: string, userId: string) => [
  "notify-all",
  room,
  userId,
];

/** Tries of a write that lost a race before giving up. */
const WRITE_TRIES = 5;

/** The records of users in rooms. */
export class UserRooms {
  readonly #records: Records;
  /** First joins' entries, written together (see `EntryWriter`). */
  readonly #entries: EntryWriter;

  constructor(records: Records) {
    this.#records = records;
    this.#entries = new EntryWriter(records);
  }

  /**
   * Records that `user` is in `room` (a join): creates their entry, and the
   * room's name for them when it is missing or changed. Returns their state.
   */
  async enter(room: string, user: User): Promise<UserRoom> {
    const [mine, joined] = await this.#records.getMany<unknown>([
      userRoomKey(user.id, room),
      joinedKey(room, user.id),
    ]);
    const set: Entry[] = [];
    if (!mine) {
      set.push({ key: userRoomKey(user.id, room), value: { read: 0 } });
    }
    if (!joined || (joined.value as { name?: unknown }).name !== user.name) {
      set.push({ key: joinedKey(room, user.id), value: { name: user.name } });
    }
    if (set.length > 0) await this.#entries.write(set, !mine);
    return mine ? asUserRoom(mine.value) : { read: 0 };
  }

  /** `userId`'s state in `room`, or `null` when they never joined it. */
  async get(room: string, userId: string): Promise<UserRoom | null> {
    const entry = await this.#records.get<unknown>(userRoomKey(userId, room));
    return entry ? asUserRoom(entry.value) : null;
  }

  /** The rooms `userId` is in, with their state (at most {@linkcode MAX_USER_ROOMS}). */
  async list(userId: string): Promise<Map<string, UserRoom>> {
    const entries = await this.#records.list<unknown>(
      ["my", userId],
      MAX_USER_ROOMS,
    );
    return new Map(entries.map((e) => [e.key[2], asUserRoom(e.value)]));
  }

  /**
   * Moves `userId`'s read position in `room` forward to `seq`. Returns
   * whether it moved (`false` when it was there or further already).
   */
  async advance(room: string, userId: string, seq: number): Promise<boolean> {
    const key = userRoomKey(userId, room);
    for (let i = 0; i < WRITE_TRIES; i++) {
      const entry = await this.#records.get<unknown>(key);
      const current = entry ? asUserRoom(entry.value) : { read: 0 };
      if (current.read >= seq) return false;
      const written = await this.#records.write({
        checks: [{ key, version: entry?.version ?? null }],
        set: [{ key, value: { ...current, read: seq } }],
      });
      if (written) return true;
    }
    throw new ProtocolError(
      "unavailable",
      `Cannot mark room "${room}" read: try again`,
    );
  }

  /** Sets `user`'s notification level in `room` (which they then are in). */
  async setLevel(room: string, user: User, level: NotifyLevel): Promise<void> {
    const key = userRoomKey(user.id, room);
    for (let i = 0; i < WRITE_TRIES; i++) {
      const entry = await this.#records.get<unknown>(key);
      const current = entry ? asUserRoom(entry.value) : { read: 0 };
      const next: UserRoom = { read: current.read };
      if (level !== DEFAULT_LEVEL) next.level = level;
      const written = await this.#records.write({
        checks: [{ key, version: entry?.version ?? null }],
        set: [
          { key, value: next },
          { key: joinedKey(room, user.id), value: { name: user.name } },
          ...(level === "all"
            ? [{ key: notifyAllKey(room, user.id), value: {} }]
            : []),
        ],
        delete: level === "all" ? [] : [notifyAllKey(room, user.id)],
      });
      if (written) return;
    }
    throw new ProtocolError(
      "unavailable",
      `Cannot set notifications of room "${room}": try again`,
    );
  }

  /** The levels of `userIds` in `room` (the default for those never in it). */
  async levels(
    room: string,
    userIds: readonly string[],
  ): Promise<Map<string, NotifyLevel>> {
    const entries = await this.#records.getMany<unknown>(
      userIds.map((id) => userRoomKey(id, room)),
    );
    return new Map(
      userIds.map((id, i) => [
        id,
        entries[i]
          ? asUserRoom(entries[i].value).level ?? DEFAULT_LEVEL
          : DEFAULT_LEVEL,
      ]),
    );
  }

  /** The ids of the members of `room` whose level is `all`. */
  async notifyAll(room: string): Promise<string[]> {
    const entries = await this.#records.list(["notify-all", room]);
    return entries.map((e) => e.key[2]);
  }

  /** The members of `room` by the name they last joined it with. */
  async names(room: string): Promise<User[]> {
    const entries = await this.#records.list<unknown>(
      ["joined", room],
      MAX_ROOM_NAMES,
    );
    const users: User[] = [];
    for (const { key, value } of entries) {
      const name = (value as { name?: unknown }).name;
      if (typeof name === "string") users.push({ id: key[2], name });
    }
    return users;
  }
}

/** One record an entry write sets. */
interface Entry {
  key: string[];
  value: unknown;
}

interface PendingEntries {
  set: Entry[];
  /** The first of `set` must still be absent (a user's first join). */
  create: boolean;
  done: PromiseWithResolvers<void>;
}

/** Entries of one write at most (two records each). */
const ENTRIES_PER_WRITE = 40;

/**
 * Writes the entries of joins, many per records write: a crowd joining at
 * once (a restart's reconnects, a class logging in) would otherwise cost
 * one storage commit each. While one write is under way the next ones
 * gather; a write whose "still absent" check fails (someone's first join
 * raced another node) is retried entry by entry, skipping what exists.
 */
class EntryWriter {
  readonly #records: Records;
  readonly #pending: PendingEntries[] = [];
  #writing = false;

  constructor(records: Records) {
    this.#records = records;
  }

  /** Writes `set`, with `create` only if its first key is still absent. */
  write(set: Entry[], create: boolean): Promise<void> {
    const done = Promise.withResolvers<void>();
    this.#pending.push({ set, create, done });
    if (!this.#writing) this.#drain();
    return done.promise;
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, ENTRIES_PER_WRITE);
        try {
          if (!await this.#records.write(writeOf(batch))) {
            for (const one of batch) await this.#records.write(writeOf([one]));
          }
          for (const { done } of batch) done.resolve();
        } catch (error) {
          for (const { done } of batch) done.reject(error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}

/** One records write of `batch`: the creations checked absent. */
function writeOf(batch: readonly PendingEntries[]) {
  return {
    checks: batch.filter((p) => p.create).map((p) => ({
      key: p.set[0].key,
      version: null,
    })),
    set: batch.flatMap((p) => p.set),
  };
}

/** A stored entry as a {@linkcode UserRoom} (records are JSON we wrote). */
function asUserRoom(value: unknown): UserRoom {
  const { read, level } = value as { read?: unknown; level?: unknown };
  const room: UserRoom = {
    read: typeof read === "number" && Number.isSafeInteger(read) ? read : 0,
  };
  if (level === "all" || level === "none") room.level = level;
  return room;
}
