/**
 * Outgoing frames of one socket, coalesced: everything queued during one
 * task goes out as a single frame at the end of it, an event alone or a JSON
 * array of events (the contract allows both). Frames arrive already
 * serialised, so a broadcast is serialised once, not once per recipient.
 *
 * The flush runs as an immediate (after the task and its microtasks), not a
 * microtask: a sender's own message (queued by the commit's fan-out) and its
 * `ack` (queued a few promise hops later) then share one frame, which halves
 * the sender's frames; `setTimeout(0)` would cost a millisecond or more.
 *
 * A sender is held for every open socket, most of them idle: while nothing
 * is queued it holds no queue, and it is the sink of its socket's room
 * subscriptions itself (no per-subscription callbacks).
 *
 * @module
 */
import type { OutgoingEvent, OutgoingRoomEvent } from "../rooms/outgoing.ts";
import type { SubscriptionSink } from "../rooms/room_subscription.ts";
import type { RemovalReason } from "../rooms/subscriber.ts";

/**
 * What a sender tells the connection that owns it and its socket. An
 * object, not two callbacks: a sender lives as long as its socket, and two
 * closures per idle socket cost more memory than the sender itself.
 */
export interface SenderOwner {
  /**
   * The socket fell too far behind: more than `maxBuffered` unsent, or its
   * room skipped messages it never got.
   */
  socketBehind(): void;
  /** A room ended the socket's subscription to it (its user was banned). */
  subscriptionRemoved(room: string, reason: RemovalReason): void;
}

/** What the sender needs of a socket. */
export interface FrameSink {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
}

const OPEN = 1;
const flushQueue: FrameSender[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  // Senders queued during the flush wait for the next one.
  const senders = flushQueue.splice(0);
  for (const sender of senders) sender.flush();
}

/** Coalescing frame sender for one socket. */
export class FrameSender implements SubscriptionSink {
  readonly #socket: FrameSink;
  readonly #maxBuffered: number;
  readonly #owner: SenderOwner;
  /**
   * The first frame queued in this task; null when none (then no flush is
   * due). Most tasks queue one frame per socket (an event to each member of
   * a room): it is held alone, without an array.
   */
  #first: string | null = null;
  /** The frames queued after the first in this task. */
  #more: string[] | null = null;
  /**
   * Characters sent since `bufferedAmount` was last read. Reading it is a
   * call into the runtime per socket per flush (~2% of a busy server), so it
   * is read once per `maxBuffered / 64` sent: a socket is caught at most that
   * far past the limit.
   */
  #unchecked: number;
  readonly #checkEvery: number;

  /**
   * @param socket where frames go
   * @param maxBuffered bytes the socket may have unsent before it counts as too slow
   * @param owner told when the socket falls behind or loses a room
   */
  constructor(socket: FrameSink, maxBuffered: number, owner: SenderOwner) {
    this.#socket = socket;
    this.#maxBuffered = maxBuffered;
    this.#owner = owner;
    this.#checkEvery = maxBuffered / 64;
    this.#unchecked = this.#checkEvery;
  }

  /** Queues one serialised event. */
  push(frame: string): void {
    if (this.#first !== null) {
      if (this.#more === null) this.#more = [frame];
      else this.#more.push(frame);
      return;
    }
    this.#first = frame;
    flushQueue.push(this);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
  }

  /** Queues a room's event (as a subscription's sink). */
  roomEvent(outgoing: OutgoingRoomEvent): void {
    this.push(outgoing.frame);
  }

  /** Queues a room's presence or typing event (as a subscription's sink). */
  event(event: OutgoingEvent): void {
    this.push(event.frame);
  }

  /** The room skipped messages this socket never got (as a subscription's sink). */
  lost(): void {
    this.#owner.socketBehind();
  }

  /** A room ended the socket's subscription to it (as a subscription's sink). */
  removed(room: string, reason: RemovalReason): void {
    this.#owner.subscriptionRemoved(room, reason);
  }

  /** Sends what is queued now. */
  flush(): void {
    const first = this.#first;
    if (first === null) return;
    const more = this.#more;
    this.#first = null;
    this.#more = null;
    if (this.#socket.readyState !== OPEN) return;
    if (this.#unchecked >= this.#checkEvery) {
      this.#unchecked = 0;
      if (this.#socket.bufferedAmount > this.#maxBuffered) {
        this.#owner.socketBehind();
        return;
      }
    }
    const frame = more === null ? first : `[${first},${more.join(",")}]`;
    this.#unchecked += frame.length;
    this.#socket.send(frame);
  }
}
