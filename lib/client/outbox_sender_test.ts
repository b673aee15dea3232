import assert from "node:assert/strict";
import type { ClientFrame } from "../protocol/types.ts";
import { FakeClock } from "./fake_clock.ts";
import { Outbox } from "./outbox.ts";
import { ACK_TIMEOUT, OutboxSender } from "./outbox_sender.ts";
import { MemoryStorage } from "./testing.ts";

function setup() {
  const clock = new FakeClock(0);
  const outbox = new Outbox(new MemoryStorage());
  const sent: ClientFrame[] = [];
  const rejoined: string[] = [];
  const changed: string[] = [];
  let connected = true;
  const joinedRooms = new Set(["general"]);
  const sender = new OutboxSender({
    outbox,
    clock,
    send: (frame) => connected && sent.push(frame) > 0,
    joined: (room) => connected && joinedRooms.has(room),
    rejoin: (room) => rejoined.push(room),
    onChange: (room) => changed.push(room),
    ackTimeoutMs: 10_000,
    backoff: { baseMs: 1_000, maxMs: 8_000, random: () => 1 },
  });
  const write = (id: string, room = "general") =>
    outbox.add({ room, id, text: `text ${id}`, createdAt: clock.now() });
  const sends = () => sent.filter((f) => f.type === "send").map((f) => f.id);
  return {
    clock,
    outbox,
    sender,
    sent,
    sends,
    rejoined,
    changed,
    write,
    joinedRooms,
    setConnected: (v: boolean) => (connected = v),
  };
}

Deno.test("outbox sender: sends joined rooms' entries once; an ack settles them", () => {
  const { sender, outbox, write, sends, changed } = setup();
  write("a");
  write("b", "elsewhere");
  sender.flush();
  sender.flush();
  assert.deepEqual(sends(), ["a"]);
  assert.equal(outbox.get("a")?.state, "sending");
  assert.equal(outbox.get("b")?.state, "queued");
  assert.equal(sender.settle("a")?.text, "text a");
  assert.equal(outbox.get("a"), undefined);
  assert.equal(sender.settle("a"), undefined);
  assert.ok(changed.includes("general"));
});

Deno.test("outbox sender: no ack in time fails the entry; the next join sends it again with its id", () => {
  const { sender, outbox, write, sends, clock } = setup();
  write("a");
  sender.flush();
  clock.advance(10_000);
  assert.equal(outbox.get("a")?.state, "failed");
  assert.equal(outbox.get("a")?.code, ACK_TIMEOUT);
  sender.flush("general");
  assert.deepEqual(sends(), ["a", "a"]);
});

Deno.test("outbox sender: unavailable is sent again automatically, same id, after a growing backoff", () => {
  const { sender, outbox, write, sends, clock } = setup();
  write("a");
  sender.flush();
  const unavailable = {
    type: "error" as const,
    code: "unavailable" as const,
    message: "storage is briefly unreachable",
    ref: "a",
  };
  assert.equal(sender.onError(unavailable), true);
  assert.equal(outbox.get("a")?.state, "queued");
  sender.flush(); // a join meanwhile does not jump the wait
  clock.advance(999);
  assert.deepEqual(sends(), ["a"]);
  clock.advance(1);
  assert.deepEqual(sends(), ["a", "a"]);
  sender.onError(unavailable);
  clock.advance(1_999);
  assert.equal(sends().length, 2);
  clock.advance(1);
  assert.equal(sends().length, 3);
  sender.settle("a");
  assert.equal(clock.pending, 0);
});

Deno.test("outbox sender: rate_limited waits as told; not_joined joins again; other codes fail until retried", () => {
  const { sender, outbox, write, sends, clock, rejoined } = setup();
  write("a");
  write("b");
  write("c");
  sender.flush();
  sender.onError({
    type: "error",
    code: "rate_limited",
    message: "Sending too fast",
    ref: "a",
    retryAfterMs: 300,
  });
  clock.advance(300);
  assert.deepEqual(sends(), ["a", "b", "c", "a"]);
  sender.onError({
    type: "error",
    code: "not_joined",
    message: "join first",
    ref: "b",
  });
  assert.deepEqual(rejoined, ["general"]);
  assert.equal(outbox.get("b")?.state, "queued");
  sender.onError({
    type: "error",
    code: "text_invalid",
    message: "Text is empty",
    ref: "c",
  });
  assert.equal(outbox.get("c")?.state, "failed");
  assert.equal(outbox.get("c")?.error, "Text is empty");
  sender.flush();
  assert.deepEqual(sends(), ["a", "b", "c", "a", "b"], "c waits for a person");
  sender.retry("c");
  assert.deepEqual(sends().at(-1), "c");
  assert.equal(
    sender.onError({ type: "error", code: "internal", message: "x" }),
    false,
  );
});

Deno.test("outbox sender: a lost connection puts entries on their way back in the queue; discard drops one", () => {
  const { sender, outbox, write, sends, clock, setConnected } = setup();
  write("a");
  write("b");
  sender.flush();
  setConnected(false);
  sender.down();
  assert.equal(outbox.get("a")?.state, "queued");
  assert.equal(clock.pending, 0);
  sender.discard("b");
  assert.equal(outbox.get("b"), undefined);
  setConnected(true);
  sender.flush();
  assert.deepEqual(sends(), ["a", "b", "a"]);
});

Deno.test("outbox sender: replies and changes go out as their own frames", () => {
  const { sender, outbox, sent, clock } = setup();
  outbox.add({
    room: "general",
    id: "m",
    text: "yes",
    createdAt: 0,
    replyTo: 3,
  });
  outbox.add({
    room: "general",
    id: "e",
    text: "fixed",
    createdAt: 1,
    change: { type: "edit", target: 3 },
  });
  outbox.add({
    room: "general",
    id: "d",
    text: "",
    createdAt: 2,
    change: { type: "delete", target: 2 },
  });
  outbox.add({
    room: "general",
    id: "r",
    text: "",
    createdAt: 3,
    change: { type: "react", target: 3, emoji: "🎉", on: false },
  });
  sender.flush();
  assert.deepEqual(sent, [
    { type: "send", room: "general", id: "m", text: "yes", replyTo: 3 },
    { type: "edit", room: "general", id: "e", target: 3, text: "fixed" },
    { type: "delete", room: "general", id: "d", target: 2 },
    {
      type: "react",
      room: "general",
      id: "r",
      target: 3,
      emoji: "🎉",
      on: false,
    },
  ]);
  for (const id of ["m", "e", "d", "r"]) sender.settle(id);
  assert.equal(clock.pending, 0);
});
