/**
 * VAPID `Authorization` headers, one per push service, reused: signing a
 * token costs an ECDSA signature, and a busy room's message goes to many
 * subscriptions of a few push services. A token is made to last 23 h (RFC
 * 8292 allows at most 24; the hour left is for clocks that disagree) and
 * used for its first 12, so every token sent has 11 h left.
 *
 * @module
 */
import { vapidAuthorization, type VapidKeys } from "./web_push_package.ts";

/** How long a token is valid after it is made. */
export const TOKEN_LIFETIME_MS = 23 * 3600_000;
/** How long a token is reused before a new one is made. */
export const TOKEN_REUSE_MS = 12 * 3600_000;
/** Push services remembered at once (there are a handful in the world). */
const MAX_AUDIENCES = 100;

/** Makes and reuses VAPID headers for one key pair and subject. */
export class VapidAuth {
  readonly #keys: VapidKeys;
  readonly #subject: string;
  readonly #now: () => number;
  readonly #tokens = new Map<string, { header: string; madeAt: number }>();

  constructor(keys: VapidKeys, subject: string, now: () => number = Date.now) {
    this.#keys = keys;
    this.#subject = subject;
    this.#now = now;
  }

  /** The `Authorization` value for the push service at `audience` (an origin). */
  header(audience: string): string {
    const now = this.#now();
    const cached = this.#tokens.get(audience);
    if (cached && now - cached.madeAt < TOKEN_REUSE_MS) return cached.header;
    const header = vapidAuthorization(
      audience,
      this.#subject,
      this.#keys,
      Math.floor((now + TOKEN_LIFETIME_MS) / 1000),
    );
    this.#tokens.delete(audience);
    if (this.#tokens.size >= MAX_AUDIENCES) {
      // The oldest entry goes: Maps iterate in insertion order.
      this.#tokens.delete(this.#tokens.keys().next().value!);
    }
    this.#tokens.set(audience, { header, madeAt: now });
    return header;
  }
}
