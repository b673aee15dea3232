/**
 * The room operations every transport shares (WebSocket, SSE, long poll,
 * HTTP and form posts): the {@linkcode ChatPort} over the engine's log, the
 * node's hub and presence. Every way in passes through here, so this is
 * where room access is checked (`lib/access/room_access.ts`): a private
 * room's events, members, presence and typing reach only its members.
 *
 * @module
 */
import type { ChatMessage, RoomUpdate, User } from "../protocol/types.ts";
import { LIMITS } from "../protocol/limits.ts";
import type {
  AppendResult,
  EventInput,
  EventLog,
  HistoryPage,
  RoomHead,
} from "../engine/engine.ts";
import type { Bus } from "../bus/bus.ts";
import type { Presence } from "../presence/presence.ts";
import type { Hub } from "./hub.ts";
import { OutgoingEvent } from "./outgoing.ts";
import type { RoomSubscription } from "./room_subscription.ts";
import type { RoomChannel } from "./room_channel.ts";
import type { ChatPort, JoinResult, RoomSummary } from "./chat_port.ts";
import type { RoomAccess } from "../access/room_access.ts";

/** Counters of stored and repeated sends, whatever the transport. */
export interface PostCounters {
  stored: { inc(): void };
  duplicate: { inc(): void };
}

/** How many online users a room listing names. */
const LISTED_USERS = 20;

/** Typing signals relayed per user and room at most this often. */
const TYPING_INTERVAL_MS = 1_000;

/** Shared room operations. */
export class ChatService implements ChatPort {
  readonly #counters: PostCounters;
  readonly #log: EventLog;
  readonly #hub: Hub;
  readonly #presence: Presence;
  readonly #bus: Bus;
  readonly #retain: number;
  readonly #access: RoomAccess;
  readonly #lastTyping = new Map<string, number>();

  /**
   * @param log the engine's room events: appends and reads
   * @param access who may read, post to and moderate which room
   */
  constructor(
    log: EventLog,
    hub: Hub,
    presence: Presence,
    bus: Bus,
    retain: number,
    counters: PostCounters,
    access: RoomAccess,
  ) {
    this.#counters = counters;
    this.#log = log;
    this.#hub = hub;
    this.#presence = presence;
    this.#bus = bus;
    this.#retain = retain;
    this.#access = access;
    bus.on("typing", ({ room, user }) => this.#typingHere(room, user));
    bus.on("access", ({ room, banned }) => this.#accessChanged(room, banned));
  }

  /**
   * Tells every node that `room`'s settings, roles or bans changed, after
   * they were stored: views are read again, and a banned user's open
   * subscriptions end with `left` (`reason: "banned"`).
   */
  accessChanged(room: string, banned?: string): void {
    this.#bus.post(
      banned === undefined
        ? { k: "access", room }
        : { k: "access", room, banned },
    );
    this.#accessChanged(room, banned);
  }

  #accessChanged(room: string, banned: string | undefined): void {
    this.#access.forget(room);
    if (banned !== undefined) this.#hub.remove(room, banned, "banned");
  }

  /**
   * {@inheritDoc ChatPort.post}
   *
   * Every transport has already validated the room, id and input
   * (`lib/protocol/validate.ts`) to report errors with the right `ref`, so
   * they are not checked again on this hot path.
   */
  async post(
    room: string,
    user: User,
    id: string,
    input: EventInput,
  ): Promise<AppendResult> {
    if (input.type === "message") {
      // Clients stop their typing throttle when they send: so must the
      // relay, or the first "typing" after a send would be dropped (and the
      // next one come seconds later).
      this.#lastTyping.delete(typingKey(room, user));
    }
    const { role } = await this.#access.checkPost(room, user);
    // A moderator's deletion may remove anyone's message (the log checks
    // authorship otherwise).
    if (input.type === "delete" && role !== "member") {
      input = { ...input, moderator: true };
    }
    const result = await this.#log.append(room, user, id, input);
    (result.duplicate ? this.#counters.duplicate : this.#counters.stored).inc();
    return result;
  }

  /** {@inheritDoc ChatPort.join} */
  async join(
    subscription: RoomSubscription,
    since: number | undefined,
    send: (reply: JoinResult) => void,
    epoch?: string,
  ): Promise<void> {
    const room = subscription.room;
    const heard = this.#access.changes(room);
    await this.#access.checkRead(room, subscription.user);
    const channel = await this.#hub.subscribe(room, subscription);
    let reply: JoinResult;
    try {
      const known = epoch === undefined || epoch === channel.epoch;
      reply = await this.#backlog(channel, subscription, since, known);
      // The room changed while joining (a ban, say): check again.
      if (this.#access.changes(room) !== heard) {
        await this.#access.checkRead(room, subscription.user);
      }
    } catch (error) {
      // Storage failed, or the room now refuses: undo the subscription.
      this.#hub.unsubscribe(room, subscription);
      throw error;
    }
    if (subscription.user && subscription.countsPresence) {
      this.#presence.add(room, subscription.user);
      subscription.present = true;
    }
    reply.online = this.#presence.online(room);
    send(reply);
    subscription.start(reply.seq);
  }

  /**
   * The join reply's events: after `since` up to the head (messages folded,
   * updates apart), or the latest page of folded messages.
   */
  async #backlog(
    channel: RoomChannel,
    subscription: RoomSubscription,
    since: number | undefined,
    sameEpoch: boolean,
  ): Promise<JoinResult> {
    const room = subscription.room;
    let head = channel.head;
    let messages: ChatMessage[];
    let updates: RoomUpdate[] = [];
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
      ({ messages, updates } = await this.#log.resume(room, since, head));
    } else {
      messages =
        (await this.#log.before(room, head + 1, LIMITS.joinLatest)).messages;
    }
    return {
      room,
      seq: head,
      epoch: channel.epoch,
      messages,
      updates,
      online: [],
      recovered,
    };
  }

  /** {@inheritDoc ChatPort.leave} */
  leave(subscription: RoomSubscription): void {
    this.#hub.unsubscribe(subscription.room, subscription);
    if (subscription.present && subscription.user) {
      subscription.present = false;
      this.#presence.remove(subscription.room, subscription.user);
    }
  }

  /** {@inheritDoc ChatPort.latest} */
  async latest(
    room: string,
    limit: number,
    user: User | null,
  ): Promise<{ messages: ChatMessage[]; head: RoomHead }> {
    await this.#access.checkRead(room, user);
    return await this.#log.latest(room, limit);
  }

  /** {@inheritDoc ChatPort.history} */
  async history(
    room: string,
    before: number | undefined,
    limit: number,
    user: User | null,
  ): Promise<HistoryPage> {
    await this.#access.checkRead(room, user);
    return await this.#log.before(room, before, limit);
  }

  /** Relays "user is typing", at most once a second per user and room. */
  async typing(room: string, user: User): Promise<void> {
    const key = typingKey(room, user);
    const now = Date.now();
    if (now - (this.#lastTyping.get(key) ?? 0) < TYPING_INTERVAL_MS) return;
    if (this.#lastTyping.size > 50_000) this.#lastTyping.clear();
    this.#lastTyping.set(key, now);
    await this.#access.checkRead(room, user, { cached: true });
    this.#bus.postToPeers({ k: "typing", room, user });
    this.#typingHere(room, user);
  }

  /** {@inheritDoc ChatPort.listRooms} */
  async listRooms(user: User | null): Promise<RoomSummary[]> {
    const [stored, hidden] = await Promise.all([
      this.#log.rooms(),
      this.#access.hiddenRooms(user),
    ]);
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
      if (!hidden.has(room)) summaries.set(room, summary(room, seq, lastTs));
    }
    for (const room of this.#presence.rooms()) {
      if (!summaries.has(room) && !hidden.has(room)) {
        summaries.set(room, summary(room, 0, 0));
      }
    }
    return [...summaries.values()].sort((a, b) =>
      b.online - a.online || b.lastTs - a.lastTs
    );
  }

  /** {@inheritDoc ChatPort.online} */
  online(room: string): User[] {
    return this.#presence.online(room);
  }

  #typingHere(room: string, user: User): void {
    this.#hub.broadcastLocal(
      room,
      new OutgoingEvent({ type: "typing", room, user }),
    );
  }
}

/** What the typing throttle counts by: one user in one room. */
function typingKey(room: string, user: User): string {
  return room + "\u0000" + user.id;
}
