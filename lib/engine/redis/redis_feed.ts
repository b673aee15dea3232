/**
 * The Redis engine's room feed. A room open on this node is a subscription
 * to its channel, on which the append script publishes every event in `seq`
 * order. Pub/sub is at most once (a reconnect loses what was published
 * meanwhile), so after every (re)subscribe, and every few seconds while the
 * room is open, the head is read and handed to the hub as a doorbell: the
 * hub's channel refills any gap from the stream.
 *
 * The head read is also where a lost history shows. Redis emptied: the room
 * has no epoch, and the read creates a new one. Redis restarted from an
 * older copy: the head is below what this node saw under the same epoch, so
 * this node renews the epoch (`RENEW_EPOCH`) before its `seq`s are taken
 * again. Either way the hub sees a new epoch and ends the room's
 * subscriptions: clients learn `recovered: false`, never a silent gap.
 *
 * @module
 */
import type { RoomEvent } from "../../protocol/types.ts";
import type { FeedSink, RoomFeed } from "../engine.ts";
import type { RedisConnection } from "./connection.ts";
import { roomKeys, roomOfFeed } from "./keys.ts";
import { freshEpoch, RENEW_EPOCH } from "./scripts.ts";
import type { RedisLog } from "./redis_log.ts";

/** What this node last saw of an open room. */
interface Seen {
  epoch: string | undefined;
  seq: number;
}

/** Options of a {@linkcode RedisFeed}. */
export interface RedisFeedOptions {
  redis: RedisConnection;
  log: RedisLog;
  sink: FeedSink;
  /** How often open rooms' heads are read. */
  headPollMs: number;
  onError: (error: unknown) => void;
}

/** Room subscriptions of one node. */
export class RedisFeed implements RoomFeed {
  readonly #redis: RedisConnection;
  readonly #log: RedisLog;
  readonly #sink: FeedSink;
  readonly #onError: (error: unknown) => void;
  /** Open rooms → what was seen of them. */
  readonly #open = new Map<string, Seen>();
  readonly #timer: ReturnType<typeof setInterval>;
  /** Head reads that found the head below what was seen (Redis lost data). */
  headsBackwards = 0;
  /** Pub/sub messages that were not valid feed events. */
  malformed = 0;

  constructor(options: RedisFeedOptions) {
    this.#redis = options.redis;
    this.#log = options.log;
    this.#sink = options.sink;
    this.#onError = options.onError;
    this.#timer = setInterval(() => this.pollHeads(), options.headPollMs);
    this.#redis.onReconnect(() => this.pollHeads());
  }

  async open(room: string): Promise<void> {
    if (this.#open.has(room)) return;
    this.#open.set(room, { epoch: undefined, seq: 0 });
    try {
      await this.#redis.subscribeRoom(
        roomKeys(room).feed,
        (message, channel) => this.#received(message, channel),
      );
    } catch (error) {
      this.#open.delete(room);
      throw error;
    }
  }

  close(room: string): void {
    if (!this.#open.delete(room)) return;
    this.#redis.unsubscribeRoom(roomKeys(room).feed).catch(this.#onError);
  }

  /** Records what this node stored itself (it is handed to the sink too). */
  stored(room: string, epoch: string, event: RoomEvent): void {
    this.#saw(room, epoch, event.seq);
    this.#sink.events(room, epoch, [event]);
  }

  /** Reads every open room's head and rings the doorbell. */
  pollHeads(): void {
    if (!this.#redis.ready) return;
    for (const room of this.#open.keys()) {
      this.#checkHead(room).catch(this.#onError);
    }
  }

  /** Stops polling. */
  stop(): void {
    clearInterval(this.#timer);
  }

  async #checkHead(room: string): Promise<void> {
    // Compare with what was seen before the read was sent, not when its
    // reply comes: events arrive on the subscriber connection, another
    // socket, so events published after Redis ran the read are often handled
    // before its reply, and a head compared with them looks behind although
    // nothing was lost. What was seen before was published by scripts Redis
    // ran before the read, so the head includes it.
    const before = this.#open.get(room);
    if (!before) return;
    const { epoch: sawEpoch, seq: sawSeq } = before;
    const head = await this.#log.head(room);
    if (!this.#open.has(room)) return;
    let epoch = head.epoch;
    if (sawEpoch === epoch && head.seq < sawSeq) {
      this.headsBackwards++;
      epoch = await this.#redis.script(
        RENEW_EPOCH,
        [roomKeys(room).head],
        [epoch, freshEpoch()],
      ) as string;
    }
    this.#saw(room, epoch, head.seq);
    this.#sink.head(room, epoch, head.seq);
  }

  #received(text: string, channel: string): void {
    const room = roomOfFeed(channel);
    if (room === undefined || !this.#open.has(room)) return;
    let event: { epoch: string; messages: RoomEvent[] };
    try {
      event = JSON.parse(text);
    } catch {
      this.malformed++;
      return;
    }
    if (typeof event?.epoch !== "string" || !Array.isArray(event.messages)) {
      this.malformed++;
      return;
    }
    const last = event.messages.at(-1);
    if (last) this.#saw(room, event.epoch, last.seq);
    this.#sink.events(room, event.epoch, event.messages);
  }

  #saw(room: string, epoch: string, seq: number): void {
    const seen = this.#open.get(room);
    if (!seen) return;
    if (seen.epoch !== epoch) {
      seen.epoch = epoch;
      seen.seq = seq;
    } else if (seq > seen.seq) {
      seen.seq = seq;
    }
  }
}
