import assert from "node:assert/strict";
import type { ChatMessage } from "../protocol/types.ts";
import { mergeMessages } from "./timeline.ts";

const m = (seq: number, user = "u1"): ChatMessage => ({
  room: "r",
  seq,
  id: `id${seq}`,
  user: { id: user, name: user },
  text: `t${seq}`,
  ts: seq,
});
const seqs = (list: readonly ChatMessage[]) => list.map((x) => x.seq);

Deno.test("mergeMessages appends live messages, prepends older pages, drops duplicates", () => {
  const base = [m(5), m(6)];
  assert.deepEqual(seqs(mergeMessages(base, [m(7), m(8)])), [5, 6, 7, 8]);
  assert.deepEqual(seqs(mergeMessages(base, [m(3), m(4)])), [3, 4, 5, 6]);
  assert.deepEqual(seqs(mergeMessages(base, [m(6), m(4), m(7), m(7)])), [
    4,
    5,
    6,
    7,
  ]);
  assert.equal(mergeMessages(base, [m(5)]), base, "nothing new: same array");
  assert.equal(mergeMessages(base, []), base);
  assert.deepEqual(seqs(mergeMessages([], [m(2), m(1)])), [1, 2]);
});
