/**
 * What a writer knows of a room's tail: its head (`seq`, and the versionstamp
 * its next commit must check) and the client ids of its messages.
 *
 * This is how sends are idempotent without a KV key per message. The ids of
 * messages up to the head's `archived` are in per-user `ids` rows
 * (`id_archive.ts`), read for a user when they first send here; the ids of
 * the messages after it are read from those messages once. A commit checks
 * the head versionstamp the tail was read or written at, and every write of
 * an `ids` row rewrites the head, so when it succeeds nobody appended in
 * between: the ids held are *all* the ids of the user's messages within the
 * day (up to {@linkcode MAX_ARCHIVED_IDS_PER_USER}), and an id not among
 * them is new. When a commit loses that check the writer reads what was
 * appended since ({@linkcode RoomTail.catchUp}).
 *
 * The tail also mirrors the head's `recent` messages, which the next commit
 * rewrites. Learned from another writer's commit (over the bus), the tail
 * knows the new head but not how that writer placed its messages, so
 * `recent` is unknown (`null`) until read.
 *
 * @module
 */
import type { RoomEvent } from "../protocol/types.ts";
import { type RoomHead, roomKey } from "./keys.ts";
import { readRange } from "./segments.ts";
import { withBusyRetry } from "./busy_retry.ts";
import {
  type IdEntry,
  loadArchivedIds,
  MAX_ARCHIVED_IDS_PER_USER,
} from "./id_archive.ts";

/**
 * A head written before `ids` rows existed has no `archived`: the writers
 * of then recognised ids among the room's latest this many messages, so
 * those are taken as not archived yet (the first commit archives them).
 */
export const LEGACY_WINDOW = 1000;

/** Up to which `seq` a head's ids are archived. */
export function archivedOf(head: RoomHead | null): number {
  if (!head) return 0;
  return head.archived ?? Math.max(0, head.seq - LEGACY_WINDOW);
}

const idKey = (userId: string, id: string) => userId + "\u0000" + id;

/** A room's head and the ids of its messages. */
export class RoomTail {
  /** The last stored `seq` (0: no messages yet). */
  seq: number;
  /** `ts` of the last message. */
  lastTs: number;
  /** The head record's versionstamp; `null` while the room has none. */
  versionstamp: string | null;
  /** The head's `recent` messages; `null` when not known (see above). */
  recent: RoomEvent[] | null;
  /** The ids of messages up to this `seq` are in `ids` rows. */
  archived: number;
  /** Ids of the messages after `archived`: user id + client id → entry, oldest first. */
  readonly #unarchived = new Map<string, IdEntry>();
  /** Users whose `ids` rows were read: user id → client id → seq, oldest first. */
  readonly #archives = new Map<string, Map<string, number>>();
  #archivedIds = 0;

  constructor(head: RoomHead, versionstamp: string | null) {
    this.seq = head.seq;
    this.lastTs = head.lastTs;
    this.versionstamp = versionstamp;
    this.recent = head.recent ?? [];
    this.archived = archivedOf(head);
  }

  /** How many ids are held. */
  get size(): number {
    return this.#unarchived.size + this.#archivedIds;
  }

  /** Whether {@linkcode find} can answer for `userId` (else: {@linkcode loadUser}). */
  knows(userId: string): boolean {
    return this.archived === 0 || this.#archives.has(userId);
  }

  /** The `seq` a user's client id was stored as, if within the day. */
  find(userId: string, id: string): number | undefined {
    return this.#unarchived.get(idKey(userId, id))?.seq ??
      this.#archives.get(userId)?.get(id);
  }

  /** The ids not archived yet, oldest first. */
  unarchivedIds(): IdEntry[] {
    return [...this.#unarchived.values()];
  }

  /**
   * Reads a user's `ids` rows archived within the day before `now`, unless
   * the tail moved its archive meanwhile (then the caller asks again).
   */
  async loadUser(
    kv: Deno.Kv,
    room: string,
    userId: string,
    now: number,
  ): Promise<void> {
    const archived = this.archived;
    const ids = await loadArchivedIds(kv, room, userId, archived, now);
    if (this.archived !== archived || this.#archives.has(userId)) return;
    this.#archives.set(userId, ids);
    this.#archivedIds += ids.size;
  }

  /**
   * Adds messages that directly follow the head (as stored by one commit at
   * `versionstamp`, which left `recent` in the head, or `null`: not known,
   * and archived ids up to `archived`, if known).
   */
  extend(
    messages: RoomEvent[],
    versionstamp: string,
    recent: RoomEvent[] | null = null,
    archived?: number,
  ): void {
    this.#remember(messages);
    this.recent = recent;
    const last = messages[messages.length - 1];
    if (last) {
      this.seq = last.seq;
      this.lastTs = last.ts;
    }
    this.versionstamp = versionstamp;
    if (archived !== undefined) this.#archiveUpTo(archived);
  }

  #remember(messages: RoomEvent[]): void {
    for (const { user, id, seq } of messages) {
      this.#unarchived.set(idKey(user.id, id), { userId: user.id, id, seq });
    }
  }

  /**
   * Moves the ids up to `archived` from the unarchived ones into the users'
   * archives read (those of other users are in their rows when read).
   */
  #archiveUpTo(archived: number): void {
    if (archived <= this.archived) return;
    this.archived = archived;
    for (const [key, entry] of this.#unarchived) {
      if (entry.seq > archived) break;
      this.#unarchived.delete(key);
      const ids = this.#archives.get(entry.userId);
      if (!ids) continue;
      ids.set(entry.id, entry.seq);
      this.#archivedIds++;
      if (ids.size > MAX_ARCHIVED_IDS_PER_USER) {
        ids.delete(ids.keys().next().value!);
        this.#archivedIds--;
      }
    }
  }

  /**
   * Brings the tail up to the stored head by reading only the messages
   * appended since (cheaper than {@linkcode RoomTail.load} after losing a
   * race). `false` when those messages are no longer all stored: load anew.
   */
  async catchUp(kv: Deno.Kv, room: string): Promise<boolean> {
    const head = await withBusyRetry(() => kv.get<RoomHead>(roomKey(room)));
    const seq = head.value?.seq ?? 0;
    if (seq < this.seq) return false;
    if (seq > this.seq) {
      const messages = await withBusyRetry(() =>
        readRange(kv, room, this.seq, seq, head.value?.recent ?? [])
      );
      if (
        messages.length !== seq - this.seq || messages[0].seq !== this.seq + 1
      ) {
        return false;
      }
      this.#remember(messages);
      this.seq = seq;
    }
    this.lastTs = head.value?.lastTs ?? this.lastTs;
    this.versionstamp = head.versionstamp;
    this.recent = head.value?.recent ?? [];
    // Another writer archived: the tail held every id it moved.
    this.#archiveUpTo(archivedOf(head.value));
    return true;
  }

  /** Reads a room's tail: its head record, then the unarchived messages. */
  static async load(kv: Deno.Kv, room: string): Promise<RoomTail> {
    const head = await withBusyRetry(() => kv.get<RoomHead>(roomKey(room)));
    const tail = new RoomTail(
      head.value ?? { seq: 0, lastTs: 0 },
      head.versionstamp,
    );
    if (tail.seq > tail.archived) {
      // Later commits may have added segments since; stop at this head.
      const messages = await withBusyRetry(() =>
        readRange(
          kv,
          room,
          tail.archived,
          tail.seq,
          head.value?.recent ?? [],
        )
      );
      tail.#remember(messages);
    }
    return tail;
  }
}

/** Tails of the rooms a writer wrote lately, bounded in ids held. */
export class RoomTails {
  readonly #tails = new Map<string, RoomTail>();
  /** The size each held tail is counted at in `#ids`. */
  readonly #counted = new Map<RoomTail, number>();
  readonly #maxIds: number;
  #ids = 0;

  /** @param maxIds ids held across all rooms before the least recent room is dropped */
  constructor(maxIds: number) {
    this.#maxIds = maxIds;
  }

  /** The tail of `room`, marking it recently used. */
  get(room: string): RoomTail | undefined {
    const tail = this.#tails.get(room);
    if (tail) {
      this.#tails.delete(room);
      this.#tails.set(room, tail);
    }
    return tail;
  }

  /** Whether `room`'s tail is held. */
  has(room: string): boolean {
    return this.#tails.has(room);
  }

  /** Holds a tail, dropping the least recently used ones over the bound. */
  set(room: string, tail: RoomTail): void {
    this.delete(room);
    this.#tails.set(room, tail);
    this.#recount(tail);
    this.#evict();
  }

  /** Forgets `room`'s tail (it will be read again when needed). */
  delete(room: string): void {
    const tail = this.#tails.get(room);
    if (!tail) return;
    this.#ids -= this.#counted.get(tail) ?? 0;
    this.#counted.delete(tail);
    this.#tails.delete(room);
  }

  /**
   * Counts a held tail at its current size. Tails change size while a
   * catch-up awaits storage (a commit learned meanwhile extends the same
   * tail), so what was counted is remembered rather than assumed.
   */
  #recount(tail: RoomTail): void {
    this.#ids += tail.size - (this.#counted.get(tail) ?? 0);
    this.#counted.set(tail, tail.size);
  }

  /**
   * Brings a held tail up to the stored head (after a commit lost a race),
   * or forgets it when that cannot be done by reading only what is new.
   */
  async catchUp(kv: Deno.Kv, room: string): Promise<void> {
    const tail = this.#tails.get(room);
    if (!tail) return;
    const caughtUp = await tail.catchUp(kv, room).catch(() => false);
    // The tail may have been dropped meanwhile; then it is no longer counted.
    if (this.#tails.get(room) !== tail) return;
    if (!caughtUp) {
      this.delete(room);
      return;
    }
    this.#recount(tail);
    this.#evict();
  }

  /**
   * Reads the `ids` rows of a user of a held tail (see
   * {@linkcode RoomTail.loadUser}) and counts them.
   */
  async loadUser(
    kv: Deno.Kv,
    room: string,
    tail: RoomTail,
    userId: string,
    now: number,
  ): Promise<void> {
    await tail.loadUser(kv, room, userId, now);
    // The tail may have been dropped meanwhile; then it is no longer counted.
    if (this.#tails.get(room) !== tail) return;
    this.#recount(tail);
    this.#evict();
  }

  /**
   * Applies one commit's messages of `room` to its held tail: extends it when
   * they directly follow its head, ignores them when it already has them, and
   * drops it when messages in between were missed (it is read again when
   * needed). `recent` and `archived`: how the commit left the head, if known.
   */
  extend(
    room: string,
    messages: RoomEvent[],
    versionstamp: string,
    recent: RoomEvent[] | null = null,
    archived?: number,
  ): void {
    const tail = this.#tails.get(room);
    const first = messages[0];
    if (!tail || !first || messages[messages.length - 1].seq <= tail.seq) {
      return;
    }
    if (first.seq !== tail.seq + 1) {
      this.delete(room);
      return;
    }
    tail.extend(messages, versionstamp, recent, archived);
    this.#recount(tail);
    this.#evict();
  }

  #evict(): void {
    for (const room of this.#tails.keys()) {
      // Keep the most recent room whatever its size.
      if (this.#ids <= this.#maxIds || this.#tails.size === 1) return;
      this.delete(room);
    }
  }
}
