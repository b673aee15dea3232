/**
 * Merging runs of room events: engines keep messages and updates apart (so
 * pages of messages never read updates) and merge them where a range of
 * every `seq` is asked for.
 *
 * @module
 */
import type { RoomEvent } from "../protocol/types.ts";

/**
 * Two runs of one room's events, each in `seq` order, as one in `seq` order.
 *
 * @example
 * ```ts
 * import { mergeBySeq } from "./merge.ts";
 * const at = (seq: number) => ({ room: "r", seq, id: `m${seq}`, user: { id: "u", name: "n" }, text: "", ts: 0 });
 * console.assert(mergeBySeq([at(1), at(4)], [at(2)]).map((e) => e.seq).join() === "1,2,4");
 * ```
 */
export function mergeBySeq(a: RoomEvent[], b: RoomEvent[]): RoomEvent[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const merged: RoomEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    merged.push(a[i].seq < b[j].seq ? a[i++] : b[j++]);
  }
  return merged.concat(i < a.length ? a.slice(i) : b.slice(j));
}
