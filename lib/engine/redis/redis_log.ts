/**
 * The {@linkcode EventLog} of the Redis engine: appends by one Lua script
 * each (`scripts.ts`), history from the room's stream (`XRANGE`,
 * `XREVRANGE`), heads from the room's hash.
 *
 * @module
 */
import {
  type ChatMessage,
  type RoomEvent,
  type RoomUpdate,
  type User,
} from "../../protocol/types.ts";
import {
  type AppendResult,
  EngineUnavailableError,
  type EventInput,
  type EventLog,
  type HistoryPage,
  type Resume,
  type RoomHead,
  type StoredRoom,
} from "../engine.ts";
import {
  eventOf,
  type Fold,
  foldMessages,
  MAX_EMOJI_PER_MESSAGE,
  MAX_REACTIONS_PER_MESSAGE,
  refusal,
  targetOf,
} from "../fold.ts";
import type { RedisConnection } from "./connection.ts";
import { idempotencyKey, roomKeys, ROOMS_KEY } from "./keys.ts";
import { APPEND, freshEpoch, HEAD } from "./scripts.ts";
import { mergeBySeq } from "../merge.ts";

/** How long a (user, client id) pair is remembered: the contract's 24 h. */
const IDEMPOTENCY_TTL_S = 24 * 60 * 60;

/** Called with each event this node stored (for its own subscribers). */
export type StoredListener = (
  room: string,
  epoch: string,
  event: RoomEvent,
) => void;

/** Room events in Redis. */
export class RedisLog implements EventLog {
  readonly #redis: RedisConnection;
  readonly #retain: number;
  readonly #onStored: StoredListener;

  /**
   * @param redis the connections
   * @param retain events kept per room (the stream's length)
   * @param onStored called with every message this node stored
   */
  constructor(
    redis: RedisConnection,
    retain: number,
    onStored: StoredListener,
  ) {
    this.#redis = redis;
    this.#retain = retain;
    this.#onStored = onStored;
  }

  async append(
    room: string,
    user: User,
    id: string,
    input: EventInput,
  ): Promise<AppendResult> {
    const keys = roomKeys(room);
    const ts = Date.now();
    // The event's JSON split at its seq (room names need no escaping, so
    // the first `,"seq":0,` is the field).
    const json = JSON.stringify(eventOf(room, 0, id, user, ts, input));
    const at = json.indexOf(',"seq":0,') + ',"seq":'.length;
    const reply = await this.#run(() =>
      this.#redis.script(
        APPEND,
        [
          keys.head,
          keys.stream,
          idempotencyKey(room, user.id, id),
          keys.feed,
          keys.folds,
          keys.updates,
        ],
        [
          json.slice(0, at),
          json.slice(at + 1),
          String(ts),
          freshEpoch(),
          String(this.#retain),
          String(IDEMPOTENCY_TTL_S),
          this.#redis.cluster ? "1" : "0",
          input.type,
          String(targetOf(input) ?? 0),
          user.id,
          input.type === "edit"
            ? input.text
            : input.type === "reaction"
            ? input.emoji
            : "",
          input.type === "reaction" && input.on ? "1" : "0",
          String(MAX_EMOJI_PER_MESSAGE),
          String(MAX_REACTIONS_PER_MESSAGE),
          input.type === "delete" && input.moderator ? "1" : "0",
        ],
      )
    ) as [number, number, string, string?];
    const [stored, seq, epoch, refused] = reply;
    if (stored === -1) {
      throw refusal(refused as "not_found" | "forbidden", input, id);
    }
    if (stored !== 1) return { seq: Number(seq), duplicate: true };
    const event = eventOf(room, seq, id, user, ts, input);
    if (seq === 1) {
      // The lobby's list; best effort (a lost add shows up with the next room).
      this.#redis.command(ROOMS_KEY, ["SADD", ROOMS_KEY, room]).catch(
        () => {},
      );
    }
    this.#onStored(room, epoch, event);
    return { seq, duplicate: false, event };
  }

  async head(room: string): Promise<RoomHead> {
    const keys = roomKeys(room);
    const [seq, ts, epoch] = await this.#run(() =>
      this.#redis.script(HEAD, [keys.head], [freshEpoch()])
    ) as [string, string, string];
    return { seq: Number(seq), lastTs: Number(ts), epoch };
  }

  async range(
    room: string,
    after: number,
    upTo: number,
  ): Promise<RoomEvent[]> {
    if (upTo <= after) return [];
    const { stream, updates } = roomKeys(room);
    const [messages, changes] = await Promise.all([
      this.#read(stream, after, upTo),
      this.#read(updates, after, upTo),
    ]);
    return mergeBySeq(messages, changes);
  }

  async resume(room: string, after: number, upTo: number): Promise<Resume> {
    if (upTo <= after) return { messages: [], updates: [] };
    const keys = roomKeys(room);
    const [messages, updates] = await Promise.all([
      this.#read(keys.stream, after, upTo) as Promise<ChatMessage[]>,
      this.#read(keys.updates, after, upTo) as Promise<RoomUpdate[]>,
    ]);
    return { messages: await this.#fold(room, messages), updates };
  }

  async before(
    room: string,
    before: number | undefined,
    limit: number,
  ): Promise<HistoryPage> {
    if (before !== undefined && before <= 1) {
      return { messages: [], hasMore: false };
    }
    const { stream } = roomKeys(room);
    const end = before === undefined ? "+" : `${before - 1}-0`;
    const entries = await this.#run(() =>
      this.#redis.command(stream, [
        "XREVRANGE",
        stream,
        end,
        "-",
        "COUNT",
        String(limit + 1),
      ])
    );
    // The message stream holds messages only.
    const newestFirst = eventsOf(entries) as ChatMessage[];
    const hasMore = newestFirst.length > limit;
    const page = newestFirst.slice(0, limit).reverse();
    return { messages: await this.#fold(room, page), hasMore };
  }

  /** The entries of one stream with `after < seq ≤ upTo`. */
  async #read(key: string, after: number, upTo: number): Promise<RoomEvent[]> {
    const entries = await this.#run(() =>
      this.#redis.command(key, ["XRANGE", key, `${after + 1}-0`, `${upTo}-0`])
    );
    return eventsOf(entries);
  }

  async latest(
    room: string,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; head: RoomHead }> {
    const head = await this.head(room);
    const { messages } = await this.before(room, head.seq + 1, limit);
    return { messages, head };
  }

  /** Folds a page with one `HMGET` of its messages' folds. */
  async #fold(room: string, messages: ChatMessage[]): Promise<ChatMessage[]> {
    if (messages.length === 0) return messages;
    const { folds } = roomKeys(room);
    const raw = await this.#run(() =>
      this.#redis.command(folds, [
        "HMGET",
        folds,
        ...messages.map((m) => String(m.seq)),
      ])
    ) as Array<string | null>;
    const found = new Map<number, Fold>();
    raw.forEach((json, i) => {
      if (json !== null) found.set(messages[i].seq, JSON.parse(json));
    });
    return found.size === 0 ? messages : foldMessages(messages, found);
  }

  async rooms(): Promise<StoredRoom[]> {
    const rooms = await this.#run(() =>
      this.#redis.command(ROOMS_KEY, ["SMEMBERS", ROOMS_KEY])
    ) as string[];
    // A plain read per room (pipelined by the client): listing creates no
    // epochs, which the HEAD script would for a room Redis lost.
    const heads = await this.#run(() =>
      Promise.all(rooms.map((room) => {
        const { head } = roomKeys(room);
        return this.#redis.command(head, ["HMGET", head, "seq", "ts"]);
      }))
    ) as Array<[string | null, string | null]>;
    return rooms.map((room, i) => ({
      room,
      seq: Number(heads[i][0] ?? 0),
      lastTs: Number(heads[i][1] ?? 0),
    })).filter((room) => room.seq > 0);
  }

  /** Runs a request, reporting an unreachable Redis as `unavailable`. */
  async #run<T>(request: () => Promise<T>): Promise<T> {
    if (!this.#redis.ready) {
      throw new EngineUnavailableError("Storage is unreachable; retry");
    }
    try {
      return await request();
    } catch (error) {
      if (!this.#redis.ready || isConnectionError(error)) {
        throw new EngineUnavailableError("Storage is unreachable; retry", {
          cause: error,
        });
      }
      throw error;
    }
  }
}

/** Whether an error says the connection, not the command, failed. */
function isConnectionError(error: unknown): boolean {
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  return /Socket|Connection|ClientClosed|ClientOffline|ECONN|EPIPE|closed/i
    .test(name + " " + message);
}

/** Events of `XRANGE`/`XREVRANGE` entries (`[id, ["m", json]]`). */
function eventsOf(entries: unknown): RoomEvent[] {
  const events: RoomEvent[] = [];
  for (const entry of entries as Array<[string, string[]]>) {
    const fields = entry[1];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === "m") events.push(JSON.parse(fields[i + 1]));
    }
  }
  return events;
}
