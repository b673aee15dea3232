/**
 * Waiting in tests: for time to pass, or for a condition to hold.
 *
 * @module
 */

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it holds; fails after `timeoutMs` naming `what`.
 *
 * @example
 * ```ts
 * import { waitUntil } from "./wait.ts";
 * let ready = false;
 * setTimeout(() => ready = true, 10);
 * await waitUntil("ready", () => ready);
 * ```
 */
export async function waitUntil(
  what: string,
  check: () => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting: ${what}`);
    await sleep(5);
  }
}
