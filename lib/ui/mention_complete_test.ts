import assert from "node:assert/strict";
import {
  insertMention,
  matchMembers,
  MAX_SUGGESTIONS,
  mentionCandidates,
  mentionQuery,
} from "./mention_complete.ts";

const bob = { id: "u_b", name: "Bob Smith" };
const bo = { id: "u_o", name: "bo" };
const alice = { id: "u_a", name: "alice" };

Deno.test("mentionQuery: the @ that starts a word on the caret's line", () => {
  assert.deepEqual(mentionQuery("hi @al", 6), { start: 3, query: "al" });
  assert.deepEqual(mentionQuery("@", 1), { start: 0, query: "" });
  // Names have spaces: the query goes on past one.
  assert.deepEqual(mentionQuery("(@bob sm", 8), { start: 1, query: "bob sm" });
  // The caret decides, not the end of the text.
  assert.deepEqual(mentionQuery("@al and more", 3), { start: 0, query: "al" });
  assert.equal(mentionQuery("me@host", 7), null);
  assert.equal(mentionQuery("@al\nnext", 8), null);
  assert.equal(mentionQuery("no at here", 10), null);
  assert.equal(mentionQuery("@" + "x".repeat(40), 41), null);
});

Deno.test("matchMembers: name prefixes first, then later words", () => {
  const all = [bob, bo, alice];
  assert.deepEqual(matchMembers(all, "BO"), [bo, bob]);
  assert.deepEqual(matchMembers(all, "smi"), [bob]);
  assert.deepEqual(matchMembers(all, "bob s"), [bob]);
  assert.deepEqual(matchMembers(all, "zed"), []);
  assert.deepEqual(matchMembers(all, ""), [alice, bo, bob]);
  const many = Array.from({ length: 20 }, (_, i) => ({
    id: `u_${i}`,
    name: `n${String(i).padStart(2, "0")}`,
  }));
  assert.equal(matchMembers(many, "n").length, MAX_SUGGESTIONS);
});

Deno.test("mentionCandidates: online and authors, once each, not me", () => {
  const renamed = { id: "u_b", name: "Robert" };
  assert.deepEqual(
    mentionCandidates([renamed, alice], [{ user: bob }, { user: bo }], "u_a"),
    [renamed, bo],
  );
  assert.deepEqual(mentionCandidates([], [], undefined), []);
});

Deno.test("insertMention: @name and one space, caret after it", () => {
  assert.deepEqual(
    insertMention("hi @bo", { start: 3, query: "bo" }, "Bob Smith"),
    { text: "hi @Bob Smith ", caret: 14 },
  );
  // In the middle of the text: the space already there is reused.
  assert.deepEqual(
    insertMention("@al how are you", { start: 0, query: "al" }, "alice"),
    { text: "@alice how are you", caret: 7 },
  );
});
