/**
 * A transport's membership of one room, with a cursor: messages reach the
 * sink exactly once and in order from the cursor on. While the join reply is
 * being prepared, live messages are held back and released after it.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import type { OutgoingEvent, OutgoingMessage } from "./outgoing.ts";
import type { RoomSubscriber } from "./subscriber.ts";

/** Where a subscription's events go (a socket, a stream, a poll). */
export interface SubscriptionSink {
  message(message: OutgoingMessage): void;
  event(event: OutgoingEvent): void;
  /**
   * Messages after the cursor expired before this isolate could deliver
   * them (see `RoomChannel`): nothing more comes; the transport ends, and its
   * client resumes with `since` (and is told `recovered: false`).
   */
  lost(): void;
}

/** One transport's membership of one room. */
export class RoomSubscription implements RoomSubscriber {
  readonly room: string;
  readonly user: User | null;
  /** The last `seq` handed to the sink; `Infinity` once messages were lost. */
  cursor = 0;
  /** Whether the subscription counts towards the room's presence. */
  present = false;
  /**
   * Live messages held back until `start`: `undefined` while none arrived
   * (most joins: no array per idle subscription), `null` once started.
   */
  #held?: OutgoingMessage[] | null;
  readonly #sink: SubscriptionSink;

  constructor(room: string, user: User | null, sink: SubscriptionSink) {
    this.room = room;
    this.user = user;
    this.#sink = sink;
  }

  /** Whether the join reply has been sent and live delivery started. */
  get open(): boolean {
    return this.#held === null;
  }

  deliverMessage(message: OutgoingMessage): void {
    if (this.#held !== null) {
      (this.#held ??= []).push(message);
      return;
    }
    const seq = message.message.seq;
    if (seq <= this.cursor) return;
    if (seq !== this.cursor + 1) {
      // The room skipped expired messages: this subscription has a hole.
      this.lost();
      return;
    }
    this.cursor = seq;
    this.#sink.message(message);
  }

  lost(): void {
    if (this.cursor === Infinity) return;
    this.cursor = Infinity;
    this.#sink.lost();
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
    for (const message of held) this.deliverMessage(message);
  }
}
