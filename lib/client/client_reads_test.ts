/**
 * The chat client's read positions and unread counts: `joined.read`,
 * `read` and `unread` events, the `read`, `watch` and `visibility` frames
 * over reconnects (the tracker itself is tested in `read_tracker_test.ts`).
 */
import assert from "node:assert/strict";
import type { ServerEvent, User } from "../protocol/types.ts";
import { ChatClient } from "./client.ts";
import { FakeClock } from "./fake_clock.ts";
import { fakeTransport, MemoryStorage, welcomeEvent } from "./testing.ts";

const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };

const message = (seq: number, user = bob): ServerEvent => ({
  type: "message",
  room: "general",
  seq,
  id: `id${seq}`,
  user,
  text: `text ${seq}`,
  ts: seq,
});

function setup() {
  const fake = fakeTransport();
  const clock = new FakeClock(0);
  const client = new ChatClient({
    transport: fake.factory,
    clock,
    isOnline: () => true,
    token: "tok",
    storage: new MemoryStorage(),
    backoff: { baseMs: 1, maxMs: 4, random: () => 0 },
    pingIntervalMs: 60_000,
  });
  /** Connects (again) and answers the join of `general` at `seq`. */
  const connect = (seq: number, read?: number) => {
    const c = fake.connections.at(-1)!;
    c.open();
    c.deliver(welcomeEvent(alice, "tok"));
    c.deliver({
      type: "joined",
      room: "general",
      seq,
      epoch: "e1",
      messages: [],
      online: [],
      recovered: true,
      ...(read === undefined ? {} : { read }),
    });
    return c;
  };
  return { client, clock, fake, connect };
}

Deno.test("joined.read and read events move the position; markSeen sends the cursor once", () => {
  const { client, clock, connect } = setup();
  client.join("general", { since: 5 });
  client.start();
  const c = connect(5, 3);
  assert.equal(client.reads.position("general"), 3);
  c.deliver(message(6), message(7));
  client.markSeen("general");
  assert.equal(client.reads.position("general"), 7, "at once on the page");
  clock.advance(1_000);
  assert.deepEqual(c.sentOf("read"), [{
    type: "read",
    room: "general",
    seq: 7,
  }]);
  client.markSeen("general");
  clock.advance(1_000);
  assert.equal(c.sentOf("read").length, 1, "nothing new seen: no frame");

  // Another tab read further.
  c.deliver(message(8), { type: "read", room: "general", seq: 8 });
  assert.equal(client.reads.position("general"), 8);
  client.markSeen("general");
  clock.advance(1_000);
  assert.equal(c.sentOf("read").length, 1, "the server has 8 already");
  client.stop();
});

Deno.test("the person's own message moves the position with its ack", () => {
  const { client, clock, connect } = setup();
  client.join("general", { since: 2 });
  client.start();
  const c = connect(2, 2);
  const entry = client.send("general", "hi");
  c.deliver({ type: "ack", room: "general", id: entry.id, seq: 3 });
  assert.equal(client.reads.position("general"), 3);
  clock.advance(1_000);
  assert.deepEqual(c.sentOf("read"), [], "the server moved it itself");
  client.stop();
});

Deno.test("watch and unread counts survive a reconnect", () => {
  const { client, clock, fake, connect } = setup();
  client.join("general", { since: 0 });
  client.reads.watch(["random", "dm-1"]);
  client.start();
  const c = connect(0);
  assert.deepEqual(c.sentOf("watch"), [{
    type: "watch",
    rooms: ["dm-1", "random"],
  }]);
  c.deliver({
    type: "unread",
    room: "random",
    seq: 10,
    read: 4,
    unread: 5,
    mentions: 1,
  });
  assert.deepEqual(client.reads.counts("random"), {
    seq: 10,
    read: 4,
    unread: 5,
    mentions: 1,
  });

  c.drop(1006);
  clock.advance(100);
  const again = connect(0);
  assert.notEqual(again, c);
  assert.equal(fake.connections.length, 2);
  assert.deepEqual(again.sentOf("watch"), [{
    type: "watch",
    rooms: ["dm-1", "random"],
  }], "the new connection watches the same rooms");
  again.deliver({
    type: "unread",
    room: "random",
    seq: 12,
    read: 4,
    unread: 7,
    mentions: 1,
  });
  assert.equal(client.reads.counts("random")?.unread, 7);
  client.stop();
});
