/**
 * The KV-only engine's room feed: `kv.watch` of the head records of the
 * rooms open on this node. Every append rewrites its room's head, and the
 * head holds the room's latest messages (`recent`), so a watched head is a
 * doorbell that usually carries the events too: they go to the sink, and the
 * head's `seq` after them; whatever the head no longer holds, the hub's
 * channel reads from the log (a range read).
 *
 * A watch takes at most {@linkcode WATCH_KEYS} keys, so open rooms are kept
 * in groups of that size, one watch per group. Opening a room restarts its
 * group's watch with the room added (the new watch's first value is every
 * head as it is then, so nothing committed meanwhile is missed); closing one
 * leaves its key watched until the slot is needed, so rooms that open and
 * close often (long polls) do not restart watches on every request.
 *
 * `kv.watch` reports the latest value of each key, not every change: heads
 * skipped in between are no loss, the next head shows how far the room got.
 *
 * @module
 */
import type { RoomEvent } from "../protocol/types.ts";
import { type RoomHead, roomKey } from "../store/keys.ts";
import type { FeedSink, RoomFeed } from "./engine.ts";

/** The most keys one `kv.watch` takes. */
export const WATCH_KEYS = 10;
/** How long to wait before watching again after a watch failed. */
const REWATCH_MS = 1_000;

/** Options of a {@linkcode KvRoomFeed}. */
export interface KvRoomFeedOptions {
  kv: Deno.Kv;
  /** The database's epoch: every room's. */
  epoch: string;
  sink: FeedSink;
  onError: (error: unknown) => void;
}

/** What a {@linkcode WatchGroup} reports to. */
interface GroupOwner {
  kv: Deno.Kv;
  heard(room: string, entry: Deno.KvEntryMaybe<RoomHead>): void;
  onError(error: unknown): void;
}

/** One `kv.watch` over up to {@linkcode WATCH_KEYS} rooms' heads. */
class WatchGroup {
  /** The rooms watched, in key order (open or not). */
  rooms: string[] = [];
  readonly #owner: GroupOwner;
  #reader:
    | ReadableStreamDefaultReader<Deno.KvEntryMaybe<RoomHead>[]>
    | undefined;
  /** Resolves at the current watch's first value (or when it is replaced). */
  #started: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(owner: GroupOwner) {
    this.#owner = owner;
  }

  /** Watches `rooms` from now on; resolves once the watch has begun. */
  async watch(rooms: string[]): Promise<void> {
    this.rooms = rooms;
    this.#reader?.cancel().catch(() => {});
    const reader = this.#owner.kv.watch<RoomHead[]>(rooms.map(roomKey))
      .getReader();
    this.#reader = reader;
    let begun!: () => void;
    this.#started = new Promise<void>((resolve) => begun = resolve);
    this.#run(reader, rooms, begun);
    // A later watch() may replace this one before it begins: wait for that.
    let current: Promise<void>;
    do {
      current = this.#started;
      await current;
    } while (current !== this.#started);
  }

  /** Stops watching. */
  stop(): void {
    this.#stopped = true;
    this.#reader?.cancel().catch(() => {});
  }

  async #run(
    reader: ReadableStreamDefaultReader<Deno.KvEntryMaybe<RoomHead>[]>,
    rooms: string[],
    begun: () => void,
  ): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        begun();
        if (done || this.#reader !== reader) return;
        for (let i = 0; i < rooms.length; i++) {
          this.#owner.heard(rooms[i], value[i]);
        }
      }
    } catch (error) {
      begun();
      if (this.#stopped || this.#reader !== reader) return;
      this.#owner.onError(error);
      setTimeout(() => {
        if (!this.#stopped && this.#reader === reader) {
          this.watch(this.rooms).catch((e) => this.#owner.onError(e));
        }
      }, REWATCH_MS);
    }
  }
}

/** Room heads watched by one node. */
export class KvRoomFeed implements RoomFeed {
  readonly #kv: Deno.Kv;
  readonly #epoch: string;
  readonly #sink: FeedSink;
  readonly #onError: (error: unknown) => void;
  /** Open rooms → the versionstamp of the head last handed on. */
  readonly #open = new Map<string, string | null>();
  /** Watched rooms (open, or closed and not yet replaced) → their group. */
  readonly #groupOf = new Map<string, WatchGroup>();
  readonly #groups = new Set<WatchGroup>();

  constructor(options: KvRoomFeedOptions) {
    this.#kv = options.kv;
    this.#epoch = options.epoch;
    this.#sink = options.sink;
    this.#onError = options.onError;
  }

  /** Watches running (for metrics and tests). */
  get watches(): number {
    return this.#groups.size;
  }

  async open(room: string): Promise<void> {
    if (this.#open.has(room)) return;
    this.#open.set(room, null);
    // Still watched since it closed: its watch never stopped.
    if (this.#groupOf.has(room)) return;
    const group = this.#groupWithRoom() ?? this.#newGroup();
    // Closed rooms give up their slots here, when the watch restarts anyway.
    const rooms = group.rooms.filter((r) => {
      if (this.#open.has(r)) return true;
      this.#groupOf.delete(r);
      return false;
    });
    rooms.push(room);
    this.#groupOf.set(room, group);
    await group.watch(rooms);
  }

  close(room: string): void {
    if (!this.#open.delete(room)) return;
    const group = this.#groupOf.get(room);
    if (!group || group.rooms.some((r) => this.#open.has(r))) return;
    // No open room left in the group: its watch has nothing to do.
    group.stop();
    this.#groups.delete(group);
    for (const r of group.rooms) this.#groupOf.delete(r);
  }

  /** Stops every watch. */
  stop(): void {
    for (const group of this.#groups) group.stop();
    this.#groups.clear();
    this.#groupOf.clear();
    this.#open.clear();
  }

  /** A group with a slot free (counting closed rooms' slots as free). */
  #groupWithRoom(): WatchGroup | undefined {
    for (const group of this.#groups) {
      const open = group.rooms.filter((r) => this.#open.has(r)).length;
      if (open < WATCH_KEYS) return group;
    }
    return undefined;
  }

  #newGroup(): WatchGroup {
    const group = new WatchGroup({
      kv: this.#kv,
      heard: (room, entry) => this.#heard(room, entry),
      onError: this.#onError,
    });
    this.#groups.add(group);
    return group;
  }

  #heard(room: string, entry: Deno.KvEntryMaybe<RoomHead>): void {
    if (!this.#open.has(room) || entry.value === null) return;
    // A restarted watch repeats heads already handed on.
    if (this.#open.get(room) === entry.versionstamp) return;
    this.#open.set(room, entry.versionstamp);
    const recent: readonly RoomEvent[] = entry.value.recent ?? [];
    if (recent.length > 0) this.#sink.events(room, this.#epoch, recent);
    this.#sink.head(room, this.#epoch, entry.value.seq);
  }
}
