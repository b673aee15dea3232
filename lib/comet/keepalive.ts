/**
 * One keep-alive timer per isolate for all open SSE streams: every tick
 * sends a comment line to each stream, so proxies keep the connection open
 * and a vanished client is noticed. The timer runs only while streams exist;
 * no stream has a timer of its own.
 *
 * @module
 */

/** Something the keep-alive timer pings. */
export interface Pingable {
  ping(): void;
}

/** The open streams of an isolate and their shared keep-alive timer. */
export class KeepAlive<T extends Pingable = Pingable> {
  readonly #members = new Set<T>();
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Pings every member each `intervalMs` (keep it under 15 s). */
  constructor(intervalMs: number, onError: (error: unknown) => void) {
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  /** How many members there are. */
  get size(): number {
    return this.#members.size;
  }

  /** Whether the shared timer is running. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Adds a member, starting the timer for the first one. */
  add(member: T): void {
    this.#members.add(member);
    this.#timer ??= setInterval(() => this.tick(), this.#intervalMs);
  }

  /** Removes a member, stopping the timer after the last one. */
  delete(member: T): void {
    if (!this.#members.delete(member)) return;
    if (this.#members.size === 0) this.stop();
  }

  /** Pings every member now (what the timer calls). */
  tick(): void {
    for (const member of [...this.#members]) {
      try {
        member.ping();
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Every member (for shutdown). */
  members(): T[] {
    return [...this.#members];
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
