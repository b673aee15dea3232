/**
 * What a room delivers to: a WebSocket connection, an SSE stream or a waiting
 * long poll all implement this.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import type { OutgoingEvent, OutgoingRoomEvent } from "./outgoing.ts";

/** A recipient of a room's events. */
export interface RoomSubscriber {
  /** Who is listening: counts towards the room's presence when set. */
  readonly user: User | null;
  /** The next stored event in `seq` order: called exactly once per event. */
  deliverRoomEvent(outgoing: OutgoingRoomEvent): void;
  /** A presence or typing event. */
  deliverEvent(event: OutgoingEvent): void;
  /**
   * Nothing more comes in order: the room's history was lost (a new epoch)
   * or expired before this node had it. The transport ends, and its client
   * resumes with `since` and learns `recovered: false`.
   */
  lost(): void;
  /**
   * The user may no longer read the room (banned): the transport ends this
   * subscription and tells its client why.
   */
  removed(reason: RemovalReason): void;
}

/** Why a subscription was ended by the room (`left.reason`). */
export type RemovalReason = "banned";
