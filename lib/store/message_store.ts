/**
 * Durable, ordered, idempotent message storage in Deno KV.
 *
 * Appends to one room are queued per isolate and committed in batches: while
 * one atomic commit is in flight, later sends wait and go together in the
 * next. Each commit checks the room's head versionstamp, so concurrent
 * writers on other isolates or instances never get the same `seq`: the loser
 * re-reads and retries. `seq` is therefore strictly +1 and never reused.
 *
 * @module
 */
import type { ChatMessage, User } from "../protocol/types.ts";
import {
  idempotencyKey,
  messageKey,
  messagesPrefix,
  roomKey,
  type RoomMeta,
  ROOMS_PREFIX,
} from "./keys.ts";
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

/** What {@linkcode MessageStore.since} returns. */
export interface SinceResult {
  /** The room's head `seq` when read. */
  head: number;
  /** Messages after `since` up to `head`, or the latest page when not recovered. */
  messages: ChatMessage[];
  /** `false` when some messages after `since` are no longer retained. */
  recovered: boolean;
}

/** Called with each committed batch, in `seq` order. */
export type CommitListener = (room: string, messages: ChatMessage[]) => void;

interface PendingAppend {
  user: User;
  id: string;
  text: string;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

interface RoomQueue {
  pending: PendingAppend[];
  busy: boolean;
  /** The head record as of this isolate's last commit: an optimistic guess. */
  meta: Deno.KvEntryMaybe<RoomMeta> | null;
}

// Deno KV allows 100 checks per atomic operation: one for the head, one per message.
const MAX_BATCH = 64;
// Deno KV refuses atomic operations over 800 KiB of keys and values; 64
// messages of 4000 astral characters (16 KB each) would exceed it.
const MAX_BATCH_BYTES = 512 * 1024;
const MAX_ATTEMPTS = 50;
const IDEMPOTENCY_TTL_MS = 7 * 24 * 3600 * 1000;

/** How many pending appends fit one atomic commit (at least one). */
function batchLength(pending: PendingAppend[]): number {
  let bytes = 0;
  let count = 0;
  for (const item of pending) {
    // Upper bound of the serialised message and idempotency record: V8 stores
    // strings in at most 2 bytes per UTF-16 unit; 512 for keys and framing.
    const units = item.text.length + 2 * item.id.length +
      item.user.id.length + item.user.name.length;
    bytes += 2 * units + 512;
    if (count > 0 && (count === MAX_BATCH || bytes > MAX_BATCH_BYTES)) break;
    count++;
  }
  return count;
}

/** Message storage over one KV database. */
export class MessageStore {
  readonly #kv: Deno.Kv;
  readonly #retain: number;
  readonly #queues = new Map<string, RoomQueue>();
  readonly #listeners: CommitListener[] = [];

  /**
   * @param kv the database
   * @param retain how many messages to keep per room
   */
  constructor(kv: Deno.Kv, retain: number) {
    this.#kv = kv;
    this.#retain = retain;
  }

  /** Registers a listener for committed batches (fan-out hooks in here). */
  onCommit(listener: CommitListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Stores a message, or finds the one stored earlier under the same
   * (room, user, id). Resolves once the message is durable.
   */
  append(
    room: string,
    user: User,
    id: string,
    text: string,
  ): Promise<AppendResult> {
    let queue = this.#queues.get(room);
    if (!queue) {
      queue = { pending: [], busy: false, meta: null };
      this.#queues.set(room, queue);
    }
    const { promise, resolve, reject } = Promise.withResolvers<AppendResult>();
    queue.pending.push({ user, id, text, resolve, reject });
    if (!queue.busy) this.#drain(room, queue);
    return promise;
  }

  async #drain(room: string, queue: RoomQueue): Promise<void> {
    queue.busy = true;
    while (queue.pending.length > 0) {
      const batch = queue.pending.splice(0, batchLength(queue.pending));
      try {
        const committed = await this.#commitBatch(room, queue, batch);
        if (committed.length > 0) {
          for (const listener of this.#listeners) listener(room, committed);
        }
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    queue.busy = false;
    // Forget idle rooms so memory follows active rooms, not all rooms ever seen.
    if (queue.pending.length === 0) this.#queues.delete(room);
  }

  async #commitBatch(
    room: string,
    queue: RoomQueue,
    batch: PendingAppend[],
  ): Promise<ChatMessage[]> {
    // First try blind: assume no repeated ids and that we wrote the head last.
    let known: Map<string, number> | null = null;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const meta = queue.meta ??
        await withBusyRetry(() => this.#kv.get<RoomMeta>(roomKey(room)));
      const head = meta.value?.seq ?? 0;
      const atomic = this.#kv.atomic().check(meta);
      const ts = Date.now();
      const results: AppendResult[] = [];
      const messages: ChatMessage[] = [];
      const inBatch = new Map<string, number>();
      let seq = head;
      for (const item of batch) {
        const idKey = item.user.id + "\u0000" + item.id;
        const earlier = inBatch.get(idKey) ?? known?.get(idKey);
        if (earlier !== undefined) {
          results.push({ seq: earlier, duplicate: true });
          continue;
        }
        seq++;
        inBatch.set(idKey, seq);
        const message: ChatMessage = {
          room,
          seq,
          id: item.id,
          user: item.user,
          text: item.text,
          ts,
        };
        const idem = idempotencyKey(room, item.user.id, item.id);
        atomic
          .check({ key: idem, versionstamp: null })
          .set(messageKey(room, seq), message)
          .set(idem, seq, { expireIn: IDEMPOTENCY_TTL_MS });
        if (seq > this.#retain) {
          atomic.delete(messageKey(room, seq - this.#retain));
        }
        results.push({ seq, duplicate: false, message });
        messages.push(message);
      }
      if (messages.length === 0) {
        batch.forEach((item, i) => item.resolve(results[i]));
        return messages;
      }
      const newMeta: RoomMeta = { seq, lastTs: ts };
      const outcome = await withBusyRetry(() =>
        atomic.set(roomKey(room), newMeta).commit()
      );
      if (outcome.ok) {
        queue.meta = {
          key: roomKey(room),
          value: newMeta,
          versionstamp: outcome.versionstamp,
        };
        batch.forEach((item, i) => item.resolve(results[i]));
        return messages;
      }
      // Conflict: another writer moved the head, or an id was stored before.
      queue.meta = null;
      known = await this.#storedIds(room, batch);
    }
    throw new Error(
      `Cannot append to room "${room}": too many concurrent writers`,
    );
  }

  async #storedIds(
    room: string,
    batch: PendingAppend[],
  ): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    // getMany takes at most 10 keys.
    for (let i = 0; i < batch.length; i += 10) {
      const chunk = batch.slice(i, i + 10);
      const entries = await this.#kv.getMany<number[]>(
        chunk.map((item) => idempotencyKey(room, item.user.id, item.id)),
      );
      entries.forEach((entry, j) => {
        if (entry.value !== null) {
          found.set(chunk[j].user.id + "\u0000" + chunk[j].id, entry.value);
        }
      });
    }
    return found;
  }

  /** The room's head record (seq 0 for a room with no messages). */
  async meta(room: string): Promise<RoomMeta> {
    const entry = await this.#kv.get<RoomMeta>(roomKey(room));
    return entry.value ?? { seq: 0, lastTs: 0 };
  }

  /** Messages with `after < seq ≤ upTo`, in order. */
  async range(
    room: string,
    after: number,
    upTo: number,
  ): Promise<ChatMessage[]> {
    if (upTo <= after) return [];
    const messages: ChatMessage[] = [];
    const iter = this.#kv.list<ChatMessage>({
      start: messageKey(room, after + 1),
      end: messageKey(room, upTo + 1),
    }, { batchSize: Math.min(500, upTo - after) });
    for await (const entry of iter) messages.push(entry.value);
    return messages;
  }

  /** The latest `limit` messages, oldest first, and the head. */
  async latest(
    room: string,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; head: number }> {
    const [meta, page] = await Promise.all([
      this.meta(room),
      this.history(room, undefined, limit),
    ]);
    return { messages: page.messages, head: meta.seq };
  }

  /** A page of messages before `before` (or the latest), oldest first. */
  async history(
    room: string,
    before: number | undefined,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
    const selector: Deno.KvListSelector = before === undefined
      ? { prefix: messagesPrefix(room) }
      : { prefix: messagesPrefix(room), end: messageKey(room, before) };
    const messages: ChatMessage[] = [];
    const iter = this.#kv.list<ChatMessage>(selector, {
      reverse: true,
      limit: limit + 1,
      batchSize: limit + 1,
    });
    for await (const entry of iter) messages.push(entry.value);
    const hasMore = messages.length > limit;
    if (hasMore) messages.length = limit;
    return { messages: messages.reverse(), hasMore };
  }

  /**
   * Exactly the messages after `since`, as long as they are all retained;
   * otherwise the latest `fallback` messages with `recovered: false`.
   */
  async since(
    room: string,
    since: number,
    fallback: number,
  ): Promise<SinceResult> {
    const { seq: head } = await this.meta(room);
    const oldestRetained = Math.max(1, head - this.#retain + 1);
    if (since > head || since < oldestRetained - 1) {
      const { messages } = await this.history(room, undefined, fallback);
      return { head, messages, recovered: false };
    }
    return {
      head,
      messages: await this.range(room, since, head),
      recovered: true,
    };
  }

  /** Every room with at least one message. */
  async rooms(): Promise<Array<{ room: string } & RoomMeta>> {
    const rooms: Array<{ room: string } & RoomMeta> = [];
    for await (
      const entry of this.#kv.list<RoomMeta>({ prefix: ROOMS_PREFIX })
    ) {
      rooms.push({ room: String(entry.key[1]), ...entry.value });
    }
    return rooms;
  }
}
