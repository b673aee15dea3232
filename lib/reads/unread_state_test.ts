import { deepEqual, equal } from "node:assert/strict";
import type { ChatMessage, RoomEvent } from "../protocol/types.ts";
import { UnreadState } from "./unread_state.ts";

const me = { id: "u_me", name: "me" };
const other = { id: "u_o", name: "o" };

function message(
  seq: number,
  user = other,
  extra: Partial<ChatMessage> = {},
): ChatMessage {
  return { room: "r", seq, id: `m${seq}`, user, text: "t", ts: seq, ...extra };
}

function remove(seq: number, target: number): RoomEvent {
  return {
    room: "r",
    seq,
    id: `d${seq}`,
    user: other,
    ts: seq,
    type: "delete",
    target,
  };
}

Deno.test("UnreadState: others' messages after the position count; mentions apart", () => {
  const state = new UnreadState(me.id, 2);
  equal(state.apply(message(1)), false); // before the position
  equal(state.apply(message(3)), true);
  equal(state.apply(message(4, other, { mentions: [me.id] })), true);
  equal(state.apply(message(5, other, { mentions: ["u_x"] })), true);
  deepEqual(state.counts(), { seq: 5, read: 2, unread: 3, mentions: 1 });
});

Deno.test("UnreadState: deletions (stored or folded) and reactions", () => {
  const state = new UnreadState(me.id, 0);
  state.apply(message(1, other, { mentions: [me.id] }));
  state.apply(message(2));
  state.apply(message(3, other, { deleted: true, text: "" }));
  equal(
    state.apply(
      { ...remove(4, 1), type: "reaction", emoji: "👍", on: true } as RoomEvent,
    ),
    false,
  );
  equal(state.apply(remove(5, 1)), true);
  equal(state.apply(remove(6, 99)), false); // not counted anyway
  deepEqual(state.counts(), { seq: 6, read: 0, unread: 1, mentions: 0 });
});

Deno.test("UnreadState: one's own message reads everything before it", () => {
  const state = new UnreadState(me.id, 0);
  state.apply(message(1, other, { mentions: [me.id] }));
  state.apply(message(2));
  equal(state.apply(message(3, me)), true);
  state.apply(message(4));
  deepEqual(state.counts(), { seq: 4, read: 3, unread: 1, mentions: 0 });
});

Deno.test("UnreadState: reading moves only forward", () => {
  const state = new UnreadState(me.id, 0);
  state.apply(message(1));
  state.apply(message(2));
  equal(state.readTo(1), true);
  equal(state.readTo(1), false);
  equal(state.readTo(0), false);
  equal(state.read, 1);
  deepEqual(state.counts(7), { seq: 7, read: 1, unread: 1, mentions: 0 });
});

Deno.test("UnreadState: a capped state says so", () => {
  deepEqual(new UnreadState(me.id, 0, true).counts(), {
    seq: 0,
    read: 0,
    unread: 0,
    mentions: 0,
    capped: true,
  });
});
