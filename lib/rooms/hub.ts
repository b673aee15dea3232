/**
 * The rooms of one node: opens a {@linkcode RoomChannel} for each room with
 * local subscribers and feeds it what the engine carries. The hub is the
 * engine's {@linkcode FeedSink}: whatever the engine (a `BroadcastChannel`,
 * `kv.watch`, Redis pub/sub), events arrive here, possibly out of order,
 * repeated or missing, and each room's channel delivers them in order,
 * refilling gaps from the engine's log.
 *
 * A room whose epoch changes (its stored history was lost) ends every local
 * subscription: their clients resume with `since` and learn
 * `recovered: false`, and never see an event of the new epoch first.
 *
 * @module
 */
import type { RoomEvent } from "../protocol/types.ts";
import type {
  EventLog,
  FeedSink,
  RoomFeed,
  RoomHead,
} from "../engine/engine.ts";
import { type ChannelStats, RoomChannel } from "./room_channel.ts";
import type { OutgoingEvent } from "./outgoing.ts";
import type { RemovalReason, RoomSubscriber } from "./subscriber.ts";

interface Opening {
  promise: Promise<RoomChannel>;
  /** Events that arrived while the channel's head was being read. */
  early: Array<{ epoch: string; events: readonly RoomEvent[] }>;
}

/** The room registry and ordered fan-out of one node. */
export class Hub implements FeedSink {
  readonly #channels = new Map<string, RoomChannel>();
  readonly #opening = new Map<string, Opening>();
  readonly #log: Pick<EventLog, "head" | "range">;
  #feed: RoomFeed | undefined;
  readonly #onError: (error: unknown) => void;
  readonly #lingerMs: number;
  /** Channels left without subscribers → the timer that drops them. */
  readonly #lingering = new Map<RoomChannel, ReturnType<typeof setTimeout>>();
  /** Refill counters, shared by all channels. */
  readonly stats: ChannelStats = { refills: 0, refilled: 0, expired: 0 };
  /** Rooms whose channel ended because their epoch changed. */
  epochChanges = 0;

  /**
   * @param log where channels read heads and refill gaps
   * @param onError called with errors no caller can handle
   * @param lingerMs how long a channel stays open after its last subscriber
   *   left: a long poll leaves and joins again with every answer, and
   *   reopening means a head read and, with Redis or KV alone, a new
   *   subscription or watch
   */
  constructor(
    log: Pick<EventLog, "head" | "range">,
    onError: (error: unknown) => void,
    lingerMs = 0,
  ) {
    this.#log = log;
    this.#onError = onError;
    this.#lingerMs = lingerMs;
  }

  /** Connects the engine's feed; called once at start-up. */
  connect(feed: RoomFeed): void {
    this.#feed = feed;
  }

  /** How many rooms have local subscribers. */
  get activeRooms(): number {
    return this.#channels.size - this.#lingering.size;
  }

  /** The local channel of `room`, if it has subscribers here. */
  channel(room: string): RoomChannel | undefined {
    return this.#channels.get(room);
  }

  /**
   * Adds a subscriber. From the returned channel's `head` on, the subscriber
   * receives every event in order; what came before is the caller's to read
   * from the log.
   */
  async subscribe(
    room: string,
    subscriber: RoomSubscriber,
  ): Promise<RoomChannel> {
    const channel = this.#channels.get(room) ?? await this.#open(room);
    const linger = this.#lingering.get(channel);
    if (linger !== undefined) {
      clearTimeout(linger);
      this.#lingering.delete(channel);
    }
    channel.subscribers.add(subscriber);
    return channel;
  }

  /** Removes a subscriber; the channel closes with its last one. */
  unsubscribe(room: string, subscriber: RoomSubscriber): void {
    const channel = this.#channels.get(room);
    if (!channel?.subscribers.delete(subscriber)) return;
    if (channel.subscribers.size > 0) return;
    if (this.#lingerMs === 0) {
      this.#drop(channel);
      return;
    }
    this.#lingering.set(
      channel,
      setTimeout(() => this.#drop(channel), this.#lingerMs),
    );
  }

  /**
   * Ends the subscriptions of `userId` to `room` on this node (banned):
   * each one's transport leaves the room and tells its client why.
   */
  remove(room: string, userId: string, reason: RemovalReason): void {
    const channel = this.#channels.get(room);
    if (!channel) return;
    for (const subscriber of [...channel.subscribers]) {
      if (subscriber.user?.id !== userId) continue;
      try {
        subscriber.removed(reason);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Delivers a presence or typing event to this node's subscribers of `room`. */
  broadcastLocal(room: string, event: OutgoingEvent): void {
    const channel = this.#channels.get(room);
    if (!channel) return;
    for (const subscriber of channel.subscribers) {
      try {
        subscriber.deliverEvent(event);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** {@inheritDoc FeedSink.events} */
  events(room: string, epoch: string, events: readonly RoomEvent[]): void {
    const channel = this.#channels.get(room);
    if (channel) {
      if (this.#sameEpoch(channel, epoch)) channel.ingest(events);
    } else {
      this.#opening.get(room)?.early.push({ epoch, events });
    }
  }

  /** {@inheritDoc FeedSink.head} */
  head(room: string, epoch: string, seq: number): void {
    const channel = this.#channels.get(room);
    if (channel && this.#sameEpoch(channel, epoch)) channel.observeHead(seq);
  }

  /** Closes every channel. */
  close(): void {
    for (const timer of this.#lingering.values()) clearTimeout(timer);
    this.#lingering.clear();
    for (const channel of this.#channels.values()) channel.close();
    this.#channels.clear();
  }

  /**
   * Whether `epoch` is the channel's. If not, the room's history was lost
   * and restarted: the channel ends with every subscription on it.
   */
  #sameEpoch(channel: RoomChannel, epoch: string): boolean {
    if (channel.epoch === epoch) return true;
    this.epochChanges++;
    this.#drop(channel);
    for (const subscriber of channel.subscribers) {
      try {
        subscriber.lost();
      } catch (error) {
        this.#onError(error);
      }
    }
    return false;
  }

  #drop(channel: RoomChannel): void {
    clearTimeout(this.#lingering.get(channel));
    this.#lingering.delete(channel);
    channel.close();
    this.#channels.delete(channel.room);
    this.#feed?.close(channel.room);
  }

  #open(room: string): Promise<RoomChannel> {
    const existing = this.#opening.get(room);
    if (existing) return existing.promise;
    const early: Opening["early"] = [];
    const promise = (async () => {
      try {
        // Subscribe before reading the head: nothing committed in between
        // is missed (and anything earlier is the caller's backlog).
        await this.#feed?.open(room);
        let head: RoomHead;
        try {
          head = await this.#log.head(room);
        } catch (error) {
          this.#feed?.close(room);
          throw error;
        }
        const channel = new RoomChannel(
          room,
          head.epoch,
          head.seq,
          (r, after, upTo) => this.#log.range(r, after, upTo),
          this.stats,
          this.#onError,
        );
        this.#channels.set(room, channel);
        for (const { epoch, events } of early) {
          // Earlier than the head read: another epoch is the old one's.
          if (epoch === head.epoch) channel.ingest(events);
        }
        return channel;
      } finally {
        this.#opening.delete(room);
      }
    })();
    this.#opening.set(room, { promise, early });
    return promise;
  }
}
