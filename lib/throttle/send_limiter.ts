/**
 * Send limits that count people, not sockets: one bucket per user, and for a
 * guest one per address as well, shared by every connection and transport of
 * the isolate (WebSocket sends, edits, deletions and reactions, HTTP posts,
 * the no-JS forms). Opening more connections buys no more sends.
 *
 * The buckets are per isolate: a person whose connections reach N isolates
 * (or N processes, or N Deploy instances) may send up to N times the rate.
 * Exact global counting would cost a storage round trip (or a wait for the
 * other nodes) before every send, the very path whose latency matters most;
 * a bounded N× is the cheaper trade.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import { RateLimiter } from "./rate_limiter.ts";

/** Who sends: a user id, claimed or a guest. */
export type Sender = Pick<User, "id" | "claimed">;

/** Per-person send limits of one isolate. */
export class SendLimiter {
  readonly #users: RateLimiter;
  readonly #addresses: RateLimiter;

  /**
   * @param rate sends a second per user (and per guest address); 0: unlimited
   * @param burst sends allowed at once before the rate applies
   */
  constructor(rate: number, burst: number) {
    this.#users = new RateLimiter(rate, burst);
    this.#addresses = new RateLimiter(rate, burst);
  }

  /**
   * Takes a send for `sender` from `address` (`""`: unknown): 0 when
   * allowed, else the wait in milliseconds. A guest is held to their user id
   * and to their address, since a guest can mint a new user id with every
   * `hello`; a claimed name is held to its id alone, so people behind one
   * address (an office, a school) do not share one bucket. A refused send
   * takes from neither bucket.
   */
  takeFor(sender: Sender, address: string, now = Date.now()): number {
    if (sender.claimed || address === "") {
      return this.#users.take(sender.id, now);
    }
    const wait = Math.max(
      this.#users.wait(sender.id, now),
      this.#addresses.wait(address, now),
    );
    if (wait > 0) return wait;
    this.#users.take(sender.id, now);
    this.#addresses.take(address, now);
    return 0;
  }
}
