import assert from "node:assert/strict";
import type {
  ChatMessage,
  RoomUpdate,
  ServerEvent,
  User,
} from "../protocol/types.ts";
import { type JoinedEvent, RoomSync } from "./room_sync.ts";

const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };
const msg = (seq: number, user: User = bob): ChatMessage => ({
  room: "general",
  seq,
  id: `m${seq}`,
  user,
  text: `text ${seq}`,
  ts: seq,
});
const live = (seq: number): Extract<ServerEvent, { type: "message" }> => ({
  type: "message",
  ...msg(seq),
});
const edit = (seq: number, target: number, text: string): RoomUpdate => ({
  type: "edit",
  room: "general",
  seq,
  id: `e${seq}`,
  user: bob,
  ts: 100 + seq,
  target,
  text,
});
const del = (seq: number, target: number): RoomUpdate => ({
  type: "delete",
  room: "general",
  seq,
  id: `d${seq}`,
  user: bob,
  ts: 100 + seq,
  target,
});
const react = (seq: number, target: number, on = true): RoomUpdate => ({
  type: "reaction",
  room: "general",
  seq,
  id: `r${seq}`,
  user: alice,
  ts: 100 + seq,
  target,
  emoji: "👍",
  on,
});
const joined = (
  seq: number,
  messages: ChatMessage[],
  updates: RoomUpdate[] = [],
  recovered = true,
): JoinedEvent => ({
  type: "joined",
  room: "general",
  seq,
  epoch: "e1",
  messages,
  updates,
  online: [alice, bob],
  recovered,
});
const seqs = (sync: RoomSync) => sync.messages.map((m) => m.seq);

Deno.test("room sync: join from the page's cursor in its epoch; nothing before welcome", () => {
  const sync = new RoomSync("general", { cursor: 7, epoch: "e0" });
  assert.equal(sync.phase, "waiting");
  assert.equal(sync.onLive(live(8)), "held");
  assert.deepEqual(sync.joinFrame(), {
    type: "join",
    room: "general",
    since: 7,
    epoch: "e0",
  });
  assert.equal(sync.phase, "joining");
  assert.deepEqual(new RoomSync("x").joinFrame(), { type: "join", room: "x" });
});

Deno.test("room sync: live events in order once; a gap asks for a re-join from the cursor", () => {
  const sync = new RoomSync("general");
  sync.joinFrame();
  assert.deepEqual(sync.onJoined(joined(2, [msg(1), msg(2)])).length, 2);
  assert.equal(sync.onLive(live(3)), "applied");
  assert.equal(sync.onLive(live(3)), "duplicate");
  assert.equal(sync.onLive(live(2)), "duplicate");
  assert.equal(sync.onLive(live(5)), "gap");
  assert.equal(sync.onLive(live(6)), "held");
  assert.deepEqual(sync.joinFrame().since, 3);
  sync.onJoined(joined(6, [msg(4), msg(5), msg(6)]));
  assert.equal(sync.onLive(live(7)), "applied");
  assert.deepEqual(seqs(sync), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(sync.cursor, 7);
});

Deno.test("room sync: live edits, deletions and reactions fold into the messages and move the cursor", () => {
  const sync = new RoomSync("general", {
    cursor: 2,
    epoch: "e1",
    messages: [msg(1), msg(2)],
  });
  sync.joinFrame();
  sync.onJoined(joined(2, []));
  assert.equal(sync.onLive(edit(3, 1, "one, fixed")), "applied");
  assert.equal(sync.onLive(react(4, 2)), "applied");
  assert.equal(sync.onLive(del(5, 1)), "applied");
  assert.equal(sync.onLive(react(4, 2)), "duplicate");
  assert.equal(sync.cursor, 5);
  assert.deepEqual(sync.messages[0], {
    ...msg(1),
    text: "",
    deleted: true,
  });
  assert.deepEqual(sync.messages[1].reactions, { "👍": ["u_alice"] });
  // An update skipping ahead is a gap like a message.
  assert.equal(sync.onLive(edit(7, 2, "late")), "gap");
});

Deno.test("room sync: a resume with updates applies messages and changes alike, even over folded copies", () => {
  const sync = new RoomSync("general", {
    cursor: 3,
    epoch: "e1",
    messages: [msg(1), msg(2), msg(3)],
  });
  sync.joinFrame();
  // Missed while away: 4 (a message), an edit of 2, a reaction to 4, a deletion of 3.
  // The replayed message 4 is already folded (it carries its reaction).
  const folded4 = { ...msg(4), reactions: { "👍": ["u_alice"] } };
  const fresh = sync.onJoined(
    joined(8, [folded4], [edit(5, 2, "two, fixed"), react(6, 4), del(7, 3)]),
  );
  assert.deepEqual(fresh.map((m) => m.seq), [4]);
  // Nothing covers 8 in this reply: it follows as a live event.
  assert.equal(sync.cursor, 7);
  assert.equal(sync.onLive(react(8, 4, false)), "applied");
  assert.deepEqual(sync.messages.map((m) => m.text), [
    "text 1",
    "two, fixed",
    "",
    "text 4",
  ]);
  assert.equal(sync.messages[1].edited, 105);
  assert.equal(sync.messages[2].deleted, true);
  assert.equal(sync.messages[3].reactions, undefined);
});

Deno.test("room sync: a reply with nothing new moves to the head; one the server could not resume replaces the page", () => {
  const sync = new RoomSync("general", { cursor: 3, messages: [msg(3)] });
  sync.joinFrame();
  sync.onJoined(joined(5, []));
  assert.equal(sync.cursor, 5);
  sync.down();
  sync.joinFrame();
  const fresh = sync.onJoined(joined(40, [msg(39), msg(40)], [], false));
  assert.deepEqual(fresh.map((m) => m.seq), [39, 40]);
  assert.deepEqual(seqs(sync), [39, 40]);
  assert.equal(sync.cursor, 40);
  assert.equal(sync.hasMore, true);
});

Deno.test("room sync: presence while joined; the online list is stale while not", () => {
  const sync = new RoomSync("general", { cursor: 0, online: [alice] });
  assert.equal(sync.onlineStale, true);
  sync.joinFrame();
  sync.onJoined(joined(0, []));
  assert.equal(sync.onlineStale, false);
  const carol: User = { id: "u_carol", name: "carol" };
  sync.onPresence([carol], [bob]);
  assert.deepEqual(sync.online.map((u) => u.name), ["alice", "carol"]);
  sync.down();
  assert.equal(sync.onlineStale, true);
  assert.equal(sync.phase, "waiting");
});

Deno.test("room sync: older pages merge before the messages shown", () => {
  const sync = new RoomSync("general", {
    cursor: 10,
    messages: [msg(9), msg(10)],
    hasMore: true,
  });
  sync.addOlder([msg(7), msg(8), msg(9)], false);
  assert.deepEqual(seqs(sync), [7, 8, 9, 10]);
  assert.equal(sync.hasMore, false);
});
