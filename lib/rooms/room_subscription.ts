/**
 * A transport's membership of one room, with a cursor: stored events
 * (messages, edits, deletions, reactions: one `seq` for all) reach the sink
 * exactly once and in order from the cursor on. While the join reply is
 * being prepared, live events are held back and released after it.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import type { OutgoingEvent, OutgoingRoomEvent } from "./outgoing.ts";
import type { RemovalReason, RoomSubscriber } from "./subscriber.ts";

/** Where a subscription's events go (a socket, a stream, a poll). */
export interface SubscriptionSink {
  /** The next stored event (message or update) in `seq` order. */
  roomEvent(outgoing: OutgoingRoomEvent): void;
  event(event: OutgoingEvent): void;
  /**
   * Messages after the cursor expired before this isolate could deliver
   * them (see `RoomChannel`): nothing more comes; the transport ends, and its
   * client resumes with `since` (and is told `recovered: false`).
   */
  lost(): void;
  /** The room ended the subscription `room` (its user was banned). */
  removed(room: string, reason: RemovalReason): void;
}

/** Options of a {@linkcode RoomSubscription}. */
export interface SubscriptionOptions {
  /** Whether the user counts as present in the room (default: yes). */
  countsPresence?: boolean;
}

/** One transport's membership of one room. */
export class RoomSubscription implements RoomSubscriber {
  readonly room: string;
  /** Who reads: access is checked for this user. */
  readonly user: User | null;
  /** Whether joining makes {@linkcode user} present in the room. */
  readonly countsPresence: boolean;
  /** The last `seq` handed to the sink; `Infinity` once messages were lost. */
  cursor = 0;
  /** Whether the subscription counts towards the room's presence. */
  present = false;
  /** Whether its page said it is hidden (`visibility`): then it is away. */
  hidden = false;
  /** Whether it counts as looking at the room (present and not hidden). */
  attentive = false;
  /**
   * Live messages held back until `start`: `undefined` while none arrived
   * (most joins: no array per idle subscription), `null` once started.
   */
  #held?: OutgoingRoomEvent[] | null;
  readonly #sink: SubscriptionSink;

  constructor(
    room: string,
    user: User | null,
    sink: SubscriptionSink,
    options: SubscriptionOptions = {},
  ) {
    this.room = room;
    this.user = user;
    this.countsPresence = options.countsPresence ?? true;
    this.#sink = sink;
  }

  /** Whether the join reply has been sent and live delivery started. */
  get open(): boolean {
    return this.#held === null;
  }

  deliverRoomEvent(outgoing: OutgoingRoomEvent): void {
    if (this.#held !== null) {
      (this.#held ??= []).push(outgoing);
      return;
    }
    const seq = outgoing.event.seq;
    if (seq <= this.cursor) return;
    if (seq !== this.cursor + 1) {
      // The room skipped expired events: this subscription has a hole.
      this.lost();
      return;
    }
    this.cursor = seq;
    this.#sink.roomEvent(outgoing);
  }

  lost(): void {
    if (this.cursor === Infinity) return;
    this.cursor = Infinity;
    this.#sink.lost();
  }

  removed(reason: RemovalReason): void {
    if (this.cursor === Infinity) return;
    this.cursor = Infinity;
    this.#sink.removed(this.room, reason);
  }

  deliverEvent(event: OutgoingEvent): void {
    if (this.#held === null && this.cursor !== Infinity) {
      this.#sink.event(event);
    }
  }

  /** Starts live delivery after `cursor`, releasing what was held back. */
  start(cursor: number): void {
    this.cursor = cursor;
    const held = this.#held ?? [];
    this.#held = null;
    for (const outgoing of held) this.deliverRoomEvent(outgoing);
  }
}
