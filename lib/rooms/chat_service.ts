/**
 * The room operations every transport shares (WebSocket, SSE, long poll,
 * HTTP and form posts): the {@linkcode ChatPort} over the engine's log, the
 * node's hub and presence. Every way in passes through here, so this is
 * where room access is checked (`lib/access/room_access.ts`): a private
 * room's events, members, presence and typing reach only its members.
 *
 * @module
 */
import {
  type ChatMessage,
  isMessage,
  type NotifyLevel,
  type RoomUpdate,
  type User,
} from "../protocol/types.ts";
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
import type {
  ChatPort,
  JoinResult,
  RoomPosition,
  RoomSummary,
} from "./chat_port.ts";
import type { RoomAccess } from "../access/room_access.ts";
import { DEFAULT_LEVEL, type UserRooms } from "../reads/user_rooms.ts";
import { UnreadState } from "../reads/unread_state.ts";
import type { RoomMembers } from "../mentions/room_members.ts";
import type { Notifier } from "../notify/notifier.ts";
import type { UserChannels, UserFollower } from "./user_channels.ts";

/** Counters of stored and repeated sends, whatever the transport. */
export interface PostCounters {
  stored: { inc(): void };
  duplicate: { inc(): void };
}

/** What the chat keeps of people in rooms beyond events. */
export interface ChatReads {
  /** Read positions, levels and the rooms each user is in. */
  userRooms: UserRooms;
  /** Who `@mentions` can name. */
  members: RoomMembers;
  /** Which users have a room visible (joined, page not hidden), on any node. */
  attention: Presence;
  /** Pushes stored messages to those away. */
  notifier: Notifier;
  /** Events for a user's connections on every node. */
  users: UserChannels;
}

/**
 * Counts are taken over at most this many of a room's latest events: a
 * position further behind is `capped` (counts are then a lower bound).
 */
export const UNREAD_SCAN = 1_000;

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
  readonly #reads: ChatReads;
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
    reads: ChatReads,
  ) {
    this.#counters = counters;
    this.#log = log;
    this.#hub = hub;
    this.#presence = presence;
    this.#bus = bus;
    this.#retain = retain;
    this.#access = access;
    this.#reads = reads;
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
    const { role, settings } = await this.#access.checkPost(room, user);
    // A moderator's deletion may remove anyone's message (the log checks
    // authorship otherwise).
    if (input.type === "delete" && role !== "member") {
      input = { ...input, moderator: true };
    }
    if (input.type === "message" && input.text.includes("@")) {
      const mentions = await this.#reads.members.mentions(
        room,
        input.text,
        this.#presence.online(room),
      );
      if (mentions.length > 0) input = { ...input, mentions };
    }
    const result = await this.#log.append(room, user, id, input);
    (result.duplicate ? this.#counters.duplicate : this.#counters.stored).inc();
    if (result.event && isMessage(result.event)) {
      // After the ack, never before it: pushes are the away's business.
      void this.#reads.notifier.stored(result.event, settings?.dm);
    }
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
      const { user } = subscription;
      let mine;
      [reply, mine] = await Promise.all([
        this.#backlog(channel, subscription, since, known),
        user && subscription.countsPresence
          ? this.#reads.userRooms.enter(room, user)
          : undefined,
      ]);
      if (user && mine) {
        this.#reads.members.joined(room, user);
        reply.read = readAfter(mine.read, reply.messages, user.id);
      }
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
      this.#attend(subscription, true);
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
      this.#attend(subscription, false);
    }
  }

  /** {@inheritDoc ChatPort.setHidden} */
  setHidden(subscription: RoomSubscription, hidden: boolean): void {
    subscription.hidden = hidden;
    if (subscription.present) this.#attend(subscription, !hidden);
  }

  /** Counts `subscription` as looking at its room, or no longer. */
  #attend(subscription: RoomSubscription, looking: boolean): void {
    const { user, room } = subscription;
    if (!user) return;
    if (looking && !subscription.hidden && !subscription.attentive) {
      subscription.attentive = true;
      this.#reads.attention.add(room, user);
    } else if (!looking && subscription.attentive) {
      subscription.attentive = false;
      this.#reads.attention.remove(room, user);
    }
  }

  /** {@inheritDoc ChatPort.watch} */
  async watch(
    subscription: RoomSubscription,
    start: (state: UnreadState) => void,
  ): Promise<void> {
    const { room, user } = subscription;
    if (!user) throw new TypeError("Cannot watch a room without a user");
    await this.#access.checkRead(room, user, { cached: true });
    const channel = await this.#hub.subscribe(room, subscription);
    // Counted up to this head; the subscription holds what comes after it
    // until `start` (the channel's head moves on meanwhile).
    const head = channel.head;
    let state: UnreadState;
    try {
      const mine = await this.#reads.userRooms.get(room, user.id);
      state = await this.#unread(room, user.id, mine?.read ?? 0, head);
    } catch (error) {
      this.#hub.unsubscribe(room, subscription);
      throw error;
    }
    start(state);
    subscription.start(head);
  }

  /**
   * `userId`'s counts in `room` up to `head`, from the events after their
   * stored position (at most {@linkcode UNREAD_SCAN} of them).
   */
  async #unread(
    room: string,
    userId: string,
    read: number,
    head: number,
  ): Promise<UnreadState> {
    const after = Math.max(read, head - UNREAD_SCAN);
    const state = new UnreadState(userId, read, after > read);
    if (head > after) {
      for (const event of await this.#log.range(room, after, head)) {
        state.apply(event);
      }
    }
    return state;
  }

  /** {@inheritDoc ChatPort.position} */
  async position(room: string, user: User): Promise<RoomPosition> {
    await this.#access.checkRead(room, user);
    const [mine, head] = await Promise.all([
      this.#reads.userRooms.get(room, user.id),
      this.#log.head(room),
    ]);
    const state = await this.#unread(room, user.id, mine?.read ?? 0, head.seq);
    return { ...state.counts(head.seq), level: mine?.level ?? DEFAULT_LEVEL };
  }

  /** {@inheritDoc ChatPort.markRead} */
  async markRead(
    room: string,
    user: User,
    seq: number,
    from?: string,
  ): Promise<void> {
    await this.#access.checkRead(room, user, { cached: true });
    const head = this.#hub.channel(room)?.head ??
      (await this.#log.head(room)).seq;
    const read = Math.min(seq, head);
    if (read === 0) return;
    if (await this.#reads.userRooms.advance(room, user.id, read)) {
      this.#reads.users.publish(
        user.id,
        { type: "read", room, seq: read },
        from,
      );
    }
  }

  /** {@inheritDoc ChatPort.setLevel} */
  async setLevel(room: string, user: User, level: NotifyLevel): Promise<void> {
    await this.#access.checkRead(room, user);
    await this.#reads.userRooms.setLevel(room, user, level);
    this.#reads.notifier.levelChanged(room);
  }

  /** {@inheritDoc ChatPort.follow} */
  follow(userId: string, follower: UserFollower): void {
    this.#reads.users.follow(userId, follower);
  }

  /** {@inheritDoc ChatPort.unfollow} */
  unfollow(userId: string, follower: UserFollower): void {
    this.#reads.users.unfollow(userId, follower);
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
    // A user's private rooms both unhide rooms and count as theirs: one read.
    const memberOf = user ? this.#access.privateRoomsOf(user.id) : undefined;
    const [stored, hidden, mine] = await Promise.all([
      this.#log.rooms(),
      this.#access.hiddenRooms(user, memberOf),
      user && memberOf
        ? this.#roomsOf(user.id, memberOf)
        : new Map<string, UserRoomState>(),
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
    for (const room of [...this.#presence.rooms(), ...mine.keys()]) {
      if (!summaries.has(room) && !hidden.has(room)) {
        summaries.set(room, summary(room, 0, 0));
      }
    }
    if (user) {
      await Promise.all([...mine].map(async ([room, { read, level }]) => {
        const listed = summaries.get(room);
        if (!listed) return;
        const state = await this.#unread(room, user.id, read, listed.seq);
        const { read: position, unread, mentions, capped } = state.counts(
          listed.seq,
        );
        Object.assign(listed, { read: position, unread, mentions, level });
        if (capped) listed.capped = true;
      }));
    }
    return [...summaries.values()].sort((a, b) =>
      b.online - a.online || b.lastTs - a.lastTs
    );
  }

  /**
   * The rooms `userId` is in: joined at least once, or a member of (a
   * private room or direct message they never opened yet).
   */
  async #roomsOf(
    userId: string,
    privateRooms: Promise<readonly string[]>,
  ): Promise<Map<string, UserRoomState>> {
    const [joined, memberOf] = await Promise.all([
      this.#reads.userRooms.list(userId),
      privateRooms,
    ]);
    const rooms = new Map<string, UserRoomState>();
    for (const [room, { read, level }] of joined) {
      rooms.set(room, { read, level: level ?? DEFAULT_LEVEL });
    }
    for (const room of memberOf) {
      if (!rooms.has(room)) rooms.set(room, { read: 0, level: DEFAULT_LEVEL });
    }
    return rooms;
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

/** A user's position and level in a room, as listings count them. */
interface UserRoomState {
  read: number;
  level: NotifyLevel;
}

/**
 * The read position a join reports: the stored one, or the user's own
 * latest message among those the reply carries (writing is reading).
 */
function readAfter(
  stored: number,
  messages: readonly ChatMessage[],
  userId: string,
): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message.seq <= stored) break;
    if (message.user.id === userId) return message.seq;
  }
  return stored;
}

/** What the typing throttle counts by: one user in one room. */
function typingKey(room: string, user: User): string {
  return room + "\u0000" + user.id;
}
