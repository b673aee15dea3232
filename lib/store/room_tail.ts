/**
 * What a writer knows of a room's tail: its head (`seq`, and the versionstamp
 * its next commit must check) and the client ids of its latest messages.
 *
 * This is how sends are idempotent without a KV key per message. A commit
 * checks the head versionstamp the tail was read or written at, so when it
 * succeeds nobody appended in between: the ids the tail holds are *all* the
 * ids of the room's latest {@linkcode IDEMPOTENCY_WINDOW} messages, and an id
 * not among them is new (or older than the window). When a commit loses that
 * check the writer reads what was appended since ({@linkcode RoomTail.catchUp}).
 *
 * The tail also mirrors the head's `recent` messages, which the next commit
 * rewrites. Learned from another writer's commit (over the bus), the tail
 * knows the new head but not how that writer placed its messages, so
 * `recent` is unknown (`null`) until read.
 *
 * @module
 */
import type { ChatMessage } from "../protocol/types.ts";
import { type RoomHead, roomKey } from "./keys.ts";
import { readBefore, readRange } from "./segments.ts";
import { withBusyRetry } from "./busy_retry.ts";

/**
 * How many of a room's latest messages a repeated id is recognised among.
 * A client resends what was not acked when it reconnects; a thousand
 * messages of the room are far more than pass in that time.
 */
export const IDEMPOTENCY_WINDOW = 1000;

const idKey = (userId: string, id: string) => userId + "\u0000" + id;

/** A room's head and the ids of its latest messages. */
export class RoomTail {
  /** The last stored `seq` (0: no messages yet). */
  seq: number;
  /** `ts` of the last message. */
  lastTs: number;
  /** The head record's versionstamp; `null` while the room has none. */
  versionstamp: string | null;
  /** The head's `recent` messages; `null` when not known (see above). */
  recent: ChatMessage[] | null;
  /** user id + client id → seq, oldest first (a Map keeps insertion order). */
  readonly #ids = new Map<string, number>();

  constructor(head: RoomHead, versionstamp: string | null) {
    this.seq = head.seq;
    this.lastTs = head.lastTs;
    this.versionstamp = versionstamp;
    this.recent = head.recent ?? [];
  }

  /** How many ids are held. */
  get size(): number {
    return this.#ids.size;
  }

  /** The `seq` a user's client id was stored as, if within the window. */
  find(userId: string, id: string): number | undefined {
    return this.#ids.get(idKey(userId, id));
  }

  /**
   * Adds messages that directly follow the head (as stored by one commit at
   * `versionstamp`, which left `recent` in the head, or `null`: not known),
   * forgetting ids that fall out of the window.
   */
  extend(
    messages: ChatMessage[],
    versionstamp: string,
    recent: ChatMessage[] | null = null,
  ): void {
    this.#remember(messages);
    this.recent = recent;
    const last = messages[messages.length - 1];
    if (last) {
      this.seq = last.seq;
      this.lastTs = last.ts;
    }
    this.versionstamp = versionstamp;
  }

  #remember(messages: ChatMessage[]): void {
    for (const message of messages) {
      this.#ids.set(idKey(message.user.id, message.id), message.seq);
    }
    let excess = this.#ids.size - IDEMPOTENCY_WINDOW;
    for (const key of this.#ids.keys()) {
      if (excess-- <= 0) break;
      this.#ids.delete(key);
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
    return true;
  }

  /** Reads a room's tail: its head record, then the window's segments. */
  static async load(kv: Deno.Kv, room: string): Promise<RoomTail> {
    const head = await withBusyRetry(() => kv.get<RoomHead>(roomKey(room)));
    const tail = new RoomTail(
      head.value ?? { seq: 0, lastTs: 0 },
      head.versionstamp,
    );
    if (tail.seq > 0) {
      // Later commits may have added segments since; stop at this head.
      const { messages } = await withBusyRetry(() =>
        readBefore(
          kv,
          room,
          tail.seq + 1,
          IDEMPOTENCY_WINDOW,
          0,
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
   * Applies one commit's messages of `room` to its held tail: extends it when
   * they directly follow its head, ignores them when it already has them, and
   * drops it when messages in between were missed (it is read again when
   * needed). `recent`: what the commit left in the head, `null` if unknown.
   */
  extend(
    room: string,
    messages: ChatMessage[],
    versionstamp: string,
    recent: ChatMessage[] | null = null,
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
    tail.extend(messages, versionstamp, recent);
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
