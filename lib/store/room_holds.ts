/**
 * Rooms a writer holds back its commits to, for a moment, because another
 * writer asked: the fairness half of optimistic appends.
 *
 * Writers of one room race on its head's versionstamp, and the race is not
 * fair: a writer that just committed knows the new head and commits again at
 * once, while the one that lost must read the head before it can retry, and
 * by then the winner has moved it again. Measured with the KV-only engine
 * (`bench/hot_room.ts`, 32 senders over two isolates), a losing isolate's
 * sends waited up to 5 s. So a writer that keeps losing a room asks the
 * others, over the node bus, to hold their next commits to it for a few of
 * its attempts' durations; they do, and it commits. The request is only
 * advice: a writer that never hears it merely keeps winning, as before, and
 * the head check alone still keeps every `seq` taken once.
 *
 * @module
 */
import { type Clock, systemClock, type TimerId } from "../client/clock.ts";

/** The shortest and longest hold a writer grants. */
export const HOLD_MIN_MS = 20;
export const HOLD_MAX_MS = 250;

/** How long to hold a room for a writer whose attempts take `attemptMs`. */
export function holdFor(attemptMs: number): number {
  return Math.min(HOLD_MAX_MS, Math.max(HOLD_MIN_MS, 4 * attemptMs));
}

/** The rooms one writer currently holds back. */
export class RoomHolds {
  readonly #clock: Clock;
  readonly #onRelease: () => void;
  /** Room → when its hold ends (clock ms). */
  readonly #until = new Map<string, number>();
  #timer: TimerId | undefined;
  #timerAt = Infinity;

  /**
   * @param onRelease called after holds end, so held appends are committed
   * @param clock the clock of hold times and their timer
   */
  constructor(onRelease: () => void, clock: Clock = systemClock) {
    this.#onRelease = onRelease;
    this.#clock = clock;
  }

  /** Holds commits to `rooms` for `ms` from now (a longer hold stays). */
  hold(rooms: readonly string[], ms: number): void {
    const until = this.#clock.now() + Math.min(HOLD_MAX_MS, Math.max(0, ms));
    for (const room of rooms) {
      if ((this.#until.get(room) ?? 0) < until) this.#until.set(room, until);
    }
  }

  /** Whether commits to `room` are held right now. */
  isHeld(room: string): boolean {
    const until = this.#until.get(room);
    if (until === undefined) return false;
    if (until > this.#clock.now()) return true;
    this.#until.delete(room);
    return false;
  }

  /**
   * Calls `onRelease` once the earliest hold of `rooms` ends (appends to
   * them are waiting).
   */
  wakeAfter(rooms: Iterable<string>): void {
    let earliest = Infinity;
    for (const room of rooms) {
      const until = this.#until.get(room);
      if (until !== undefined) earliest = Math.min(earliest, until);
    }
    if (earliest === Infinity || earliest >= this.#timerAt) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timerAt = earliest;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#onRelease();
    }, earliest - this.#clock.now());
  }
}
