/**
 * Reading server frames: one event object or a JSON array of them, to be
 * handled in order (the server may coalesce).
 *
 * @module
 */
import type { ServerEvent } from "../protocol/types.ts";

function isEvent(value: unknown): value is ServerEvent {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    typeof (value as { type?: unknown }).type === "string";
}

/**
 * The events in one server frame, in order. Malformed frames and entries
 * without a string `type` are dropped (and reported through `onBad`), so one
 * bad event never hides the others.
 *
 * @example
 * ```ts
 * import { parseServerFrame } from "./frames.ts";
 * const events = parseServerFrame('[{"type":"pong"},{"type":"left","room":"a"}]');
 * console.assert(events.length === 2);
 * ```
 */
export function parseServerFrame(
  data: string,
  onBad?: (why: string) => void,
): ServerEvent[] {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    onBad?.("frame is not JSON");
    return [];
  }
  const items = Array.isArray(value) ? value : [value];
  const events: ServerEvent[] = [];
  for (const item of items) {
    if (isEvent(item)) events.push(item);
    else onBad?.("event without a type");
  }
  return events;
}
