/**
 * Merging a room's message list with pages and live messages by `seq`.
 *
 * @module
 */
import type { ChatMessage } from "../protocol/types.ts";

/**
 * `current` and `incoming` merged: one message per `seq`, ascending. Returns
 * `current` itself when nothing is new (cheap for re-renders).
 *
 * @example
 * ```ts
 * import { mergeMessages } from "./timeline.ts";
 * const m = (seq: number) => ({ room: "r", seq, id: `${seq}`, user: { id: "u", name: "u" }, text: "", ts: 0 });
 * console.assert(mergeMessages([m(1), m(3)], [m(2), m(3)]).map((x) => x.seq).join() === "1,2,3");
 * ```
 */
export function mergeMessages(
  current: readonly ChatMessage[],
  incoming: readonly ChatMessage[],
): readonly ChatMessage[] {
  if (incoming.length === 0) return current;
  const last = current.at(-1)?.seq ?? 0;
  // The common case: live messages after the newest one, in order.
  if (
    incoming.every((m, i) => m.seq > (i === 0 ? last : incoming[i - 1].seq))
  ) {
    return [...current, ...incoming];
  }
  const bySeq = new Map<number, ChatMessage>();
  for (const m of current) bySeq.set(m.seq, m);
  let added = false;
  for (const m of incoming) {
    if (!bySeq.has(m.seq)) {
      bySeq.set(m.seq, m);
      added = true;
    }
  }
  if (!added) return current;
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
