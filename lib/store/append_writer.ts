/**
 * The write path of message storage: appends from every room of this isolate
 * are queued and committed together, many messages (of many rooms) per
 * atomic operation, because one SQLite commit costs far more than one more
 * key in it (about 3 000 single-message commits a second against 20 000
 * messages a second in commits of 50, on our machines).
 *
 * Correctness does not depend on batching. Each commit checks the head
 * record of every room it appends to (the versionstamp this isolate last
 * saw), and that every new idempotency key is absent. If another isolate or
 * instance moved a head, or an id was stored before, the commit fails as a
 * whole, the writer re-reads and retries: a `seq` is never taken twice, never
 * skipped, and a repeated id finds its first `seq`.
 *
 * @module
 */
import type { ChatMessage, User } from "../protocol/types.ts";
import { idempotencyKey, messageKey, roomKey, type RoomMeta } from "./keys.ts";
import { withBusyRetry } from "./busy_retry.ts";

/** The outcome of one append. */
export interface AppendResult {
  /** The stored message (the earlier one, for a repeated id). */
  seq: number;
  /** `true` when the id was already stored: nothing new was written. */
  duplicate: boolean;
  /** The new message; absent for duplicates. */
  message?: ChatMessage;
}

/** Called with each room's newly committed messages, in `seq` order. */
export type CommitListener = (
  room: string,
  messages: ChatMessage[],
  versionstamp: string,
) => void;

interface PendingAppend {
  room: string;
  user: User;
  id: string;
  text: string;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** A room's head as this isolate last saw it. */
interface KnownHead {
  seq: number;
  lastTs: number;
  /** `null`: the room has no head record yet. */
  versionstamp: string | null;
}

// Deno KV's limits per atomic operation: 100 checks, 1000 mutations,
// 800 KiB of keys and values. One check per room and per message.
const MAX_CHECKS = 100;
const MAX_MUTATIONS = 900;
const MAX_BATCH_BYTES = 512 * 1024;
/** Give up on a batch that kept conflicting for this long. */
const COMMIT_DEADLINE_MS = 15_000;
/** Heads remembered; beyond this the cache starts again (a miss costs a read). */
const MAX_KNOWN_HEADS = 50_000;
const IDEMPOTENCY_TTL_MS = 7 * 24 * 3600 * 1000;

/** Upper bound of a message's stored size: 2 bytes per UTF-16 unit, 512 for keys. */
function sizeOf(item: PendingAppend): number {
  const units = item.text.length + 2 * item.id.length + item.user.id.length +
    item.user.name.length + 2 * item.room.length;
  return 2 * units + 512;
}

const identity = (item: { room: string; user: User; id: string }) =>
  item.room + "\u0000" + item.user.id + "\u0000" + item.id;

/** Batched, conflict-safe appends over one KV database. */
export class AppendWriter {
  readonly #kv: Deno.Kv;
  readonly #retain: number;
  readonly #pending: PendingAppend[] = [];
  readonly #heads = new Map<string, KnownHead>();
  readonly #listeners: CommitListener[] = [];
  #busy = false;
  /** Commits that failed on a conflict and were retried (for metrics). */
  conflicts = 0;

  /**
   * @param kv the database
   * @param retain how many messages to keep per room
   */
  constructor(kv: Deno.Kv, retain: number) {
    this.#kv = kv;
    this.#retain = retain;
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
   * Learns a room's head from another writer (over the bus), so the next
   * commit here need not fail once to discover it.
   */
  learnHead(
    room: string,
    seq: number,
    lastTs: number,
    versionstamp: string,
  ): void {
    const known = this.#heads.get(room);
    if (known && known.seq >= seq) return;
    this.#remember(room, { seq, lastTs, versionstamp });
  }

  #remember(room: string, head: KnownHead): void {
    if (this.#heads.size >= MAX_KNOWN_HEADS && !this.#heads.has(room)) {
      this.#heads.clear();
    }
    this.#heads.set(room, head);
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
      const checks = rooms.size + (newRoom ? 1 : 0) + count + 1;
      const mutations = 3 * (count + 1) + rooms.size + (newRoom ? 1 : 0);
      bytes += sizeOf(item);
      if (
        count > 0 &&
        (checks > MAX_CHECKS || mutations > MAX_MUTATIONS ||
          bytes > MAX_BATCH_BYTES)
      ) {
        break;
      }
      rooms.add(item.room);
      count++;
    }
    return count;
  }

  async #commit(batch: PendingAppend[]): Promise<void> {
    const started = Date.now();
    /** Ids found stored by an earlier attempt: identity → seq. */
    let stored = new Map<string, number>();
    for (let attempt = 0;; attempt++) {
      try {
        const done = await this.#tryCommit(batch, stored);
        if (done) return;
      } catch (error) {
        for (const item of batch) {
          this.#heads.delete(item.room);
          item.reject(error);
        }
        return;
      }
      this.conflicts++;
      if (Date.now() - started > COMMIT_DEADLINE_MS) {
        const error = new Error(
          "Cannot store the message: storage stayed contended",
        );
        for (const item of batch) item.reject(error);
        return;
      }
      // Someone else moved a head or an id exists: learn the truth and retry.
      for (const item of batch) this.#heads.delete(item.room);
      stored = await this.#readStoredIds(batch);
      if (attempt >= 2) {
        await new Promise((resolve) =>
          setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt))
        );
      }
    }
  }

  /** One attempt; `false` when the commit lost a race and must be retried. */
  async #tryCommit(
    batch: PendingAppend[],
    stored: Map<string, number>,
  ): Promise<boolean> {
    const rooms = [...new Set(batch.map((item) => item.room))];
    await this.#readHeads(rooms.filter((room) => !this.#heads.has(room)));
    const atomic = this.#kv.atomic();
    const seqs = new Map<string, number>();
    for (const room of rooms) {
      const head = this.#heads.get(room)!;
      atomic.check({ key: roomKey(room), versionstamp: head.versionstamp });
      seqs.set(room, head.seq);
    }
    const ts = Date.now();
    const results: AppendResult[] = [];
    const byRoom = new Map<string, ChatMessage[]>();
    const inBatch = new Map<string, number>();
    for (const item of batch) {
      const key = identity(item);
      const earlier = inBatch.get(key) ?? stored.get(key);
      if (earlier !== undefined) {
        results.push({ seq: earlier, duplicate: true });
        continue;
      }
      const seq = seqs.get(item.room)! + 1;
      seqs.set(item.room, seq);
      inBatch.set(key, seq);
      const message: ChatMessage = {
        room: item.room,
        seq,
        id: item.id,
        user: item.user,
        text: item.text,
        ts,
      };
      const idem = idempotencyKey(item.room, item.user.id, item.id);
      atomic
        .check({ key: idem, versionstamp: null })
        .set(messageKey(item.room, seq), message)
        .set(idem, seq, { expireIn: IDEMPOTENCY_TTL_MS });
      if (seq > this.#retain) {
        atomic.delete(messageKey(item.room, seq - this.#retain));
      }
      results.push({ seq, duplicate: false, message });
      let list = byRoom.get(item.room);
      if (!list) byRoom.set(item.room, list = []);
      list.push(message);
    }
    if (byRoom.size === 0) {
      batch.forEach((item, i) => item.resolve(results[i]));
      return true;
    }
    for (const [room, messages] of byRoom) {
      const meta: RoomMeta = {
        seq: messages[messages.length - 1].seq,
        lastTs: ts,
      };
      atomic.set(roomKey(room), meta);
    }
    const outcome = await withBusyRetry(() => atomic.commit());
    if (!outcome.ok) return false;
    for (const [room, messages] of byRoom) {
      this.#remember(room, {
        seq: messages[messages.length - 1].seq,
        lastTs: ts,
        versionstamp: outcome.versionstamp,
      });
    }
    batch.forEach((item, i) => item.resolve(results[i]));
    for (const [room, messages] of byRoom) {
      for (const listener of this.#listeners) {
        listener(room, messages, outcome.versionstamp);
      }
    }
    return true;
  }

  async #readHeads(rooms: string[]): Promise<void> {
    const chunks: string[][] = [];
    for (let i = 0; i < rooms.length; i += 10) {
      chunks.push(rooms.slice(i, i + 10));
    }
    await Promise.all(chunks.map(async (chunk) => {
      const entries = await withBusyRetry(() =>
        this.#kv.getMany<RoomMeta[]>(chunk.map((room) => roomKey(room)))
      );
      entries.forEach((entry, i) => {
        this.#remember(chunk[i], {
          seq: entry.value?.seq ?? 0,
          lastTs: entry.value?.lastTs ?? 0,
          versionstamp: entry.versionstamp,
        });
      });
    }));
  }

  async #readStoredIds(batch: PendingAppend[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const chunks: PendingAppend[][] = [];
    for (let i = 0; i < batch.length; i += 10) {
      chunks.push(batch.slice(i, i + 10));
    }
    await Promise.all(chunks.map(async (chunk) => {
      const entries = await withBusyRetry(() =>
        this.#kv.getMany<number[]>(
          chunk.map((item) => idempotencyKey(item.room, item.user.id, item.id)),
        )
      );
      entries.forEach((entry, i) => {
        if (entry.value !== null) found.set(identity(chunk[i]), entry.value);
      });
    }));
    return found;
  }
}
