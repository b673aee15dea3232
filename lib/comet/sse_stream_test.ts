import assert, { deepEqual, equal } from "node:assert/strict";
import { type SseEvent, SseParser } from "../../tests/helpers/sse_client.ts";
import { type SseCloseReason, SseStream } from "./sse_stream.ts";
import { FakeChat, StreamTap } from "./test_support.ts";

const user = { id: "u_9", name: "zoe" };

function open(chat: FakeChat, maxQueuedBytes = 1 << 20) {
  const closes: SseCloseReason[] = [];
  const stream = new SseStream(chat, {
    room: "r",
    user,
    maxQueuedBytes,
    retryMs: 1500,
    onClose: (_, reason) => closes.push(reason),
  });
  return { stream, closes };
}

function parse(text: string): { events: SseEvent[]; retry?: number } {
  const events: SseEvent[] = [];
  let retry: number | undefined;
  const parser = new SseParser((e) => events.push(e), () => {}, (ms) => {
    retry = ms;
  });
  parser.push(text);
  return { events, retry };
}

Deno.test("SSE stream: retry hint, joined, the missed messages, then live", async () => {
  const chat = new FakeChat(5);
  const { stream } = open(chat);
  const tap = new StreamTap(stream.readable);
  await stream.open(2);
  chat.post(2);
  chat.typing({ id: "u_2", name: "bo" });
  await StreamTap.settle();
  const { events, retry } = parse(tap.text);
  equal(retry, 1500);
  assert(tap.text.startsWith("retry: 1500\n\n"));
  deepEqual(events.map((e) => e.event), [
    "joined",
    "message",
    "message",
    "message",
    "message",
    "message",
    "typing",
  ]);
  const joined = JSON.parse(events[0].data);
  deepEqual(joined, {
    type: "joined",
    room: "r",
    seq: 5,
    epoch: "e1",
    online: [user],
    recovered: true,
  });
  equal(events[0].id, "2", "joined marks the resume point");
  deepEqual(
    events.filter((e) => e.event === "message").map((e) =>
      JSON.parse(e.data).seq
    ),
    [3, 4, 5, 6, 7],
  );
  deepEqual(
    events.filter((e) => e.event === "message").map((e) => e.id),
    ["3", "4", "5", "6", "7"],
  );
  deepEqual(
    JSON.parse(events[1].data),
    chat.stored[2],
    "data is the message object",
  );
  equal(JSON.parse(events[6].data).user.name, "bo");
  stream.close("shutdown");
  await tap.done;
  equal(chat.leaves, 1);
});

Deno.test("SSE stream: a since beyond history sends reset before joined", async () => {
  const chat = new FakeChat(3);
  const { stream } = open(chat);
  const tap = new StreamTap(stream.readable);
  await stream.open(10);
  await StreamTap.settle();
  const { events } = parse(tap.text);
  deepEqual(events.map((e) => e.event), [
    "reset",
    "joined",
    "message",
    "message",
    "message",
  ]);
  deepEqual(JSON.parse(events[0].data), { type: "reset", room: "r", seq: 3 });
  equal(JSON.parse(events[1].data).recovered, false);
  equal(events[1].id, "0");
  stream.close("shutdown");
});

Deno.test("SSE stream: an empty room still sets an id", async () => {
  const chat = new FakeChat(0);
  const { stream } = open(chat);
  const tap = new StreamTap(stream.readable);
  await stream.open(undefined);
  await StreamTap.settle();
  const { events } = parse(tap.text);
  deepEqual(events.map((e) => [e.event, e.id]), [["joined", "0"]]);
  stream.close("shutdown");
});

Deno.test("SSE stream: the client going away leaves the room once", async () => {
  const chat = new FakeChat(1);
  const { stream, closes } = open(chat);
  await stream.open(undefined);
  const reader = stream.readable.getReader();
  await reader.read();
  await reader.cancel();
  deepEqual(closes, ["client"]);
  equal(chat.leaves, 1);
  chat.post(); // nothing is queued on a closed stream
  stream.close("shutdown");
  equal(chat.leaves, 1);
});

Deno.test("SSE stream: cancelled while joining, it leaves after the join", async () => {
  const chat = new FakeChat(1);
  let release!: () => void;
  chat.gate = new Promise((r) => release = r);
  const { stream, closes } = open(chat);
  const opening = stream.open(undefined);
  await stream.readable.cancel();
  equal(chat.leaves, 0, "not joined yet: nothing to leave");
  release();
  await opening;
  equal(chat.leaves, 1);
  equal(chat.subscriptions.size, 0);
  deepEqual(closes, ["client"]);
});

Deno.test("SSE stream: a reader that stops reading is cut off at the bound", async () => {
  const chat = new FakeChat(0);
  const { stream, closes } = open(chat, 2_000);
  await stream.open(undefined);
  let posted = 0;
  while (!stream.closed && posted < 1_000) {
    chat.post();
    posted++;
  }
  assert(stream.closed, "closed as too slow");
  deepEqual(closes, ["slow"]);
  equal(chat.leaves, 1);
  assert(posted < 30, `cut off after ${posted} messages`);
  await assert.rejects(stream.readable.getReader().read());
});

Deno.test("SSE stream: a large backlog does not count against the bound", async () => {
  const chat = new FakeChat(200); // ~30 KB of backlog, bound 2 KB
  const { stream } = open(chat, 2_000);
  await stream.open(0);
  chat.post();
  assert(!stream.closed);
  assert(stream.queuedBytes > 2_000);
  stream.close("shutdown");
});

Deno.test("SSE stream: ping writes a comment", async () => {
  const chat = new FakeChat(0);
  const { stream } = open(chat);
  const tap = new StreamTap(stream.readable);
  await stream.open(undefined);
  stream.ping();
  await StreamTap.settle();
  assert(tap.text.endsWith(": ping\n\n"));
  stream.close("shutdown");
  await tap.done;
  assert(tap.ended);
});

Deno.test("SSE stream: a hole in the room's messages ends it like a slow reader", async () => {
  const chat = new FakeChat(2);
  const { stream, closes } = open(chat);
  await stream.open(2);
  chat.post();
  chat.skip(5); // expired before this isolate delivered them
  chat.post();
  assert(stream.closed);
  deepEqual(closes, ["slow"]);
  equal(chat.leaves, 1);
});
