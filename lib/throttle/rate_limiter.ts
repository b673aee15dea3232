/**
 * Rate limits: a token bucket, `rate` tokens a second holding at most
 * `burst`, and buckets by key (a user id, an address). Every transport uses
 * them and none owns them, so they live apart from the transports and the
 * server that wires them.
 *
 * @module
 */

/** A token bucket rate limiter. A rate of 0 never limits. */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #updated: number;

  constructor(rate: number, burst: number, now = Date.now()) {
    this.#rate = rate;
    this.#burst = burst;
    this.#tokens = burst;
    this.#updated = now;
  }

  /**
   * How many milliseconds until a token is available: 0 when one is now.
   * Takes nothing (a send that needs two buckets asks both first).
   */
  wait(now = Date.now()): number {
    if (this.#rate === 0) return 0;
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + Math.max(0, now - this.#updated) * this.#rate / 1000,
    );
    this.#updated = now;
    if (this.#tokens >= 1) return 0;
    return Math.ceil((1 - this.#tokens) * 1000 / this.#rate);
  }

  /**
   * Takes one token. Returns 0 when allowed, else how many milliseconds until
   * a token is available.
   */
  take(now = Date.now()): number {
    const wait = this.wait(now);
    if (wait === 0 && this.#rate !== 0) this.#tokens--;
    return wait;
  }
}

/** Token buckets by key (user id), forgetting idle keys. */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(rate: number, burst: number) {
    this.#rate = rate;
    this.#burst = burst;
  }

  /** Takes a token for `key`: 0 when allowed, else the wait in milliseconds. */
  take(key: string, now = Date.now()): number {
    if (this.#rate === 0) return 0;
    return this.#bucket(key, now).take(now);
  }

  /** The wait for a token of `key` (0: one is there), taking none. */
  wait(key: string, now = Date.now()): number {
    if (this.#rate === 0) return 0;
    return this.#bucket(key, now).wait(now);
  }

  #bucket(key: string, now: number): TokenBucket {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      // A full bucket is the same as a fresh one: bound memory by resetting.
      if (this.#buckets.size >= 100_000) this.#buckets.clear();
      this.#buckets.set(
        key,
        bucket = new TokenBucket(this.#rate, this.#burst, now),
      );
    }
    return bucket;
  }
}
