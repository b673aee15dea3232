/**
 * Durable, ordered, idempotent message storage in Deno KV: appends (through
 * {@linkcode AppendWriter}, which batches and resolves races) and every read
 * the transports need (history pages, ranges, resume with `since`).
 *
 * @module
 */
import type { ChatMessage, User } from "../protocol/types.ts";
import {
  messageKey,
  messagesPrefix,
  roomKey,
  type RoomMeta,
  ROOMS_PREFIX,
} from "./keys.ts";
import {
  type AppendResult,
  AppendWriter,
  type CommitListener,
} from "./append_writer.ts";

export type { AppendResult, CommitListener };

/** What {@linkcode MessageStore.since} returns. */
export interface SinceResult {
  /** The room's head `seq` when read. */
  head: number;
  /** Messages after `since` up to `head`, or the latest page when not recovered. */
  messages: ChatMessage[];
  /** `false` when some messages after `since` are no longer retained. */
  recovered: boolean;
}

/** Message storage over one KV database. */
export class MessageStore {
  readonly #kv: Deno.Kv;
  readonly #retain: number;
  readonly #writer: AppendWriter;

  /**
   * @param kv the database
   * @param retain how many messages to keep per room
   */
  constructor(kv: Deno.Kv, retain: number) {
    this.#kv = kv;
    this.#retain = retain;
    this.#writer = new AppendWriter(kv, retain);
  }

  /** Registers a listener for committed messages (fan-out hooks in here). */
  onCommit(listener: CommitListener): void {
    this.#writer.onCommit(listener);
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
    return this.#writer.append(room, user, id, text);
  }

  /** Learns a head another isolate committed, to avoid a conflicting commit. */
  learnHead(
    room: string,
    seq: number,
    lastTs: number,
    versionstamp: string,
  ): void {
    this.#writer.learnHead(room, seq, lastTs, versionstamp);
  }

  /** Commits retried after losing a race to another writer. */
  get conflicts(): number {
    return this.#writer.conflicts;
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
