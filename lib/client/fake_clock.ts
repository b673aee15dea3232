/**
 * A {@linkcode Clock} for tests: time stands still until the test advances
 * it, and due timers run in order of their due time.
 *
 * @module
 */
import type { Clock, TimerId } from "./clock.ts";

interface Timer {
  id: TimerId;
  at: number;
  fn: () => void;
}

/**
 * A fake clock.
 *
 * @example
 * ```ts
 * import { FakeClock } from "./fake_clock.ts";
 * const clock = new FakeClock();
 * let fired = 0;
 * clock.setTimeout(() => fired++, 100);
 * clock.advance(99);
 * console.assert(fired === 0);
 * clock.advance(1);
 * console.assert(fired === 1);
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.#nextId++;
    this.#timers.push({ id, at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(id: TimerId | undefined): void {
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.#timers.length;
  }

  /** The time until the next timer is due, or `undefined` without one. */
  get nextIn(): number | undefined {
    if (this.#timers.length === 0) return undefined;
    return Math.min(...this.#timers.map((t) => t.at)) - this.#now;
  }

  /**
   * Moves time forward by `ms`, running each timer that falls due on the
   * way (timers they set run too when due within the same advance).
   */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= end);
      if (due.length === 0) break;
      // Earliest first; equal times in the order they were set.
      const next = due.reduce((a, b) => (b.at < a.at ? b : a));
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = next.at;
      next.fn();
    }
    this.#now = end;
  }
}
