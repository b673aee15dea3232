/**
 * Presence for long-poll clients, which hold no connection: a user counts as
 * present in a room while a poll is waiting or one ended within the window
 * (30 s by default). One sweep timer per isolate expires them, and it runs
 * only while there is someone to expire.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";

/** What this needs of the isolate's presence registry. */
export interface PresenceCounter {
  add(room: string, user: User): void;
  remove(room: string, user: User): void;
}

/** Options for {@linkcode PollPresence}. */
export interface PollPresenceOptions {
  /** How long after a poll the user still counts as present. */
  windowMs: number;
  /** How often the sweep runs (the window's precision). */
  sweepMs: number;
  /** The clock, replaceable in tests. */
  now?: () => number;
}

interface Poller {
  room: string;
  user: User;
  /** Polls waiting right now. */
  inFlight: number;
  /** When the last poll ended (or began, while none has ended). */
  lastSeen: number;
}

/** Long-poll presence of one isolate. */
export class PollPresence {
  readonly #presence: PresenceCounter;
  readonly #windowMs: number;
  readonly #sweepMs: number;
  readonly #now: () => number;
  /** room + user id → poller. */
  readonly #pollers = new Map<string, Poller>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(presence: PresenceCounter, options: PollPresenceOptions) {
    this.#presence = presence;
    this.#windowMs = options.windowMs;
    this.#sweepMs = options.sweepMs;
    this.#now = options.now ?? Date.now;
  }

  /** How many (room, user) pairs count as present through polling. */
  get size(): number {
    return this.#pollers.size;
  }

  /** Whether the sweep timer is running. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /**
   * A poll by `user` in `room` begins; call the returned function when it
   * ends (answered or aborted).
   */
  begin(room: string, user: User): () => void {
    const key = room + "\u0000" + user.id;
    const now = this.#now();
    let poller = this.#pollers.get(key);
    if (!poller) {
      poller = { room, user, inFlight: 0, lastSeen: now };
      this.#pollers.set(key, poller);
      this.#presence.add(room, user);
      this.#timer ??= setInterval(() => this.sweep(), this.#sweepMs);
    } else if (poller.user.name !== user.name) {
      // Renamed: count the new name first so the user never leaves.
      const previous = poller.user;
      poller.user = user;
      this.#presence.add(room, user);
      this.#presence.remove(room, previous);
    }
    poller.inFlight++;
    poller.lastSeen = now;
    const current = poller;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      current.inFlight--;
      current.lastSeen = this.#now();
    };
  }

  /** Expires pollers idle for longer than the window (the timer calls it). */
  sweep(): void {
    const now = this.#now();
    for (const [key, poller] of this.#pollers) {
      if (poller.inFlight > 0 || now - poller.lastSeen <= this.#windowMs) {
        continue;
      }
      this.#pollers.delete(key);
      this.#presence.remove(poller.room, poller.user);
    }
    if (this.#pollers.size === 0) this.stop();
  }

  /** Stops the timer (shutdown); pollers are left as they are. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
