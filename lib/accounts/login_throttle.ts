/**
 * Failed sign-ins, counted per name and per address across every node (in
 * records), so that guessing a password is slow wherever the guesses land.
 * A window of {@linkcode WINDOW_MS} allows {@linkcode NAME_FAILURES} failures
 * per name and {@linkcode ADDRESS_FAILURES} per address; past that, sign-ins
 * for it answer `rate_limited` until the window ends, right password or not.
 *
 * @module
 */
import { ProtocolError } from "../protocol/errors.ts";
import type { Records } from "../engine/records.ts";
import { foldName } from "./names.ts";

/** How long failures are counted. */
export const WINDOW_MS = 15 * 60_000;
/** Failures allowed per name in a window. */
export const NAME_FAILURES = 10;
/** Failures allowed per address in a window. */
export const ADDRESS_FAILURES = 30;

interface FailureWindow {
  count: number;
  /** When the window began (epoch ms). */
  since: number;
}

/** Throttles failed sign-ins per name and per address. */
export class LoginThrottle {
  readonly #records: Records;
  readonly #now: () => number;

  constructor(records: Records, now: () => number = Date.now) {
    this.#records = records;
    this.#now = now;
  }

  #keys(name: string, address: string): string[][] {
    return [
      ["login-failures", "name", foldName(name)],
      ["login-failures", "addr", address || "unknown"],
    ];
  }

  /** Throws `rate_limited` when `name` or `address` failed too often lately. */
  async check(name: string, address: string): Promise<void> {
    const now = this.#now();
    const windows = await this.#records.getMany<FailureWindow>(
      this.#keys(name, address),
    );
    const limits = [NAME_FAILURES, ADDRESS_FAILURES];
    for (let i = 0; i < windows.length; i++) {
      const window = windows[i]?.value;
      if (!window || now - window.since >= WINDOW_MS) continue;
      if (window.count >= limits[i]) {
        throw new ProtocolError(
          "rate_limited",
          "Too many failed sign-ins: try again later",
          { retryAfterMs: window.since + WINDOW_MS - now },
        );
      }
    }
  }

  /** Counts a failed sign-in of `name` from `address`. */
  async failed(name: string, address: string): Promise<void> {
    const now = this.#now();
    for (const key of this.#keys(name, address)) {
      // Concurrent failures may each read the same count; a lost increment
      // only lets one more guess through, so no retry loop.
      const entry = await this.#records.get<FailureWindow>(key);
      const current = entry?.value;
      const fresh = !current || now - current.since >= WINDOW_MS;
      const window: FailureWindow = fresh
        ? { count: 1, since: now }
        : { count: current.count + 1, since: current.since };
      await this.#records.write({
        set: [{
          key,
          value: window,
          expireInMs: window.since + WINDOW_MS - now,
        }],
      });
    }
  }
}
