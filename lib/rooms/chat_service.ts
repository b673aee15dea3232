/**
 * The room operations every transport shares (WebSocket, SSE, long poll,
 * HTTP and form posts): post, join with resume, history, typing, listing.
 *
 * @module
 */
import type { ChatMessage, User } from "../protocol/types.ts";
import { LIMITS } from "../protocol/limits.ts";
import type { AppendResult, EventLog, RoomHead } from "../engine/engine.ts";
import type { Bus } from "../bus/bus.ts";
import type { Presence } from "../presence/presence.ts";
import type { Hub } from "./hub.ts";
import { OutgoingEvent } from "./outgoing.ts";
import type { RoomSubscription } from "./room_subscription.ts";
import type { RoomChannel } from "./room_channel.ts";

/** Counters of stored and repeated sends, whatever the transport. */
export interface PostCounters {
  stored: { inc(): void };
  duplicate: { inc(): void };
}

/** The reply to a join, as the `joined` event carries it. */
export interface JoinResult {
  room: string;
  /** The last `seq` the reply covers; live delivery continues after it. */
  seq: number;
  /** The room's epoch: `seq`s of another epoch are of a lost history. */
  epoch: string;
  messages: ChatMessage[];
  online: User[];
  recovered: boolean;
}

/** A room in the lobby listing. */
export interface RoomSummary {
  room: string;
  online: number;
  /** (extension) Up to 20 of the users online, for the lobby. */
  users: User[];
  seq: number;
  lastTs: number;
}

/** How many online users a room listing names. */
const LISTED_USERS = 20;

/** Typing signals relayed per user and room at most this often. */
const TYPING_INTERVAL_MS = 1_000;

/** Shared room operations. */
export class ChatService {
  readonly #counters: PostCounters;
  readonly #log: EventLog;
  readonly #hub: Hub;
  readonly #presence: Presence;
  readonly #bus: Bus;
  readonly #retain: number;
  readonly #lastTyping = new Map<string, number>();

  /**
   * @param log the engine's room events: appends and reads
   */
  constructor(
    log: EventLog,
    hub: Hub,
    presence: Presence,
    bus: Bus,
    retain: number,
    counters: PostCounters,
  ) {
    this.#counters = counters;
    this.#log = log;
    this.#hub = hub;
    this.#presence = presence;
    this.#bus = bus;
    this.#retain = retain;
    bus.on("typing", ({ room, user }) => this.#typingHere(room, user));
  }

  /**
   * Stores a message (idempotent per room, user and id) and fans it out.
   * Resolves when it is durable. Every transport has already validated the
   * room, id and text (`lib/protocol/validate.ts`) to report errors with the
   * right `ref`, so they are not checked again on this hot path.
   */
  async post(
    room: string,
    user: User,
    id: string,
    text: string,
  ): Promise<AppendResult> {
    const result = await this.#log.append(room, user, id, text);
    (result.duplicate ? this.#counters.duplicate : this.#counters.stored).inc();
    return result;
  }

  /**
   * Joins `subscription` to its room and builds the reply: the messages after
   * `since` (or the latest page) up to the room's head. A `since` of another
   * `epoch` than the room's is of a lost history: the reply is the latest
   * page with `recovered: false`. `send` must deliver the reply before live
   * messages, which this starts right after it.
   */
  async join(
    subscription: RoomSubscription,
    since: number | undefined,
    send: (reply: JoinResult) => void,
    epoch?: string,
  ): Promise<void> {
    const room = subscription.room;
    const channel = await this.#hub.subscribe(room, subscription);
    let reply: JoinResult;
    try {
      const known = epoch === undefined || epoch === channel.epoch;
      reply = await this.#backlog(channel, subscription, since, known);
    } catch (error) {
      // Storage failed: undo the subscription so it holds nothing forever.
      this.#hub.unsubscribe(room, subscription);
      throw error;
    }
    if (subscription.user) {
      this.#presence.add(room, subscription.user);
      subscription.present = true;
    }
    reply.online = this.#presence.online(room);
    send(reply);
    subscription.start(reply.seq);
  }

  /** The join reply's messages: after `since` up to the head, or the latest page. */
  async #backlog(
    channel: RoomChannel,
    subscription: RoomSubscription,
    since: number | undefined,
    sameEpoch: boolean,
  ): Promise<JoinResult> {
    const room = subscription.room;
    let head = channel.head;
    let messages: ChatMessage[];
    let recovered = sameEpoch;
    if (since !== undefined && since > head && recovered) {
      // This node may lag the log (the feed in flight): ask the log.
      const stored = await this.#log.head(room);
      if (stored.epoch === channel.epoch) channel.observeHead(stored.seq);
      if (since <= stored.seq && stored.epoch === channel.epoch) {
        head = since;
      } else {
        recovered = false;
      }
    }
    const oldest = Math.max(1, head - this.#retain + 1);
    if (since !== undefined && since < oldest - 1) recovered = false;
    if (since !== undefined && recovered) {
      messages = await this.#log.range(room, since, head);
    } else {
      messages =
        (await this.#log.before(room, head + 1, LIMITS.joinLatest)).messages;
    }
    return {
      room,
      seq: head,
      epoch: channel.epoch,
      messages,
      online: [],
      recovered,
    };
  }

  /** Ends a subscription. */
  leave(subscription: RoomSubscription): void {
    this.#hub.unsubscribe(subscription.room, subscription);
    if (subscription.present && subscription.user) {
      subscription.present = false;
      this.#presence.remove(subscription.room, subscription.user);
    }
  }

  /** The latest `limit` messages and the head they were read at. */
  latest(
    room: string,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; head: RoomHead }> {
    return this.#log.latest(room, limit);
  }

  /** A page of history before `before`, oldest first. */
  history(
    room: string,
    before: number | undefined,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
    return this.#log.before(room, before, limit);
  }

  /** Messages after `since` up to `upTo`. */
  range(room: string, since: number, upTo: number): Promise<ChatMessage[]> {
    return this.#log.range(room, since, upTo);
  }

  /** The room's stored head. */
  head(room: string): Promise<RoomHead> {
    return this.#log.head(room);
  }

  /** Relays "user is typing", at most once a second per user and room. */
  typing(room: string, user: User): void {
    const key = room + "\u0000" + user.id;
    const now = Date.now();
    if (now - (this.#lastTyping.get(key) ?? 0) < TYPING_INTERVAL_MS) return;
    if (this.#lastTyping.size > 50_000) this.#lastTyping.clear();
    this.#lastTyping.set(key, now);
    this.#bus.postToPeers({ k: "typing", room, user });
    this.#typingHere(room, user);
  }

  /** Rooms with messages or people, busiest first. */
  async listRooms(): Promise<RoomSummary[]> {
    const stored = await this.#log.rooms();
    const summary = (
      room: string,
      seq: number,
      lastTs: number,
    ): RoomSummary => {
      const online = this.#presence.online(room);
      return {
        room,
        online: online.length,
        users: online.slice(0, LISTED_USERS),
        seq,
        lastTs,
      };
    };
    const summaries = new Map<string, RoomSummary>();
    for (const { room, seq, lastTs } of stored) {
      summaries.set(room, summary(room, seq, lastTs));
    }
    for (const room of this.#presence.rooms()) {
      if (!summaries.has(room)) summaries.set(room, summary(room, 0, 0));
    }
    return [...summaries.values()].sort((a, b) =>
      b.online - a.online || b.lastTs - a.lastTs
    );
  }

  #typingHere(room: string, user: User): void {
    this.#hub.broadcastLocal(
      room,
      new OutgoingEvent({ type: "typing", room, user }),
    );
  }
}
