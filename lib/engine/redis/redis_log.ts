/**
 * The {@linkcode EventLog} of the Redis engine: appends by one Lua script
 * each (`scripts.ts`), history from the room's stream (`XRANGE`,
 * `XREVRANGE`), heads from the room's hash.
 *
 * @module
 */
import type { ChatMessage, User } from "../../protocol/types.ts";
import {
  type AppendResult,
  EngineUnavailableError,
  type EventLog,
  type HistoryPage,
  type RoomHead,
  type StoredRoom,
} from "../engine.ts";
import type { RedisConnection } from "./connection.ts";
import { idempotencyKey, roomKeys, ROOMS_KEY } from "./keys.ts";
import { APPEND, freshEpoch, HEAD } from "./scripts.ts";

/** How long a (user, client id) pair is remembered: the contract's 24 h. */
const IDEMPOTENCY_TTL_S = 24 * 60 * 60;

/** Called with each message this node stored (for its own subscribers). */
export type StoredListener = (
  room: string,
  epoch: string,
  message: ChatMessage,
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
    text: string,
  ): Promise<AppendResult> {
    const keys = roomKeys(room);
    const ts = Date.now();
    // The message's JSON in the contract's field order, split at the seq.
    const before = `{"room":${JSON.stringify(room)},"seq":`;
    const after = `,"id":${JSON.stringify(id)},"user":${
      JSON.stringify(user)
    },"text":${JSON.stringify(text)},"ts":${ts}}`;
    const reply = await this.#run(() =>
      this.#redis.script(
        APPEND,
        [
          keys.head,
          keys.stream,
          idempotencyKey(room, user.id, id),
          keys.feed,
        ],
        [
          before,
          after,
          String(ts),
          freshEpoch(),
          String(this.#retain),
          String(IDEMPOTENCY_TTL_S),
          this.#redis.cluster ? "1" : "0",
        ],
      )
    ) as [number, number, string];
    const [stored, seq, epoch] = reply;
    if (stored !== 1) return { seq: Number(seq), duplicate: true };
    const message: ChatMessage = { room, seq, id, user, text, ts };
    if (seq === 1) {
      // The lobby's list; best effort (a lost add shows up with the next room).
      this.#redis.command(ROOMS_KEY, ["SADD", ROOMS_KEY, room]).catch(
        () => {},
      );
    }
    this.#onStored(room, epoch, message);
    return { seq, duplicate: false, message };
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
  ): Promise<ChatMessage[]> {
    if (upTo <= after) return [];
    const { stream } = roomKeys(room);
    const entries = await this.#run(() =>
      this.#redis.command(stream, [
        "XRANGE",
        stream,
        `${after + 1}-0`,
        `${upTo}-0`,
      ])
    );
    return messagesOf(entries);
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
    const newestFirst = messagesOf(entries);
    const hasMore = newestFirst.length > limit;
    return { messages: newestFirst.slice(0, limit).reverse(), hasMore };
  }

  async latest(
    room: string,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; head: RoomHead }> {
    const head = await this.head(room);
    const { messages } = await this.before(room, head.seq + 1, limit);
    return { messages, head };
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

/** Messages of `XRANGE`/`XREVRANGE` entries (`[id, ["m", json]]`). */
function messagesOf(entries: unknown): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const entry of entries as Array<[string, string[]]>) {
    const fields = entry[1];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === "m") messages.push(JSON.parse(fields[i + 1]));
    }
  }
  return messages;
}
