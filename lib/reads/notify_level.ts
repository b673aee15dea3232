/**
 * The notification level of a member in a room, from the network.
 *
 * @module
 */
import type { NotifyLevel } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";

/** Whether `value` is a level. */
export function isNotifyLevel(value: unknown): value is NotifyLevel {
  return value === "all" || value === "mentions" || value === "none";
}

/** Returns `value` as a level, or throws `bad_request`. */
export function parseNotifyLevel(value: unknown): NotifyLevel {
  if (isNotifyLevel(value)) return value;
  throw new ProtocolError(
    "bad_request",
    '"level" is "all", "mentions" or "none"',
  );
}
