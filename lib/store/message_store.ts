/**
 * Durable, ordered, idempotent message storage in Deno KV: appends (through
 * {@linkcode AppendWriter}, which batches and resolves races) and every read
 * the transports need (history pages, ranges, resume with `since`).
 *
 * @module
 */
import {
  type ChatMessage,
  isMessage,
  type RoomEvent,
  type RoomUpdate,
  type User,
} from "../protocol/types.ts";
import type { EventInput, Resume } from "../engine/engine.ts";
import { foldPage } from "./folds.ts";
import { type RoomHead, roomKey, type RoomMeta, ROOMS_PREFIX } from "./keys.ts";
import { readBefore, readRange } from "./segments.ts";
import {
  type AppendResult,
  AppendWriter,
  type CommitListener,
  type ContentionListener,
} from "./append_writer.ts";

export type { AppendResult, CommitListener, ContentionListener };

/** What {@linkcode MessageStore.since} returns. */
export interface SinceResult {
  /** The room's head `seq` when read. */
  head: number;
  /** Events after `since` up to `head`, or the latest page when not recovered. */
  messages: RoomEvent[];
  /** `false` when some messages after `since` are no longer retained. */
  recovered: boolean;
}

/** Message storage over one KV database. */
export class MessageStore {
  readonly #kv: Deno.Kv;
  readonly #retain: number;
  readonly #writer: AppendWriter;

  /**
   * @param kv the database (see `migrate.ts` for opening one of an older layout)
   * @param retain how many messages to keep per room
   * @param onError called when background clean-up of expired history failed
   */
  constructor(
    kv: Deno.Kv,
    retain: number,
    onError?: (error: unknown) => void,
  ) {
    this.#kv = kv;
    this.#retain = retain;
    this.#writer = new AppendWriter(kv, { retain, onError });
  }

  /** Registers a listener for committed events (fan-out hooks in here). */
  onCommit(listener: CommitListener): void {
    this.#writer.onCommit(listener);
  }

  /**
   * Stores an event, or finds the one stored earlier under the same
   * (room, user, id). Resolves once the event is durable; an update its
   * target refuses rejects (see {@linkcode AppendWriter.append}).
   */
  append(
    room: string,
    user: User,
    id: string,
    input: EventInput,
  ): Promise<AppendResult> {
    return this.#writer.append(room, user, id, input);
  }

  /** Learns what another isolate committed, to avoid a conflicting commit. */
  learnCommit(
    room: string,
    events: RoomEvent[],
    versionstamp: string,
  ): void {
    this.#writer.learnCommit(room, events, versionstamp);
  }

  /** Registers a listener for rooms whose commits keep losing races. */
  onContention(listener: ContentionListener): void {
    this.#writer.onContention(listener);
  }

  /** Holds this isolate's next commits to `rooms` for `ms` (`room_holds.ts`). */
  hold(rooms: readonly string[], ms: number): void {
    this.#writer.hold(rooms, ms);
  }

  /** Commits retried after losing a race to another writer. */
  get conflicts(): number {
    return this.#writer.conflicts;
  }

  /** The room's head record (seq 0 for a room with no messages). */
  async meta(room: string): Promise<RoomMeta> {
    const { seq, lastTs } = await this.#head(room);
    return { seq, lastTs };
  }

  /**
   * The stored head, read once per call below: its `recent` messages are
   * handed to the segment reads, which need the head read first anyway.
   */
  async #head(room: string): Promise<RoomHead> {
    const entry = await this.#kv.get<RoomHead>(roomKey(room));
    return entry.value ?? { seq: 0, lastTs: 0 };
  }

  /**
   * Events with `after < seq ≤ upTo`, in order; only retained ones
   * (expired events may await deletion), also when `upTo` is below the
   * head.
   */
  async range(
    room: string,
    after: number,
    upTo: number,
  ): Promise<RoomEvent[]> {
    const head = await this.#head(room);
    // Below the head, `upTo - retain` is not the floor: `head - retain` is.
    const floor = Math.max(after, head.seq - this.#retain);
    return readRange(this.#kv, room, floor, upTo, head.recent ?? []);
  }

  /**
   * The events with `after < seq ≤ upTo`: the messages folded, the updates
   * apart (a resume: `joined.messages` and `joined.updates`).
   */
  async resume(room: string, after: number, upTo: number): Promise<Resume> {
    const messages: ChatMessage[] = [];
    const updates: RoomUpdate[] = [];
    for (const event of await this.range(room, after, upTo)) {
      if (isMessage(event)) messages.push(event);
      else updates.push(event);
    }
    return { messages: await foldPage(this.#kv, room, messages), updates };
  }

  /** The latest `limit` messages, folded, oldest first, and the head. */
  async latest(
    room: string,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; head: RoomMeta }> {
    const head = await this.#head(room);
    const page = await this.#page(room, head, undefined, limit);
    return {
      messages: page.messages,
      head: { seq: head.seq, lastTs: head.lastTs },
    };
  }

  /** A page of messages before `before` (or the latest), folded, oldest first. */
  async history(
    room: string,
    before: number | undefined,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
    return this.#page(room, await this.#head(room), before, limit);
  }

  /**
   * A page of retained messages (expired ones may await deletion), folded:
   * the events of the page's range, then the folds of that range.
   */
  async #page(
    room: string,
    head: RoomHead,
    before: number | undefined,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
    const floor = Math.max(0, head.seq - this.#retain);
    const page = await readBefore(
      this.#kv,
      room,
      before,
      limit,
      floor,
      head.recent ?? [],
    );
    const messages = await foldPage(this.#kv, room, page.messages);
    return { messages, hasMore: page.hasMore };
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
    const stored = await this.#head(room);
    const head = stored.seq;
    const oldestRetained = Math.max(1, head - this.#retain + 1);
    if (since > head || since < oldestRetained - 1) {
      const { messages } = await this.#page(room, stored, undefined, fallback);
      return { head, messages, recovered: false };
    }
    return {
      head,
      // All retained (checked above) as of this head.
      messages: await readRange(
        this.#kv,
        room,
        since,
        head,
        stored.recent ?? [],
      ),
      recovered: true,
    };
  }

  /** Every room with at least one message. */
  async rooms(): Promise<Array<{ room: string } & RoomMeta>> {
    const rooms: Array<{ room: string } & RoomMeta> = [];
    for await (
      const entry of this.#kv.list<RoomHead>({ prefix: ROOMS_PREFIX })
    ) {
      const { seq, lastTs } = entry.value;
      rooms.push({ room: String(entry.key[1]), seq, lastTs });
    }
    return rooms;
  }
}
