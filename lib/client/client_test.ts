import assert from "node:assert/strict";
import type { ChatMessage, ServerEvent, User } from "../protocol/types.ts";
import { ChatClient, type ClientEvent } from "./client.ts";
import { OUTBOX_KEY } from "./outbox.ts";
import { FakeClock } from "./fake_clock.ts";
import { fakeTransport, MemoryStorage, welcomeEvent } from "./testing.ts";

const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };

function msg(
  seq: number,
  user: User = bob,
  id = `id${seq}`,
  room = "general",
): ChatMessage {
  return { room, seq, id, user, text: `text ${seq}`, ts: 1_000 + seq };
}
const asEvent = (m: ChatMessage): ServerEvent => ({ type: "message", ...m });
const welcome = (user: User = alice, token = "tok"): ServerEvent =>
  welcomeEvent(user, token);
const joined = (
  seq: number,
  messages: ChatMessage[] = [],
  recovered = true,
): Extract<ServerEvent, { type: "joined" }> => ({
  type: "joined",
  room: "general",
  seq,
  epoch: "e1",
  messages,
  online: [alice],
  recovered,
});

function setup(options: { storage?: MemoryStorage; token?: string } = {}) {
  const fake = fakeTransport();
  const clock = new FakeClock(0);
  const storage = options.storage ?? new MemoryStorage();
  const client = new ChatClient({
    transport: fake.factory,
    clock,
    isOnline: () => true,
    token: options.token ?? "tok",
    storage,
    backoff: { baseMs: 1, maxMs: 4, random: () => 0 },
    pingIntervalMs: 60_000,
  });
  const events: ClientEvent[] = [];
  client.on((e) => events.push(e));
  // Messages reach listeners in `joined` replies and as live `message` events.
  const delivered = () =>
    events.flatMap((e) =>
      e.type === "message"
        ? [e.message.seq]
        : e.type === "joined"
        ? e.messages.map((m) => m.seq)
        : []
    );
  return { client, clock, fake, storage, events, delivered };
}

Deno.test("hello with the token, then join with since once welcomed", () => {
  const { client, fake, events } = setup();
  client.join("general", { since: 7 });
  client.start();
  assert.equal(client.status, "connecting");
  const c = fake.connections[0];
  c.open();
  assert.deepEqual(c.sent, [{ type: "hello", token: "tok" }]);
  c.deliver(welcome());
  assert.equal(client.status, "connected");
  assert.deepEqual(c.sentOf("join"), [{
    type: "join",
    room: "general",
    since: 7,
  }]);
  assert.ok(events.some((e) => e.type === "welcome"));
  client.stop();
});

Deno.test("array frames are handled in order; duplicates dropped; gaps re-join with since", () => {
  const { client, fake, delivered } = setup();
  client.join("general");
  client.start();
  const c = fake.connections[0];
  c.open();
  // One frame carrying several events, as the server may coalesce.
  c.deliver(
    welcome(),
    joined(2, [msg(1), msg(2)]),
    asEvent(msg(3)),
    asEvent(msg(3)),
    asEvent(msg(2)),
  );
  assert.deepEqual(delivered(), [1, 2, 3]);
  c.deliver(asEvent(msg(5))); // 4 is missing
  assert.deepEqual(c.sentOf("join").at(-1), {
    type: "join",
    room: "general",
    since: 3,
    epoch: "e1",
  });
  c.deliver(asEvent(msg(6))); // ignored while re-joining
  c.deliver(joined(6, [msg(4), msg(5), msg(6)]));
  c.deliver(asEvent(msg(7)));
  assert.deepEqual(delivered(), [1, 2, 3, 4, 5, 6, 7]);
  client.stop();
});

Deno.test("a message written while disconnected is persisted, then sent once with its id", () => {
  const { client, clock, fake, storage, events } = setup();
  client.join("general");
  client.start();
  fake.connections[0].drop(1006); // the server is down
  const entry = client.send("general", "hello while down  \n");
  assert.equal(
    entry.text,
    "hello while down",
    "trailing space trimmed as the contract says",
  );
  assert.equal(client.outbox.get(entry.id)?.state, "queued");
  assert.match(storage.getItem(OUTBOX_KEY)!, /hello while down/);

  clock.advance(10_000);
  const c = fake.connections.at(-1)!;
  assert.notEqual(c, fake.connections[0], "reconnected");
  c.open();
  c.deliver(welcome(), joined(4));
  const sends = c.sentOf("send");
  assert.deepEqual(sends, [{
    type: "send",
    room: "general",
    id: entry.id,
    text: "hello while down",
  }]);
  assert.equal(client.outbox.get(entry.id)?.state, "sending");

  c.deliver(
    { type: "ack", id: entry.id, room: "general", seq: 5 },
    asEvent(msg(5, alice, entry.id)),
  );
  assert.equal(client.outbox.get(entry.id), undefined);
  assert.equal(storage.getItem(OUTBOX_KEY), null);
  assert.ok(events.some((e) => e.type === "ack" && e.seq === 5));
  client.stop();
});

Deno.test("after a drop, unacked sends are resent with the same id and resumed with since", () => {
  const { client, clock, fake, delivered } = setup();
  client.join("general");
  client.start();
  const c1 = fake.connections[0];
  c1.open();
  c1.deliver(welcome(), joined(3, [msg(1), msg(2), msg(3)]));
  const entry = client.send("general", "in flight");
  assert.equal(c1.sentOf("send").length, 1);
  c1.drop(1012, "server restarting");
  assert.equal(client.status, "reconnecting");
  assert.equal(client.outbox.get(entry.id)?.state, "queued");

  clock.advance(10_000);
  const c2 = fake.connections[1];
  c2.open();
  c2.deliver(welcome(alice, "tok2"));
  assert.deepEqual(c2.sent[0], { type: "hello", token: "tok" });
  assert.deepEqual(c2.sentOf("join"), [{
    type: "join",
    room: "general",
    since: 3,
    epoch: "e1",
  }]);
  // The message had been stored before the drop: the resume carries it, and
  // that settles the outbox entry without sending it again.
  c2.deliver(joined(4, [msg(4, alice, entry.id)]));
  assert.equal(c2.sentOf("send").length, 0);
  assert.equal(client.outbox.get(entry.id), undefined);
  assert.deepEqual(delivered(), [1, 2, 3, 4]);
  assert.equal(client.token, "tok2");
  client.stop();
});

Deno.test("the outbox survives a reload: a new client sends what the old one could not", () => {
  const storage = new MemoryStorage();
  const first = setup({ storage });
  first.client.join("general");
  first.client.start();
  const entry = first.client.send("general", "written offline");
  first.client.stop();

  const second = setup({ storage });
  second.client.join("general", { since: 10 });
  second.client.start();
  const c = second.fake.connections[0];
  c.open();
  c.deliver(welcome(), joined(10));
  assert.deepEqual(c.sentOf("send").map((s) => s.id), [entry.id]);
  // A duplicate ack (the server had it) settles it all the same.
  c.deliver({ type: "ack", id: entry.id, room: "general", seq: 9 });
  assert.equal(second.client.outbox.list().length, 0);
  second.client.stop();
});

Deno.test("a refused message fails; retry sends it again with the same id", () => {
  const { client, fake } = setup();
  client.join("general");
  client.start();
  const c = fake.connections[0];
  c.open();
  c.deliver(welcome(), joined(0));
  const entry = client.send("general", "x");
  c.deliver({
    type: "error",
    code: "internal",
    message: "boom",
    ref: entry.id,
  });
  assert.equal(client.outbox.get(entry.id)?.state, "failed");
  assert.equal(client.outbox.get(entry.id)?.error, "boom");
  client.retry(entry.id);
  assert.deepEqual(c.sentOf("send").map((s) => s.id), [entry.id, entry.id]);
  assert.equal(client.outbox.get(entry.id)?.state, "sending");
  client.discard(entry.id);
  assert.equal(client.outbox.list().length, 0);
  client.stop();
});

Deno.test("send validates like the contract, before storing anything", () => {
  const { client } = setup();
  assert.throws(() => client.send("general", "   "), /Text must be/);
  assert.throws(() => client.send("General", "hi"), /invalid/);
  assert.equal(client.outbox.list().length, 0);
});

Deno.test("recovered:false replaces the timeline; presence and typing are reported", () => {
  const { client, fake, events } = setup();
  client.join("general", { since: 3 });
  client.start();
  const c = fake.connections[0];
  c.open();
  c.deliver(welcome(), joined(500, [msg(499), msg(500)], false));
  const j = events.find((e) => e.type === "joined");
  assert.ok(
    j && j.type === "joined" && !j.recovered && j.messages.length === 2 &&
      j.seq === 500,
  );
  c.deliver({ type: "presence", room: "general", joins: [bob], leaves: [] });
  assert.deepEqual(client.online("general").map((u) => u.name).sort(), [
    "alice",
    "bob",
  ]);
  c.deliver({ type: "typing", room: "general", user: bob }, {
    type: "typing",
    room: "general",
    user: alice,
  });
  assert.equal(
    events.filter((e) => e.type === "typing").length,
    1,
    "own typing is not shown",
  );
  client.typing("general");
  client.typing("general");
  assert.equal(c.sentOf("typing").length, 1, "typing is throttled");
  client.stop();
});

Deno.test("a server restart: reconnect attempts back off until the server is back", () => {
  const { client, clock, fake, events } = setup();
  client.join("general");
  client.start();
  fake.connections[0].open();
  fake.connections[0].deliver(welcome(), joined(0));
  fake.connections[0].drop(1012);
  clock.advance(10_000);
  fake.connections[1].drop(1006); // refused: still down
  clock.advance(10_000);
  fake.connections[2].open();
  fake.connections[2].deliver(welcome(), joined(0));
  assert.equal(client.status, "connected");
  const phases = events.flatMap((e) =>
    e.type === "status" ? [`${e.status}/${e.link.phase}`] : []
  );
  // Each loss waits (the countdown), then tries.
  assert.deepEqual(phases, [
    "connecting/connecting",
    "connected/open",
    "reconnecting/waiting",
    "reconnecting/connecting",
    "reconnecting/waiting",
    "reconnecting/connecting",
    "connected/open",
  ]);
  client.stop();
});

Deno.test("a transport that fails to open is retried like a failed attempt", () => {
  const fake = fakeTransport();
  const clock = new FakeClock(0);
  let attempts = 0;
  const client = new ChatClient({
    transport: (handlers) => {
      if (attempts++ === 0) throw new DOMException("refused", "SecurityError");
      return fake.factory(handlers);
    },
    token: "tok",
    clock,
    isOnline: () => true,
    storage: new MemoryStorage(),
    backoff: { baseMs: 1, maxMs: 4, random: () => 0 },
  });
  client.start();
  assert.equal(client.status, "reconnecting");
  clock.advance(10_000);
  fake.connections[0].open();
  fake.connections[0].deliver(welcome());
  assert.equal(client.status, "connected");
  client.stop();
});

Deno.test("the room view: folded messages, pending states, typing, the online list stale while disconnected", () => {
  const { client, clock, fake } = setup();
  client.join("general", {
    since: 2,
    epoch: "e1",
    messages: [msg(1), msg(2)],
    online: [alice],
  });
  const before = client.view("general");
  assert.equal(before.onlineStale, true);
  assert.equal(client.view("general"), before, "same object until a change");
  client.start();
  const c = fake.connections[0];
  c.open();
  c.deliver(welcome(), joined(2));
  assert.equal(client.view("general").onlineStale, false);
  const entry = client.send("general", "mine");
  assert.deepEqual(
    client.view("general").pending.map((p) => [p.entry.text, p.entry.state]),
    [["mine", "sending"]],
  );
  c.deliver({ type: "ack", id: entry.id, room: "general", seq: 3 });
  assert.deepEqual(client.view("general").pending.map((p) => p.seq), [3]);
  c.deliver(
    asEvent(msg(3, alice, entry.id)),
    {
      type: "edit",
      room: "general",
      seq: 4,
      id: "e4",
      user: bob,
      ts: 9,
      target: 2,
      text: "two, edited",
    },
    { type: "typing", room: "general", user: bob },
  );
  const view = client.view("general");
  assert.deepEqual(view.pending, []);
  assert.deepEqual(view.messages.map((m) => m.text), [
    "text 1",
    "two, edited",
    "text 3",
  ]);
  assert.deepEqual(view.typing, [bob]);
  clock.advance(4_000);
  assert.deepEqual(client.view("general").typing, []);
  c.drop(1006);
  assert.equal(client.view("general").onlineStale, true);
  assert.deepEqual(client.view("general").online, [alice]);
  client.stop();
});

Deno.test("a resume after a disconnect applies the messages and changes made meanwhile", () => {
  const { client, clock, fake, events } = setup();
  client.join("general", { since: 2, epoch: "e1", messages: [msg(1), msg(2)] });
  client.start();
  fake.connections[0].open();
  fake.connections[0].deliver(welcome(), joined(2));
  fake.connections[0].drop(1006);
  clock.advance(10_000);
  const c = fake.connections[1];
  c.open();
  c.deliver(welcome());
  assert.deepEqual(c.sentOf("join")[0], {
    type: "join",
    room: "general",
    since: 2,
    epoch: "e1",
  });
  c.deliver({
    ...joined(5, [msg(3)]),
    updates: [
      {
        type: "delete",
        room: "general",
        seq: 4,
        id: "d4",
        user: bob,
        ts: 9,
        target: 1,
      },
      {
        type: "reaction",
        room: "general",
        seq: 5,
        id: "r5",
        user: alice,
        ts: 9,
        target: 3,
        emoji: "🎉",
        on: true,
      },
    ],
  });
  const view = client.view("general");
  assert.deepEqual(view.messages.map((m) => [m.seq, m.text, m.deleted]), [
    [1, "", true],
    [2, "text 2", undefined],
    [3, "text 3", undefined],
  ]);
  assert.deepEqual(view.messages[2].reactions, { "🎉": [alice.id] });
  assert.equal(events.filter((e) => e.type === "update").length, 2);
  // The next live event continues after the updates.
  c.deliver(asEvent(msg(6)));
  assert.equal(client.view("general").messages.at(-1)?.seq, 6);
  client.stop();
});

Deno.test("history over the connection: an error answers the room that asked, and the page merges into the view", async () => {
  const { client, fake } = setup();
  client.join("alpha", { since: 50, messages: [msg(50, bob, "a50", "alpha")] });
  client.join("beta", { since: 80 });
  client.start();
  const c = fake.connections[0];
  c.open();
  c.deliver(welcome(), { ...joined(50), room: "alpha" }, {
    ...joined(80),
    room: "beta",
  });
  const a = client.history("alpha", 50);
  const b = client.history("beta", 80);
  c.deliver({
    type: "history",
    room: "alpha",
    messages: [msg(49, bob, "a49", "alpha")],
    hasMore: false,
  });
  assert.deepEqual((await a).messages.map((m) => m.seq), [49]);
  assert.deepEqual(client.view("alpha").messages.map((m) => m.seq), [49, 50]);
  c.deliver({
    type: "error",
    code: "internal",
    message: "beta's history failed",
    ref: "history",
  });
  await assert.rejects(b, /beta's history failed/);
  client.stop();
});

Deno.test("unavailable: the message is sent again by itself with the same id", () => {
  const { client, clock, fake } = setup();
  client.join("general");
  client.start();
  const c = fake.connections[0];
  c.open();
  c.deliver(welcome(), joined(0));
  const entry = client.send("general", "during a storage hiccup");
  c.deliver({
    type: "error",
    code: "unavailable",
    message: "Storage is briefly unreachable",
    ref: entry.id,
  });
  assert.equal(client.outbox.get(entry.id)?.state, "queued");
  clock.advance(10_000);
  assert.deepEqual(c.sentOf("send").map((s) => s.id), [entry.id, entry.id]);
  c.deliver({ type: "ack", id: entry.id, room: "general", seq: 1 });
  assert.equal(client.outbox.list().length, 0);
  client.stop();
});

Deno.test("refused with 1008: stopped, no retries, until the person reconnects", () => {
  const { client, clock, fake } = setup();
  client.start();
  fake.connections[0].open();
  fake.connections[0].deliver(welcome());
  fake.connections[0].drop(1008, "origin not allowed");
  assert.equal(client.status, "stopped");
  assert.deepEqual(client.link, {
    phase: "closed",
    code: 1008,
    reason: "origin not allowed",
  });
  clock.advance(120_000);
  assert.equal(fake.connections.length, 1);
  client.reconnectNow();
  assert.equal(fake.connections.length, 2);
  client.stop();
});

Deno.test("edits, deletions, reactions and replies go through the outbox; their events settle them", () => {
  const { client, fake } = setup();
  client.join("general", { since: 3, epoch: "e1", messages: [msg(3, alice)] });
  client.start();
  const c = fake.connections[0];
  c.open();
  c.deliver(welcome(), joined(3));
  const reply = client.send("general", "a reply", 3);
  const edit = client.edit("general", 3, "three, fixed");
  const react = client.react("general", 3, "👍");
  const del = client.remove("general", 3);
  assert.throws(() => client.react("general", 3, "not an emoji"));
  assert.deepEqual(c.sent.slice(-4), [
    {
      type: "send",
      room: "general",
      id: reply.id,
      text: "a reply",
      replyTo: 3,
    },
    {
      type: "edit",
      room: "general",
      id: edit.id,
      target: 3,
      text: "three, fixed",
    },
    {
      type: "react",
      room: "general",
      id: react.id,
      target: 3,
      emoji: "👍",
      on: true,
    },
    { type: "delete", room: "general", id: del.id, target: 3 },
  ]);
  // Only the new message is pending as a message; the rest are changes.
  assert.deepEqual(client.view("general").pending.map((p) => p.entry.id), [
    reply.id,
  ]);
  assert.equal(client.view("general").changes.length, 3);
  // The edit's ack; the reaction's own event (no ack yet) settles it too.
  c.deliver({ type: "ack", room: "general", id: edit.id, seq: 5 });
  c.deliver(
    asEvent({ ...msg(4, alice, reply.id), replyTo: 3 }),
    {
      type: "edit",
      room: "general",
      seq: 5,
      id: edit.id,
      user: alice,
      ts: 5,
      target: 3,
      text: "three, fixed",
    },
    {
      type: "reaction",
      room: "general",
      seq: 6,
      id: react.id,
      user: alice,
      ts: 6,
      target: 3,
      emoji: "👍",
      on: true,
    },
  );
  const view = client.view("general");
  assert.deepEqual(view.pending, []);
  assert.deepEqual(view.changes.map((e) => e.id), [del.id]);
  assert.equal(view.messages[0].text, "three, fixed");
  assert.deepEqual(view.messages[0].reactions, { "👍": [alice.id] });
  assert.equal(view.messages[1].replyTo, 3);
  client.stop();
});

Deno.test("a join the server could not serve (unavailable) is asked again by itself", () => {
  const { client, clock, fake } = setup();
  client.join("general", { since: 4, epoch: "e1" });
  client.start();
  const c = fake.connections[0];
  c.open();
  c.deliver(welcome(), {
    type: "error",
    code: "unavailable",
    message: "Storage is briefly unreachable",
    ref: "join",
  });
  assert.equal(c.sentOf("join").length, 1);
  clock.advance(1_000);
  assert.deepEqual(c.sentOf("join"), [
    { type: "join", room: "general", since: 4, epoch: "e1" },
    { type: "join", room: "general", since: 4, epoch: "e1" },
  ]);
  c.deliver(joined(4));
  clock.advance(10_000);
  assert.equal(c.sentOf("join").length, 2, "a joined room is not asked again");
  client.stop();
});

Deno.test("a ban ending the room is an event with its reason; a reply to leave is not", () => {
  const { client, fake } = setup();
  const events: ClientEvent[] = [];
  client.on((e) => events.push(e));
  client.join("general");
  client.start();
  const c = fake.connections[0];
  c.open();
  c.deliver(welcome(), joined(0));
  c.deliver({ type: "left", room: "general" });
  c.deliver({ type: "left", room: "general", reason: "banned" });
  assert.deepEqual(events.filter((e) => e.type === "left"), [
    { type: "left", room: "general", reason: "banned" },
  ]);
  client.stop();
});

Deno.test("a slow-mode refusal says how long to wait, and the message waits its turn", () => {
  const { client, fake } = setup();
  const events: ClientEvent[] = [];
  client.on((e) => events.push(e));
  client.join("general");
  client.start();
  const c = fake.connections[0];
  c.open();
  c.deliver(welcome(), joined(0));
  const entry = client.send("general", "again");
  c.deliver({
    type: "error",
    code: "slow_mode",
    message: "slow",
    ref: entry.id,
    retryAfterMs: 9_000,
  });
  const error = events.find((e) => e.type === "error");
  assert.equal(error?.type === "error" && error.retryAfterMs, 9_000);
  assert.equal(client.outbox.get(entry.id)?.state, "queued");
  client.stop();
});
