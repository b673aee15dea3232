/**
 * One room on one isolate: turns the unordered, lossy stream of events
 * (messages, edits, deletions, reactions: they share one `seq`)
 * from the bus and from local writes into an ordered, gap-free stream for
 * local subscribers.
 *
 * The channel knows `head`, the last `seq` it delivered. An event with
 * `seq ≤ head` is a duplicate and ignored; `head + 1` is delivered at once;
 * anything later waits in `pending` while the gap is refilled from storage.
 * Storage is the source of truth: the bus only makes it fast.
 *
 * A channel that fell further behind than storage keeps events (retention)
 * cannot refill the oldest part of its gap: it skips to the oldest event
 * still stored, and its subscribers, seeing the jump, end their subscription
 * (the client resumes with `since` and learns `recovered: false`).
 *
 * @module
 */
import type { RoomEvent } from "../protocol/types.ts";
import { OutgoingRoomEvent } from "./outgoing.ts";
import type { RoomSubscriber } from "./subscriber.ts";

/** Reads committed events `after < seq ≤ upTo` from storage. */
export type RangeReader = (
  room: string,
  after: number,
  upTo: number,
) => Promise<RoomEvent[]>;

/** Counters the channel reports to metrics. */
export interface ChannelStats {
  /** Gap refills from storage. */
  refills: number;
  /** Events recovered from storage rather than the bus. */
  refilled: number;
  /** Events skipped because they expired before this isolate had them. */
  expired: number;
}

/** How long to wait for a reordered message before reading storage. */
const REORDER_GRACE_MS = 25;

/** A room's ordered fan-out on this isolate. */
export class RoomChannel {
  readonly room: string;
  /** The epoch of the history this channel delivers. */
  readonly epoch: string;
  readonly subscribers = new Set<RoomSubscriber>();
  #head: number;
  readonly #pending = new Map<number, RoomEvent>();
  /** The highest `seq` known to exist (from messages or head beacons). */
  #known: number;
  #refillTimer: ReturnType<typeof setTimeout> | undefined;
  #refilling = false;
  /** Closed channels neither refill nor report (storage may be closed too). */
  #closed = false;
  readonly #readRange: RangeReader;
  readonly #stats: ChannelStats;
  readonly #onError: (error: unknown) => void;

  constructor(
    room: string,
    epoch: string,
    head: number,
    readRange: RangeReader,
    stats: ChannelStats,
    onError: (error: unknown) => void,
  ) {
    this.room = room;
    this.epoch = epoch;
    this.#head = head;
    this.#known = head;
    this.#readRange = readRange;
    this.#stats = stats;
    this.#onError = onError;
  }

  /** The last `seq` delivered to subscribers. */
  get head(): number {
    return this.#head;
  }

  /** Accepts events in any order, from any source, any number of times. */
  ingest(events: readonly RoomEvent[]): void {
    for (const event of events) {
      if (event.seq <= this.#head) continue;
      if (event.seq === this.#head + 1) {
        this.#deliver(event);
        this.#drainPending();
      } else {
        this.#pending.set(event.seq, event);
        if (event.seq > this.#known) this.#known = event.seq;
      }
    }
    this.#scheduleRefillIfBehind();
  }

  /**
   * Learns that messages up to `seq` exist, without having them. A head
   * comes from storage, so what it reveals is read at once: no reordered
   * copy is worth waiting for (storage keeps only the latest messages, and a
   * busy room moves past a slow reader's gap quickly).
   */
  observeHead(seq: number): void {
    if (seq <= this.#known) return;
    this.#known = seq;
    this.#scheduleRefillIfBehind(0);
  }

  /** Stops timers; the channel is no longer used. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#refillTimer);
    this.#refillTimer = undefined;
  }

  #deliver(event: RoomEvent): void {
    this.#head = event.seq;
    if (this.#known < event.seq) this.#known = event.seq;
    const outgoing = new OutgoingRoomEvent(event);
    for (const subscriber of this.subscribers) {
      try {
        subscriber.deliverRoomEvent(outgoing);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  #drainPending(): void {
    for (;;) {
      const next = this.#pending.get(this.#head + 1);
      if (!next) break;
      this.#pending.delete(next.seq);
      this.#deliver(next);
    }
  }

  #scheduleRefillIfBehind(graceMs = REORDER_GRACE_MS): void {
    if (
      this.#closed || this.#known <= this.#head ||
      this.#refillTimer !== undefined || this.#refilling
    ) return;
    this.#refillTimer = setTimeout(() => {
      this.#refillTimer = undefined;
      this.#refill();
    }, graceMs);
  }

  /**
   * Storage returns a range from its oldest retained message on: when that
   * is past `head + 1`, what lies between expired and can never come. Skip
   * it, so that delivery goes on (with a jump subscribers notice).
   */
  #skipExpired(stored: RoomEvent[]): void {
    const oldest = stored[0]?.seq;
    if (oldest === undefined || oldest <= this.#head + 1) return;
    this.#stats.expired += oldest - 1 - this.#head;
    this.#head = oldest - 1;
    for (const seq of this.#pending.keys()) {
      if (seq <= this.#head) this.#pending.delete(seq);
    }
  }

  async #refill(): Promise<void> {
    if (this.#known <= this.#head) return;
    this.#refilling = true;
    const from = this.#head;
    const upTo = this.#known;
    try {
      const messages = await this.#readRange(this.room, from, upTo);
      this.#stats.refills++;
      this.#skipExpired(messages);
      // Count what only storage had: not delivered yet and not held from the bus.
      for (const message of messages) {
        if (message.seq > this.#head && !this.#pending.has(message.seq)) {
          this.#stats.refilled++;
        }
      }
      this.ingest(messages);
    } catch (error) {
      if (!this.#closed) this.#onError(error);
    } finally {
      this.#refilling = false;
    }
    if (this.#closed) return;
    // Still behind (storage not yet visible, or more arrived): try again later.
    if (this.#known > this.#head && this.#refillTimer === undefined) {
      this.#refillTimer = setTimeout(() => {
        this.#refillTimer = undefined;
        this.#refill();
      }, this.#head > from ? 0 : 200);
    }
  }
}
