/**
 * The shapes that travel on the wire, as `../shared/PROTOCOL.md` defines them.
 *
 * @module
 */

/** A user as the server knows them: `id` is the only identity that counts. */
export interface User {
  /** Server-assigned, stable id (`u_…`). */
  id: string;
  /** Display name; need not be unique (a claimed one is). */
  name: string;
  /** Present when the name is claimed (an account): tells "dave" the guest from the account. */
  claimed?: true;
}

/** What every stored room event carries, whatever its kind. */
export interface EventBase {
  room: string;
  /**
   * Per-room sequence number: starts at 1, strictly +1, never reused, shared
   * by messages, edits, deletions and reactions.
   */
  seq: number;
  /** The client's idempotency id. */
  id: string;
  user: User;
  /** Server clock, epoch milliseconds. Order is `seq`, never `ts`. */
  ts: number;
}

/** Reactions of a folded message: emoji → ids of the users who reacted. */
export type Reactions = Record<string, string[]>;

/**
 * A chat message. As stored and as the `message` event carries it, it has
 * only the fields of its `send`; where messages are read back (`joined`,
 * `history`, `GET …/messages`, the pages) they are folded: the latest text,
 * `edited`, `deleted` and `reactions` (see `lib/engine/fold.ts`).
 *
 * Stored messages have no `type` (events stored before edits existed are
 * plain messages too); every other event kind has one.
 */
export interface ChatMessage extends EventBase {
  type?: undefined;
  text: string;
  /** The `seq` of the message this one replies to (same room). */
  replyTo?: number;
  /** Folded: `ts` of the last edit, when edited. */
  edited?: number;
  /** Folded: the message was deleted (its `text` is then empty). */
  deleted?: true;
  /** Folded: the reactions it has, when any. */
  reactions?: Reactions;
  /**
   * Ids of the room members its text mentions (`@name`), when any: fixed
   * when it is sent (an edit notifies no one, as in most chats).
   */
  mentions?: string[];
}

/** An edit of message `target`: its new text. */
export interface EditEvent extends EventBase {
  type: "edit";
  target: number;
  text: string;
}

/** The deletion of message `target`. */
export interface DeleteEvent extends EventBase {
  type: "delete";
  target: number;
}

/** A reaction to message `target` added (`on`) or removed. */
export interface ReactionEvent extends EventBase {
  type: "reaction";
  target: number;
  emoji: string;
  on: boolean;
}

/** A stored event that changes an earlier message. */
export type RoomUpdate = EditEvent | DeleteEvent | ReactionEvent;

/** Every stored room event; each takes the room's next `seq`. */
export type RoomEvent = ChatMessage | RoomUpdate;

/** Whether a stored event is a message (old stored messages have no `type`). */
export function isMessage(event: RoomEvent): event is ChatMessage {
  return event.type === undefined;
}

/** Whether a stored event is an edit, a deletion or a reaction. */
export function isUpdate(event: RoomEvent): event is RoomUpdate {
  return event.type !== undefined;
}

/** What notifies a member of a room: every message, mentions (and DMs), nothing. */
export type NotifyLevel = "all" | "mentions" | "none";

/** The error codes of the contract. */
export type ErrorCode =
  | "bad_request"
  | "unauthenticated"
  | "room_invalid"
  | "not_joined"
  | "text_invalid"
  | "too_large"
  | "rate_limited"
  | "not_found"
  | "forbidden"
  /** A claimed name belongs to someone else (409). */
  | "name_taken"
  /** The room's slow mode: wait `retryAfterMs` (429). */
  | "slow_mode"
  | "internal"
  /** Storage or the engine is briefly unreachable: retry with the same id. */
  | "unavailable";

/** Frames a client may send over the WebSocket, once validated. */
export type ClientFrame =
  | { type: "hello"; name?: string; token?: string }
  | { type: "join"; room: string; since?: number; epoch?: string }
  | { type: "leave"; room: string }
  | { type: "send"; room: string; id: string; text: string; replyTo?: number }
  | { type: "edit"; room: string; id: string; target: number; text: string }
  | { type: "delete"; room: string; id: string; target: number }
  | {
    type: "react";
    room: string;
    id: string;
    target: number;
    emoji: string;
    on: boolean;
  }
  | { type: "typing"; room: string }
  | { type: "history"; room: string; before?: number; limit: number }
  /** The user has read `room` up to `seq`. */
  | { type: "read"; room: string; seq: number }
  /** The page is hidden (counts as away for Web Push) or shown again. */
  | { type: "visibility"; hidden: boolean }
  /** The rooms whose unread counts the client shows (replaces the last list). */
  | { type: "watch"; rooms: string[] }
  | { type: "ping" };

/** The `type` of every client frame. */
export type ClientFrameType = ClientFrame["type"];

/** Limits the server announces in `welcome`. */
export interface AnnouncedLimits {
  maxFrameBytes: number;
  maxTextChars: number;
  maxNameChars: number;
  historyMax: number;
}

/** Events the server sends, over any transport. */
export type ServerEvent =
  | {
    type: "welcome";
    user: User;
    token: string;
    protocol: number;
    limits: AnnouncedLimits;
    /** Extension: which isolate serves this connection (diagnostics). */
    node: string;
  }
  | {
    type: "joined";
    room: string;
    seq: number;
    /** The room's epoch: changes only when its stored history was lost. */
    epoch: string;
    messages: ChatMessage[];
    /**
     * With `since`: the edits, deletions and reactions after it, in `seq`
     * order (with `messages`, every `seq` after `since`). This server always
     * sends it (empty without `since`); optional for older peers.
     */
    updates?: RoomUpdate[];
    online: User[];
    recovered: boolean;
    /** The user's read position in the room (0: never read). */
    read?: number;
  }
  | ({ type: "message" } & Omit<ChatMessage, "type">)
  | EditEvent
  | DeleteEvent
  | ReactionEvent
  | { type: "ack"; id: string; room: string; seq: number }
  | { type: "presence"; room: string; joins: User[]; leaves: User[] }
  | { type: "typing"; room: string; user: User }
  | {
    type: "history";
    room: string;
    messages: ChatMessage[];
    hasMore: boolean;
  }
  /** `reason` when the room ended the subscription: `"banned"`. */
  | { type: "left"; room: string; reason?: "banned" }
  | { type: "pong" }
  /** The user's read position in `room` moved (another tab, device or a send). */
  | { type: "read"; room: string; seq: number }
  /** A watched room's exact counts changed. */
  | ({ type: "unread"; room: string } & UnreadCounts)
  | {
    type: "error";
    code: ErrorCode;
    message: string;
    ref?: string;
    retryAfterMs?: number;
  };

/** A user's exact counts in one room. */
export interface UnreadCounts {
  /** The room's head. */
  seq: number;
  /** The user's read position. */
  read: number;
  /** Messages of other users after `read`, deleted ones excluded. */
  unread: number;
  /** Those of them that mention the user. */
  mentions: number;
  /**
   * The position is further behind than counts are taken over (the latest
   * 1 000 events): there are at least this many.
   */
  capped?: true;
}
