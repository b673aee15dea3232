import assert from "node:assert/strict";
import type { ChatMessage, ClientFrame } from "../protocol/types.ts";
import { FakeClock } from "./fake_clock.ts";
import { countUnread, readTracker } from "./read_tracker.ts";

function setup(connected = true) {
  const clock = new FakeClock();
  const sent: ClientFrame[] = [];
  const changed: string[] = [];
  let open = true;
  const reads = readTracker({
    clock,
    send: (frame) => open && sent.push(frame) > 0,
    onChange: (room) => changed.push(room),
    debounceMs: 500,
  });
  if (connected) reads.up();
  return {
    clock,
    sent,
    changed,
    reads,
    setOpen: (value: boolean) => open = value,
  };
}

Deno.test("a mark moves the position at once and sends one frame per debounce, with the highest seq", () => {
  const { clock, sent, reads, changed } = setup();
  reads.mark("general", 3);
  assert.equal(reads.position("general"), 3);
  assert.deepEqual(changed, ["general"]);
  assert.deepEqual(sent, [], "not at once");
  clock.advance(200);
  reads.mark("general", 5);
  clock.advance(300);
  assert.deepEqual(sent, [{ type: "read", room: "general", seq: 5 }]);
  // Marks keep coming while messages arrive: still at most one per 500 ms.
  reads.mark("general", 6);
  clock.advance(100);
  reads.mark("general", 7);
  clock.advance(400);
  assert.deepEqual(sent.slice(1), [{ type: "read", room: "general", seq: 7 }]);
});

Deno.test("never a frame for a position the server has already", () => {
  const { clock, sent, reads } = setup();
  reads.learn("general", 10); // joined.read
  reads.mark("general", 8);
  reads.mark("general", 10);
  clock.advance(1_000);
  assert.deepEqual(sent, []);
  assert.equal(reads.position("general"), 10);

  // Marked locally, then another tab moved it further before the frame left.
  reads.mark("general", 12);
  reads.learn("general", 14);
  clock.advance(1_000);
  assert.deepEqual(sent, []);
  assert.equal(reads.position("general"), 14);

  // Nothing moves backwards.
  reads.learn("general", 2);
  assert.equal(reads.position("general"), 14);
});

Deno.test("a position marked while disconnected is sent after the reconnect", () => {
  const { clock, sent, reads, setOpen } = setup();
  reads.mark("general", 4);
  reads.down();
  setOpen(false);
  clock.advance(1_000);
  reads.mark("general", 6);
  clock.advance(1_000);
  assert.deepEqual(sent, []);
  setOpen(true);
  reads.up();
  clock.advance(500);
  assert.deepEqual(sent, [{ type: "read", room: "general", seq: 6 }]);
});

Deno.test("a frame the link refused is sent again after the reconnect", () => {
  const { clock, sent, reads, setOpen } = setup();
  setOpen(false); // the socket died before the client noticed
  reads.mark("general", 4);
  clock.advance(500);
  assert.deepEqual(sent, []);
  reads.down();
  setOpen(true);
  reads.up();
  clock.advance(500);
  assert.deepEqual(sent, [{ type: "read", room: "general", seq: 4 }]);
});

Deno.test("watch: sent when the list changes and after every reconnect", () => {
  const { sent, reads } = setup(false);
  reads.watch(["b", "a", "a"]);
  assert.deepEqual(sent, [], "not connected yet");
  reads.up();
  assert.deepEqual(sent, [{ type: "watch", rooms: ["a", "b"] }]);
  reads.watch(["a", "b"]);
  assert.equal(sent.length, 1, "the same list is not sent again");
  reads.watch(["a", "c"]);
  assert.deepEqual(sent[1], { type: "watch", rooms: ["a", "c"] });
  reads.down();
  reads.up();
  assert.deepEqual(sent[2], { type: "watch", rooms: ["a", "c"] });
});

Deno.test("unread frames of watched rooms are kept, others dropped", () => {
  const { reads, changed } = setup();
  reads.watch(["a"]);
  const counts = { seq: 9, read: 4, unread: 3, mentions: 1 };
  reads.onUnread("a", counts);
  reads.onUnread("b", counts);
  assert.deepEqual(reads.counts("a"), counts);
  assert.equal(reads.counts("b"), undefined);
  assert.equal(reads.position("a"), 4);
  assert.ok(changed.includes("a"));
  reads.watch([]);
  assert.equal(reads.counts("a"), undefined, "unwatched: forgotten");
});

Deno.test("visibility: sent when it changes, and after a reconnect while hidden", () => {
  const { sent, reads } = setup();
  reads.setHidden(false);
  assert.deepEqual(sent, [], "visible is what the server assumes");
  reads.setHidden(true);
  assert.deepEqual(sent, [{ type: "visibility", hidden: true }]);
  reads.down();
  reads.up();
  assert.deepEqual(sent[1], { type: "visibility", hidden: true });
  reads.setHidden(false);
  assert.deepEqual(sent[2], { type: "visibility", hidden: false });
  reads.down();
  reads.up();
  assert.equal(sent.length, 3, "shown: nothing to say after a reconnect");
});

Deno.test("countUnread: others' undeleted messages after the position, and mentions of me", () => {
  const m = (
    seq: number,
    user: string,
    extra: Partial<ChatMessage> = {},
  ): ChatMessage => ({
    room: "r",
    seq,
    id: `id${seq}`,
    user: { id: user, name: user },
    text: "x",
    ts: 0,
    ...extra,
  });
  const messages = [
    m(1, "bob"),
    m(2, "bob", { mentions: ["me"] }),
    m(3, "me"),
    m(4, "bob", { deleted: true, text: "" }),
    m(5, "carol", { mentions: ["me", "bob"] }),
    m(6, "carol", { mentions: ["bob"] }),
  ];
  assert.deepEqual(countUnread(messages, 0, "me"), { unread: 4, mentions: 2 });
  assert.deepEqual(countUnread(messages, 2, "me"), { unread: 2, mentions: 1 });
  assert.deepEqual(countUnread(messages, 6, "me"), { unread: 0, mentions: 0 });
});
