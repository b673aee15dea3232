/**
 * The shapes that travel on the wire, as `../shared/PROTOCOL.md` defines them.
 *
 * @module
 */

/** A user as the server knows them: `id` is the only identity that counts. */
export interface User {
  /** Server-assigned, stable id (`u_…`). */
  id: string;
  /** Display name; need not be unique. */
  name: string;
}

/** A stored chat message, exactly as every transport presents it. */
export interface ChatMessage {
  room: string;
  /** Per-room sequence number: starts at 1, strictly +1, never reused. */
  seq: number;
  /** The client's idempotency id. */
  id: string;
  user: User;
  text: string;
  /** Server clock, epoch milliseconds. Order is `seq`, never `ts`. */
  ts: number;
}

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
  | "internal"
  /** Storage or the engine is briefly unreachable: retry with the same id. */
  | "unavailable";

/** Frames a client may send over the WebSocket, once validated. */
export type ClientFrame =
  | { type: "hello"; name?: string; token?: string }
  | { type: "join"; room: string; since?: number; epoch?: string }
  | { type: "leave"; room: string }
  | { type: "send"; room: string; id: string; text: string }
  | { type: "typing"; room: string }
  | { type: "history"; room: string; before?: number; limit: number }
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
    online: User[];
    recovered: boolean;
  }
  | ({ type: "message" } & ChatMessage)
  | { type: "ack"; id: string; room: string; seq: number }
  | { type: "presence"; room: string; joins: User[]; leaves: User[] }
  | { type: "typing"; room: string; user: User }
  | {
    type: "history";
    room: string;
    messages: ChatMessage[];
    hasMore: boolean;
  }
  | { type: "left"; room: string }
  | { type: "pong" }
  | {
    type: "error";
    code: ErrorCode;
    message: string;
    ref?: string;
    retryAfterMs?: number;
  };
