/**
 * The rooms of one isolate: opens a {@linkcode RoomChannel} for each room with
 * local subscribers, feeds it local commits and bus messages, and announces
 * this isolate's recent writes so that a dropped last message is noticed.
 *
 * Message path: a send is committed to KV (`MessageStore`), then handed to the
 * local channel and posted once on the bus; other isolates' channels ingest
 * it from the bus. Any channel that sees a gap refills it from KV.
 *
 * @module
 */
import type { ChatMessage } from "../protocol/types.ts";
import type { Bus } from "../bus/bus.ts";
import type { MessageStore } from "../store/message_store.ts";
import { type ChannelStats, RoomChannel } from "./room_channel.ts";
import type { OutgoingEvent } from "./outgoing.ts";
import type { RoomSubscriber } from "./subscriber.ts";

interface Opening {
  promise: Promise<RoomChannel>;
  /** Bus messages that arrived while the channel's head was being read. */
  early: ChatMessage[];
}

/** How many beacon ticks a room's head is repeated after its last write. */
const BEACON_REPEATS = 5;

/** The room registry and fan-out of one isolate. */
export class Hub {
  readonly #channels = new Map<string, RoomChannel>();
  readonly #opening = new Map<string, Opening>();
  readonly #store: MessageStore;
  readonly #bus: Bus;
  readonly #node: string;
  readonly #onError: (error: unknown) => void;
  /** Rooms this isolate wrote to recently: room → [head, ticks left]. */
  readonly #recentWrites = new Map<string, [number, number]>();
  /** Refill counters, shared by all channels. */
  readonly stats: ChannelStats = { refills: 0, refilled: 0, expired: 0 };

  constructor(
    store: MessageStore,
    bus: Bus,
    node: string,
    onError: (error: unknown) => void,
  ) {
    this.#store = store;
    this.#bus = bus;
    this.#node = node;
    this.#onError = onError;
    store.onCommit((room, messages, vs) =>
      this.#committedHere(room, messages, vs)
    );
    bus.on("msgs", ({ room, messages, vs }) => {
      store.learnCommit(room, messages, vs);
      this.#arrived(room, messages);
    });
    bus.on("heads", ({ heads }) => {
      for (const [room, seq] of heads) {
        this.#channels.get(room)?.observeHead(seq);
      }
    });
  }

  /** Rooms with local subscribers. */
  get rooms(): IterableIterator<RoomChannel> {
    return this.#channels.values();
  }

  /** The local channel of `room`, if it has subscribers here. */
  channel(room: string): RoomChannel | undefined {
    return this.#channels.get(room);
  }

  /**
   * Adds a subscriber. From the returned channel's `head` on, the subscriber
   * receives every message in order; what came before is the caller's to
   * read from storage.
   */
  async subscribe(
    room: string,
    subscriber: RoomSubscriber,
  ): Promise<RoomChannel> {
    const channel = this.#channels.get(room) ?? await this.#open(room);
    channel.subscribers.add(subscriber);
    return channel;
  }

  /** Removes a subscriber; the channel closes with its last one. */
  unsubscribe(room: string, subscriber: RoomSubscriber): void {
    const channel = this.#channels.get(room);
    if (!channel?.subscribers.delete(subscriber)) return;
    if (channel.subscribers.size === 0) {
      channel.close();
      this.#channels.delete(room);
    }
  }

  /** Delivers a presence or typing event to this isolate's subscribers of `room`. */
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

  /** Posts the heads this isolate wrote lately; called on a timer. */
  announceHeads(): void {
    if (this.#recentWrites.size === 0) return;
    const heads: Array<[string, number]> = [];
    for (const [room, entry] of this.#recentWrites) {
      heads.push([room, entry[0]]);
      if (--entry[1] <= 0) this.#recentWrites.delete(room);
    }
    this.#bus.post({ k: "heads", node: this.#node, heads });
  }

  /** Closes every channel. */
  close(): void {
    for (const channel of this.#channels.values()) channel.close();
    this.#channels.clear();
  }

  #open(room: string): Promise<RoomChannel> {
    const existing = this.#opening.get(room);
    if (existing) return existing.promise;
    const early: ChatMessage[] = [];
    const promise = (async () => {
      try {
        const { seq } = await this.#store.meta(room);
        const channel = new RoomChannel(
          room,
          seq,
          (r, after, upTo) => this.#store.range(r, after, upTo),
          this.stats,
          this.#onError,
        );
        this.#channels.set(room, channel);
        channel.ingest(early);
        return channel;
      } finally {
        this.#opening.delete(room);
      }
    })();
    this.#opening.set(room, { promise, early });
    return promise;
  }

  #committedHere(room: string, messages: ChatMessage[], vs: string): void {
    this.#bus.postToPeers({ k: "msgs", room, messages, vs });
    this.#recentWrites.set(room, [
      messages[messages.length - 1].seq,
      BEACON_REPEATS,
    ]);
    this.#arrived(room, messages);
  }

  #arrived(room: string, messages: ChatMessage[]): void {
    const channel = this.#channels.get(room);
    if (channel) channel.ingest(messages);
    else this.#opening.get(room)?.early.push(...messages);
  }
}
