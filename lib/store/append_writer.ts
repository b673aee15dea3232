/**
 * The write path of message storage: appends from every room of this isolate
 * are queued and committed together, because one SQLite commit costs far more
 * than one more row in it. A commit rewrites, per room, the head record,
 * which keeps the room's latest few messages, and adds a segment row only
 * when they no longer fit (see `segments.ts`): one or two rows for any number
 * of messages, where one row per message (plus an idempotency row and a
 * retention delete) kept a busy room at ~3 000 messages a second.
 *
 * Correctness does not depend on batching. Each commit checks the head
 * record of every room it appends to against the versionstamp at which this
 * writer knows the room's tail (`room_tail.ts`). If another isolate or
 * instance moved a head, the commit fails as a whole and the writer reads
 * the tail again and retries: a `seq` is never taken twice, never skipped,
 * and a repeated id (from the same user within a day) finds its first `seq`.
 * Every {@linkcode ARCHIVE_EVERY} messages of a room, a commit also moves
 * their ids into per-user rows (`id_archive.ts`).
 *
 * @module
 */
import type { ChatMessage, User } from "../protocol/types.ts";
import type { AppendResult } from "../engine/engine.ts";
import { type RoomHead, roomKey, segmentKey } from "./keys.ts";
import {
  ARCHIVE_EVERY,
  archiveBudget,
  archiveIds,
  type IdEntry,
} from "./id_archive.ts";
import { withBusyRetry } from "./busy_retry.ts";
import { RoomTail, RoomTails } from "./room_tail.ts";
import { placeMessages, RECENT_BUDGET_BYTES, storedSize } from "./segments.ts";
import { trimSegments } from "./retention.ts";

export type { AppendResult };

/** Called with each room's newly committed messages, in `seq` order. */
export type CommitListener = (
  room: string,
  messages: ChatMessage[],
  versionstamp: string,
) => void;

/** Options of an {@linkcode AppendWriter}. */
export interface AppendWriterOptions {
  /** How many messages to keep per room. */
  retain: number;
  /** Called when deleting messages past retention failed (it is retried later). */
  onError?: (error: unknown) => void;
  /** The clock (ms) of message times and of the day ids are recognised for. */
  now?: () => number;
}

interface PendingAppend {
  room: string;
  user: User;
  id: string;
  text: string;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

// Deno KV's limits per atomic operation: 100 checks, 1000 mutations,
// 800 KiB of keys and values. A room costs one check, its head and at least
// one segment; archived ids have a budget of their own (`archiveBudget`).
const MAX_ROOMS = 90;
const MAX_BATCH_BYTES = 512 * 1024;
/** Give up on a batch that kept conflicting for this long. */
const COMMIT_DEADLINE_MS = 15_000;
/** Idempotency ids held across all rooms' tails (~100 bytes each). */
const MAX_TAIL_IDS = 200_000;
/** Expired segments are deleted each time a room's head passes a multiple of this. */
const TRIM_EVERY = 256;
/** Rooms whose tails, or users whose archived ids, are read at once. */
const TAIL_READS = 8;

/** Batched, conflict-safe appends over one KV database. */
export class AppendWriter {
  readonly #kv: Deno.Kv;
  readonly #retain: number;
  readonly #onError: (error: unknown) => void;
  readonly #now: () => number;
  readonly #pending: PendingAppend[] = [];
  readonly #tails = new RoomTails(MAX_TAIL_IDS);
  readonly #listeners: CommitListener[] = [];
  #busy = false;
  /** Commits that failed on a conflict and were retried (for metrics). */
  conflicts = 0;

  /**
   * @param kv the database
   * @param options retention and error reporting
   */
  constructor(kv: Deno.Kv, options: AppendWriterOptions) {
    this.#kv = kv;
    this.#retain = options.retain;
    this.#onError = options.onError ?? (() => {});
    this.#now = options.now ?? Date.now;
  }

  /** Registers a listener for committed messages. */
  onCommit(listener: CommitListener): void {
    this.#listeners.push(listener);
  }

  /** Queues an append; resolves once it is durable (or found stored). */
  append(
    room: string,
    user: User,
    id: string,
    text: string,
  ): Promise<AppendResult> {
    const { promise, resolve, reject } = Promise.withResolvers<AppendResult>();
    this.#pending.push({ room, user, id, text, resolve, reject });
    if (!this.#busy) this.#drain();
    return promise;
  }

  /**
   * Learns messages another writer committed (over the bus), so the next
   * commit here need not fail once to discover them.
   */
  learnCommit(room: string, messages: ChatMessage[], versionstamp: string) {
    this.#tails.extend(room, messages, versionstamp, null);
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, this.#batchLength());
        await this.#commit(batch);
      }
    } finally {
      this.#busy = false;
    }
  }

  /** How many pending appends, from the front, fit one atomic operation. */
  #batchLength(): number {
    const rooms = new Set<string>();
    let count = 0;
    let bytes = 0;
    for (const item of this.#pending) {
      const newRoom = !rooms.has(item.room);
      // A new room also rewrites its head, with up to RECENT_BUDGET_BYTES.
      bytes += storedSize(item) + (newRoom ? RECENT_BUDGET_BYTES + 128 : 0);
      if (
        count > 0 &&
        ((newRoom && rooms.size >= MAX_ROOMS) || bytes > MAX_BATCH_BYTES)
      ) {
        break;
      }
      rooms.add(item.room);
      count++;
    }
    return count;
  }

  async #commit(batch: PendingAppend[]): Promise<void> {
    const started = performance.now();
    for (let attempt = 0;; attempt++) {
      try {
        if (await this.#tryCommit(batch)) return;
      } catch (error) {
        for (const item of batch) {
          this.#tails.delete(item.room);
          item.reject(error);
        }
        return;
      }
      this.conflicts++;
      if (performance.now() - started > COMMIT_DEADLINE_MS) {
        const error = new Error(
          "Cannot store the message: storage stayed contended",
        );
        for (const item of batch) item.reject(error);
        return;
      }
      // Someone else appended: learn what, then retry.
      const rooms = new Set(batch.map((item) => item.room));
      await Promise.all(
        [...rooms].map((room) => this.#tails.catchUp(this.#kv, room)),
      );
      if (attempt >= 2) {
        await new Promise((resolve) =>
          setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt))
        );
      }
    }
  }

  /** One attempt; `false` when the commit lost a race and must be retried. */
  async #tryCommit(batch: PendingAppend[]): Promise<boolean> {
    const tails = await this.#tailsOf(batch);
    const atomic = this.#kv.atomic();
    const ts = this.#now();
    const results: AppendResult[] = [];
    const byRoom = new Map<string, ChatMessage[]>();
    /** Ids of this batch: room + user + id → seq. */
    const inBatch = new Map<string, number>();
    for (const item of batch) {
      const tail = tails.get(item.room)!;
      const key = item.room + "\u0000" + item.user.id + "\u0000" + item.id;
      const earlier = inBatch.get(key) ?? tail.find(item.user.id, item.id);
      if (earlier !== undefined) {
        results.push({ seq: earlier, duplicate: true });
        continue;
      }
      let messages = byRoom.get(item.room);
      if (!messages) byRoom.set(item.room, messages = []);
      const seq = tail.seq + messages.length + 1;
      inBatch.set(key, seq);
      const message: ChatMessage = {
        room: item.room,
        seq,
        id: item.id,
        user: item.user,
        text: item.text,
        ts,
      };
      messages.push(message);
      results.push({ seq, duplicate: false, message });
    }
    if (byRoom.size === 0) {
      batch.forEach((item, i) => item.resolve(results[i]));
      return true;
    }
    const heads = new Map<string, RoomHead>();
    const budget = archiveBudget();
    for (const [room, messages] of byRoom) {
      const tail = tails.get(room)!;
      atomic.check({ key: roomKey(room), versionstamp: tail.versionstamp });
      const placed = placeMessages(tail.recent!, messages);
      for (const segment of placed.segments) {
        atomic.set(segmentKey(room, segment[0].seq), segment);
      }
      const head: RoomHead = {
        seq: messages[messages.length - 1].seq,
        lastTs: ts,
        recent: placed.recent,
        archived: tail.archived,
      };
      const unarchived = head.seq - tail.archived;
      if (unarchived >= ARCHIVE_EVERY) {
        const entries: IdEntry[] = tail.unarchivedIds();
        for (const { user, id, seq } of messages) {
          entries.push({ userId: user.id, id, seq });
        }
        head.archived = archiveIds(atomic, room, entries, ts, budget) ??
          tail.archived;
      }
      heads.set(room, head);
      atomic.set(roomKey(room), head);
    }
    const outcome = await withBusyRetry(() => atomic.commit());
    if (!outcome.ok) return false;
    for (const [room, messages] of byRoom) {
      const before = tails.get(room)!.seq;
      const { recent, archived } = heads.get(room)!;
      this.#tails.extend(
        room,
        messages,
        outcome.versionstamp,
        recent,
        archived,
      );
      this.#trimIfDue(
        room,
        before,
        messages[messages.length - 1].seq,
        archived!,
      );
    }
    batch.forEach((item, i) => item.resolve(results[i]));
    for (const [room, messages] of byRoom) {
      for (const listener of this.#listeners) {
        listener(room, messages, outcome.versionstamp);
      }
    }
    return true;
  }

  /**
   * The tails of the batch's rooms, all with `recent` known and the archived
   * ids of the batch's users read. Reading awaits storage, and a commit
   * learned meanwhile makes a room's `recent` unknown again (or moves its
   * archive): read until all is known.
   */
  async #tailsOf(batch: PendingAppend[]): Promise<Map<string, RoomTail>> {
    for (;;) {
      const tails = await this.#readTails(batch);
      const known = [...tails.values()].every((tail) => tail.recent !== null);
      if (!known) continue;
      const unknown = new Map<string, [string, RoomTail, string]>();
      for (const { room, user } of batch) {
        const tail = tails.get(room)!;
        if (!tail.knows(user.id)) {
          unknown.set(room + "\u0000" + user.id, [room, tail, user.id]);
        }
      }
      if (unknown.size === 0) return tails;
      const users = [...unknown.values()];
      for (let i = 0; i < users.length; i += TAIL_READS) {
        await Promise.all(
          users.slice(i, i + TAIL_READS).map(([room, tail, userId]) =>
            this.#tails.loadUser(this.#kv, room, tail, userId, this.#now())
          ),
        );
      }
    }
  }

  /** The tails of the batch's rooms, reading those not held or not known. */
  async #readTails(batch: PendingAppend[]): Promise<Map<string, RoomTail>> {
    const tails = new Map<string, RoomTail>();
    const missing: string[] = [];
    for (const { room } of batch) {
      if (tails.has(room) || missing.includes(room)) continue;
      let tail = this.#tails.get(room);
      if (tail?.recent === null) {
        // Learned from another writer: read how it left the head.
        await this.#tails.catchUp(this.#kv, room);
        tail = this.#tails.get(room);
      }
      if (tail) tails.set(room, tail);
      else missing.push(room);
    }
    for (let i = 0; i < missing.length; i += TAIL_READS) {
      const chunk = missing.slice(i, i + TAIL_READS);
      const loaded = await Promise.all(
        chunk.map((room) => RoomTail.load(this.#kv, room)),
      );
      chunk.forEach((room, j) => {
        tails.set(room, loaded[j]);
        this.#tails.set(room, loaded[j]);
      });
    }
    return tails;
  }

  /**
   * Deletes, in the background, the segments that fell out of retention when
   * the head passed a multiple of {@linkcode TRIM_EVERY}; reads hide them
   * until then. Messages whose ids are not archived yet are kept: a
   * restarted writer reads their ids from them.
   */
  #trimIfDue(
    room: string,
    before: number,
    head: number,
    archived: number,
  ): void {
    if (head <= this.#retain) return;
    if (Math.floor(before / TRIM_EVERY) === Math.floor(head / TRIM_EVERY)) {
      return;
    }
    const keepFrom = Math.min(head - this.#retain, archived) + 1;
    trimSegments(this.#kv, room, keepFrom).catch(this.#onError);
  }
}
