/**
 * The chat as every transport sees it (WebSocket, SSE, long poll, HTTP and
 * form posts): join and leave a room, post, read history, signal typing,
 * list rooms, see who is online. Transports get this port instead of the
 * whole app, so what they can do to the chat is written down in one place
 * and a transport's unit tests need nothing else. `ChatService` implements
 * it.
 *
 * @module
 */
import type {
  ChatMessage,
  NotifyLevel,
  RoomUpdate,
  UnreadCounts,
  User,
} from "../protocol/types.ts";
import type {
  AppendResult,
  EventInput,
  HistoryPage,
  RoomHead,
} from "../engine/engine.ts";
import type { RoomSubscription } from "./room_subscription.ts";
import type { UnreadState } from "../reads/unread_state.ts";
import type { UserFollower } from "./user_channels.ts";

/** The reply to a join, as the `joined` event carries it. */
export interface JoinResult {
  room: string;
  /** The last `seq` the reply covers; live delivery continues after it. */
  seq: number;
  /** The room's epoch: `seq`s of another epoch are of a lost history. */
  epoch: string;
  /** Folded messages: those after `since`, or the latest page. */
  messages: ChatMessage[];
  /** With `since`: the other events after it, in `seq` order. */
  updates: RoomUpdate[];
  online: User[];
  recovered: boolean;
  /** The user's read position (absent for a subscription without a user). */
  read?: number;
}

/** A user's place in a room: exact counts and notification level. */
export interface RoomPosition extends UnreadCounts {
  level: NotifyLevel;
}

/** A room in the lobby listing. */
export interface RoomSummary {
  room: string;
  online: number;
  /** (extension) Up to 20 of the users online, for the lobby. */
  users: User[];
  seq: number;
  lastTs: number;
  /** For a room the listing user is in: their read position. */
  read?: number;
  /** …the messages of others after it (deleted ones excluded). */
  unread?: number;
  /** …those of them that mention the user. */
  mentions?: number;
  /** …and what notifies them there. */
  level?: NotifyLevel;
  /** The counts cover the latest events only (see `UnreadCounts.capped`). */
  capped?: true;
}

/**
 * What transports may do to the chat. Every method that reads or changes a
 * room checks that its user may (a private room: `unauthenticated` without
 * a user, `forbidden` for non-members and banned users; slow mode on
 * posts), before anything of the room is read.
 */
export interface ChatPort {
  /**
   * Joins `subscription` to its room and calls `send` with the reply: the
   * messages after `since` (or the latest page) up to the room's head. A
   * `since` of another `epoch` than the room's is of a lost history: the
   * reply is the latest page with `recovered: false`. `send` must deliver
   * the reply before live messages, which start right after it.
   */
  join(
    subscription: RoomSubscription,
    since: number | undefined,
    send: (reply: JoinResult) => void,
    epoch?: string,
  ): Promise<void>;
  /** Ends a subscription. */
  leave(subscription: RoomSubscription): void;
  /**
   * The page of a joined subscription is hidden (or shown): hidden, it no
   * longer counts as looking at the room, so its user may be pushed.
   */
  setHidden(subscription: RoomSubscription, hidden: boolean): void;
  /**
   * Watches a room's counts for its user (the sidebar): `start` gets the
   * state as of the room's head, then the subscription (which should not
   * count presence) gets the room's events after it. End it with `leave`.
   */
  watch(
    subscription: RoomSubscription,
    start: (state: UnreadState) => void,
  ): Promise<void>;
  /** `user`'s counts and level in `room`. */
  position(room: string, user: User): Promise<RoomPosition>;
  /**
   * Moves `user`'s read position in `room` forward to `seq` (clamped to the
   * head); their other connections (all but `from`) hear of it.
   */
  markRead(room: string, user: User, seq: number, from?: string): Promise<void>;
  /** Sets what notifies `user` in `room`. */
  setLevel(room: string, user: User, level: NotifyLevel): Promise<void>;
  /**
   * `follower` receives `userId`'s events (their read position moved
   * elsewhere) from every node, until {@linkcode unfollow}.
   */
  follow(userId: string, follower: UserFollower): void;
  /** Stops what {@linkcode follow} started. */
  unfollow(userId: string, follower: UserFollower): void;
  /**
   * Stores an event (a message, an edit, a deletion, a reaction),
   * idempotent per room, user and id (a repeat answers the stored `seq`
   * with `duplicate: true`), and fans it out. Resolves when it is durable;
   * rejects with `not_found` or `forbidden` when the target refuses it.
   * The room, id and input must be validated already.
   */
  post(
    room: string,
    user: User,
    id: string,
    input: EventInput,
  ): Promise<AppendResult>;
  /** A page of folded messages before `before` (the newest without it), oldest first. */
  history(
    room: string,
    before: number | undefined,
    limit: number,
    user: User | null,
  ): Promise<HistoryPage>;
  /** The latest `limit` messages, folded, and the head they were read at. */
  latest(
    room: string,
    limit: number,
    user: User | null,
  ): Promise<{ messages: ChatMessage[]; head: RoomHead }>;
  /** Relays "user is typing" to the room's members. */
  typing(room: string, user: User): Promise<void>;
  /** Rooms with messages or people that `user` may see, busiest first. */
  listRooms(user: User | null): Promise<RoomSummary[]>;
  /**
   * The users online in `room`, on every node. Not checked: call it only
   * after one of the checked reads of the room.
   */
  online(room: string): User[];
}

/** What a room listener needs: an SSE stream or a long poll. */
export type RoomJoiner = Pick<ChatPort, "join" | "leave">;
