/**
 * What a node says while Redis can't be reached: the client retries every
 * couple of seconds, and a stack trace per retry would bury everything else.
 * The first failure is logged, then the same failure at most once per
 * {@linkcode REPEAT_MS} with how often it happened meanwhile; a different
 * failure is logged at once.
 *
 * @module
 */
import type { Logger } from "../../server/logger.ts";

/** How often an unchanged connection failure is logged again. */
export const REPEAT_MS = 30_000;

/** An `onError` for the Redis client that logs failures without repeats. */
export function connectionErrorLog(
  log: Pick<Logger, "error">,
  now: () => number = Date.now,
): (error: unknown) => void {
  let last = "";
  let loggedAt = -Infinity;
  let repeats = 0;
  return (error) => {
    const message = error instanceof Error ? error.message : String(error);
    if (message === last && now() - loggedAt < REPEAT_MS) {
      repeats++;
      return;
    }
    log.error("redis connection error", message, {
      ...(message === last ? { repeated: repeats } : {}),
    });
    last = message;
    loggedAt = now();
    repeats = 0;
  };
}
