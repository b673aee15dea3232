/**
 * Reconnect delays: exponential backoff with jitter, so a server restart is
 * not met by every client at the same instant.
 *
 * @module
 */

/** Backoff parameters, in milliseconds. */
export interface BackoffOptions {
  /** First delay (before jitter). Default 500. */
  baseMs?: number;
  /** Largest delay (before jitter). Default 15 000. */
  maxMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** A number in [0, 1): `Math.random` by default (tests pass their own). */
  random?: () => number;
}

/**
 * Delays for successive attempts: attempt `n` waits a uniformly random time
 * in [½·d, d] where `d = min(maxMs, baseMs·factorⁿ)` ("equal jitter": never
 * zero, never more than the cap).
 *
 * @example
 * ```ts
 * import { Backoff } from "./backoff.ts";
 * const b = new Backoff({ baseMs: 100, random: () => 0.5 });
 * console.assert(b.next() === 75 && b.next() === 150);
 * ```
 */
export class Backoff {
  readonly #base: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#base = options.baseMs ?? 500;
    this.#max = options.maxMs ?? 15_000;
    this.#factor = options.factor ?? 2;
    this.#random = options.random ?? Math.random;
  }

  /** How many delays were handed out since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The next delay; each call grows the following one. */
  next(): number {
    const cap = Math.min(this.#max, this.#base * this.#factor ** this.#attempt);
    this.#attempt++;
    return Math.round(cap / 2 + (cap / 2) * this.#random());
  }

  /** Starts over from the base delay (after a successful connection). */
  reset(): void {
    this.#attempt = 0;
  }
}
