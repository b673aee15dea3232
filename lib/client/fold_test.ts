import assert from "node:assert/strict";
import type { ChatMessage, RoomUpdate, User } from "../protocol/types.ts";
import { applyUpdate, indexOfSeq } from "./fold.ts";

const bob: User = { id: "u_bob", name: "bob" };
const carol: User = { id: "u_carol", name: "carol" };
const msg = (seq: number): ChatMessage => ({
  room: "r",
  seq,
  id: `m${seq}`,
  user: bob,
  text: `text ${seq}`,
  ts: seq,
});
const base = { room: "r", ts: 50 };
const edit = (seq: number, target: number, text: string): RoomUpdate => ({
  ...base,
  type: "edit",
  seq,
  id: `e${seq}`,
  user: bob,
  target,
  text,
});
const del = (seq: number, target: number): RoomUpdate => ({
  ...base,
  type: "delete",
  seq,
  id: `d${seq}`,
  user: bob,
  target,
});
const react = (
  seq: number,
  target: number,
  emoji: string,
  on: boolean,
  user: User = carol,
): RoomUpdate => ({
  ...base,
  type: "reaction",
  seq,
  id: `r${seq}`,
  user,
  target,
  emoji,
  on,
});

Deno.test("indexOfSeq finds by binary search", () => {
  const list = [msg(1), msg(4), msg(9)];
  assert.equal(indexOfSeq(list, 4), 1);
  assert.equal(indexOfSeq(list, 9), 2);
  assert.equal(indexOfSeq(list, 5), -1);
  assert.equal(indexOfSeq([], 1), -1);
});

Deno.test("an edit sets the text and edited; applied twice it changes nothing", () => {
  const list = [msg(1), msg(2)];
  const once = applyUpdate(list, edit(3, 2, "fixed"));
  assert.deepEqual(once[1], { ...msg(2), text: "fixed", edited: 50 });
  assert.equal(once[0], list[0]);
  assert.equal(applyUpdate(once, edit(3, 2, "fixed")), once);
});

Deno.test("a deletion empties the message, drops its reactions, and later edits do nothing", () => {
  const reacted = applyUpdate([msg(1)], react(2, 1, "👍", true));
  const deleted = applyUpdate(reacted, del(3, 1));
  assert.deepEqual(deleted[0], { ...msg(1), text: "", deleted: true });
  assert.equal(applyUpdate(deleted, del(3, 1)), deleted);
  assert.equal(applyUpdate(deleted, edit(4, 1, "back")), deleted);
});

Deno.test("reactions are sets of users per emoji: on, on again, off", () => {
  let list: readonly ChatMessage[] = [msg(1)];
  list = applyUpdate(list, react(2, 1, "👍", true));
  list = applyUpdate(list, react(3, 1, "👍", true, bob));
  const twice = applyUpdate(list, react(3, 1, "👍", true, bob));
  assert.equal(twice, list);
  assert.deepEqual(list[0].reactions, { "👍": ["u_carol", "u_bob"] });
  list = applyUpdate(list, react(4, 1, "👍", false));
  list = applyUpdate(list, react(5, 1, "👍", false, bob));
  assert.equal(list[0].reactions, undefined);
  assert.equal(applyUpdate(list, react(5, 1, "🎉", false)), list);
});

Deno.test("an update to a message not shown leaves the list as it is", () => {
  const list = [msg(5)];
  assert.equal(applyUpdate(list, edit(9, 3, "older")), list);
});
