/**
 * One watched room of a connection (the sidebar's `watch`): the sink of a
 * subscription that counts presence for nobody, turning the room's events
 * into `unread` frames whenever the user's counts there change.
 *
 * @module
 */
import type { ServerEvent } from "../protocol/types.ts";
import type { OutgoingRoomEvent } from "../rooms/outgoing.ts";
import type { SubscriptionSink } from "../rooms/room_subscription.ts";
import type { UnreadState } from "./unread_state.ts";

/** Where a watch's frames go, and what it does when it can't keep count. */
export interface WatchOwner {
  send(event: ServerEvent): void;
  /** Events were lost or the room refused the user: watch again or stop. */
  rewatch(room: string): void;
}

/** A watched room's counts, kept from its live events. */
export class RoomWatch implements SubscriptionSink {
  readonly room: string;
  readonly #owner: WatchOwner;
  /** Set when the watch starts; events before that are held by the subscription. */
  #state?: UnreadState;

  constructor(room: string, owner: WatchOwner) {
    this.room = room;
    this.#owner = owner;
  }

  /** Starts counting from `state` and sends the first counts. */
  start(state: UnreadState): void {
    this.#state = state;
    this.#sendCounts();
  }

  /** The user read up to `seq` elsewhere. */
  readTo(seq: number): void {
    if (this.#state?.readTo(seq)) this.#sendCounts();
  }

  roomEvent(outgoing: OutgoingRoomEvent): void {
    if (this.#state?.apply(outgoing.event)) this.#sendCounts();
  }

  event(): void {
    // Presence and typing are not counted.
  }

  lost(): void {
    this.#owner.rewatch(this.room);
  }

  removed(): void {
    this.#owner.rewatch(this.room);
  }

  #sendCounts(): void {
    if (!this.#state) return;
    this.#owner.send({
      type: "unread",
      room: this.room,
      ...this.#state.counts(),
    });
  }
}
