/**
 * Time as the client's state machines see it: injected, so unit tests drive
 * reconnects, heartbeats and ack timeouts with a fake clock instead of
 * waiting.
 *
 * @module
 */

/** A timer handle of {@linkcode Clock.setTimeout}. */
export type TimerId = ReturnType<typeof setTimeout> | number;

/** The clock and timers the client uses. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `fn` once after `ms`. */
  setTimeout(fn: () => void, ms: number): TimerId;
  /** Cancels a timer; `undefined` and finished timers are ignored. */
  clearTimeout(id: TimerId | undefined): void;
}

/** The real clock (`Date.now` and the global timers). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};
