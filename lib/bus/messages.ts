/**
 * What isolates tell each other over the bus. The bus may drop or reorder any
 * of these; receivers must never depend on one arriving.
 *
 * @module
 */
import type { ErrorCode, RoomEvent, User } from "../protocol/types.ts";
import type { EventInput } from "../engine/engine.ts";

/** One room's newly committed events, in `seq` order, and the commit's versionstamp. */
export type CommittedRoom = [room: string, messages: RoomEvent[], vs: string];

/** Every kind of bus message. */
export type BusMessage =
  /**
   * Newly committed events of one commit (or a task's commits), per room in
   * `seq` order, with each commit's versionstamp: other writers learn the
   * rooms' new heads without a read. One post for all the rooms: a post per
   * room cost each isolate a task and a copy per message.
   */
  | { k: "msgs"; rooms: CommittedRoom[] }
  /** A writer's latest `seq` per room it wrote recently: reveals dropped tails. */
  | { k: "heads"; node: string; heads: Array<[room: string, seq: number]> }
  /** A user's presence on `node` in `room` changed; `ver` is the node's presence version. */
  | {
    k: "pres";
    node: string;
    ver: number;
    room: string;
    user: User;
    on: boolean;
  }
  /** The node is alive; `ver` lets receivers notice a presence change they missed. */
  | { k: "hb"; node: string; ver: number }
  /** Ask `target` (or every node, `"*"`) for its full presence. */
  | { k: "sync"; node: string; target: string }
  /** A node's full presence, replacing what receivers knew of it. */
  | {
    k: "full";
    node: string;
    ver: number;
    rooms: Array<[room: string, users: User[]]>;
  }
  /** The node is shutting down: forget its presence now. */
  | { k: "bye"; node: string }
  /**
   * `node`'s commits to `rooms` keep losing races: hold yours to them for
   * `ms` (the KV-only engine; `lib/store/room_holds.ts`).
   */
  | { k: "hold"; node: string; rooms: string[]; ms: number }
  /**
   * `room`'s settings, roles or bans changed (already stored): forget views
   * of it; `banned`'s subscriptions to it end.
   */
  | { k: "access"; room: string; banned?: string }
  /** A session token (by its hash) was revoked: close what uses it. */
  | { k: "revoked"; hash: string }
  /** Someone is typing in `room` (ephemeral). */
  | { k: "typing"; room: string; user: User }
  /**
   * Appends forwarded by `node` to the isolate `to` that writes for the
   * process (`lib/rooms/append_router.ts`); `req` numbers them per sender.
   */
  | { k: "append"; node: string; to: string; appends: ForwardedAppend[] }
  /** The writer's answers to forwarded appends, in any order. */
  | { k: "appended"; to: string; results: ForwardedResult[] }
  /**
   * A message of a second registry that speaks the same kinds (the
   * attention registry is a `Presence` too: `lib/bus/scoped_bus.ts`).
   */
  | { k: "scoped"; scope: string; m: BusMessage }
  /**
   * Something for `user`'s connections on every node (their read position
   * moved): delivered to each of them but `from` (the connection it came from).
   */
  | { k: "user"; user: string; event: UserEvent; from?: string };

/** What reaches a user's connections wherever they are. */
export type UserEvent = { type: "read"; room: string; seq: number };

/** One forwarded append. */
export interface ForwardedAppend {
  req: number;
  room: string;
  user: User;
  id: string;
  input: EventInput;
}

/**
 * The outcome of one forwarded append: stored (or found) as `seq`, or
 * failed (`code`: refused by the protocol's rules, e.g. `forbidden`).
 */
export type ForwardedResult =
  | { req: number; seq: number; duplicate: boolean; event?: RoomEvent }
  | { req: number; error: string; code?: ErrorCode };

/** The `k` of each bus message. */
export type BusKind = BusMessage["k"];
