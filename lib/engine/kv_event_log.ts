/**
 * The {@linkcode EventLog} of Deno KV (the embedded engine): the
 * KV {@linkcode MessageStore} with the database's epoch, and appends through
 * whatever writes for this node (the process's writer isolate, or the store
 * itself).
 *
 * @module
 */
import type { ChatMessage, RoomEvent, User } from "../protocol/types.ts";
import type { MessageStore } from "../store/message_store.ts";
import type {
  Append,
  AppendResult,
  EventInput,
  EventLog,
  HistoryPage,
  Resume,
  RoomHead,
  StoredRoom,
} from "./engine.ts";

/** Room events in Deno KV. */
export class KvEventLog implements EventLog {
  readonly #store: MessageStore;
  readonly #epoch: string;
  readonly #append: Append;

  /**
   * @param store the KV store every read goes to
   * @param epoch the database's epoch (`lib/store/epoch.ts`)
   * @param append how this node appends (through its writer, or the store)
   */
  constructor(store: MessageStore, epoch: string, append: Append) {
    this.#store = store;
    this.#epoch = epoch;
    this.#append = append;
  }

  append(
    room: string,
    user: User,
    id: string,
    input: EventInput,
  ): Promise<AppendResult> {
    return this.#append(room, user, id, input);
  }

  async head(room: string): Promise<RoomHead> {
    const { seq, lastTs } = await this.#store.meta(room);
    return { seq, lastTs, epoch: this.#epoch };
  }

  range(room: string, after: number, upTo: number): Promise<RoomEvent[]> {
    return this.#store.range(room, after, upTo);
  }

  resume(room: string, after: number, upTo: number): Promise<Resume> {
    return this.#store.resume(room, after, upTo);
  }

  before(
    room: string,
    before: number | undefined,
    limit: number,
  ): Promise<HistoryPage> {
    return this.#store.history(room, before, limit);
  }

  async latest(
    room: string,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; head: RoomHead }> {
    const { messages, head } = await this.#store.latest(room, limit);
    return { messages, head: { ...head, epoch: this.#epoch } };
  }

  rooms(): Promise<StoredRoom[]> {
    return this.#store.rooms();
  }
}
