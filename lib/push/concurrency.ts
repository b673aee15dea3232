/**
 * A cap on push requests in flight per isolate. One message in a busy room
 * whose members chose "all" can make thousands of pushes at once; without
 * a cap each would open its own TLS connection at the same moment. Tasks
 * past the cap wait their turn, in order.
 *
 * @module
 */

/** Runs at most `max` tasks at a time. */
export class ConcurrencyLimit {
  readonly #max: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(max: number) {
    this.#max = max;
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  /** Tasks waiting for a turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `task` when a turn is free; settles as it does. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active < this.#max) {
      this.#active++;
    } else {
      // The finishing task hands its turn over: `active` stays as it is.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}
