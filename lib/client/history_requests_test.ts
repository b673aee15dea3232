import assert from "node:assert/strict";
import type { ChatMessage, ClientFrame } from "../protocol/types.ts";
import { FakeClock } from "./fake_clock.ts";
import { HistoryRequests } from "./history_requests.ts";

const msg = (room: string, seq: number): ChatMessage => ({
  room,
  seq,
  id: `${room}${seq}`,
  user: { id: "u", name: "u" },
  text: "",
  ts: 0,
});

function setup(connected = true) {
  const clock = new FakeClock(0);
  const sent: ClientFrame[] = [];
  const requests = new HistoryRequests({
    clock,
    send: (frame) => connected && sent.push(frame) > 0,
    timeoutMs: 1_000,
  });
  return { clock, sent, requests };
}

Deno.test("history: an error answers the request of its own room, not the first room's", async () => {
  const { sent, requests } = setup();
  const a = requests.request("alpha", 10, 50);
  const b = requests.request("beta", 20, 50);
  // One on the wire at a time.
  assert.deepEqual(sent, [{
    type: "history",
    room: "alpha",
    before: 10,
    limit: 50,
  }]);
  requests.onHistory({
    type: "history",
    room: "alpha",
    messages: [msg("alpha", 9)],
    hasMore: true,
  });
  assert.deepEqual((await a).messages.map((m) => m.seq), [9]);
  assert.equal(sent.length, 2);
  assert.equal(sent[1].type === "history" && sent[1].room, "beta");
  requests.onError("Room is busy");
  await assert.rejects(b, /Room is busy/);
});

Deno.test("history: a reply for another room answers nothing", async () => {
  const { requests } = setup();
  const a = requests.request("alpha", undefined, 50);
  assert.equal(
    requests.onHistory({
      type: "history",
      room: "beta",
      messages: [],
      hasMore: false,
    }),
    false,
  );
  requests.onHistory({
    type: "history",
    room: "alpha",
    messages: [],
    hasMore: false,
  });
  assert.deepEqual(await a, { messages: [], hasMore: false });
});

Deno.test("history: a timed-out request keeps the wire until its late reply, which is dropped", async () => {
  const { clock, sent, requests } = setup();
  const a = requests.request("alpha", 10, 50);
  clock.advance(500);
  const b = requests.request("beta", 20, 50);
  clock.advance(500);
  await assert.rejects(a, /timed out/);
  assert.equal(sent.length, 1, "beta waits for alpha's reply");
  requests.onError("late failure of alpha");
  assert.equal(sent.length, 2);
  requests.onHistory({
    type: "history",
    room: "beta",
    messages: [msg("beta", 19)],
    hasMore: false,
  });
  assert.equal((await b).messages[0].seq, 19);
  assert.equal(clock.pending, 0);
});

Deno.test("history: without a connection, and when it drops, requests fail", async () => {
  const offline = setup(false);
  await assert.rejects(
    offline.requests.request("alpha", 1, 50),
    /Not connected/,
  );
  const { clock, requests } = setup();
  const a = requests.request("alpha", 10, 50);
  const b = requests.request("beta", 10, 50);
  requests.down();
  await assert.rejects(a, /Connection lost/);
  await assert.rejects(b, /Connection lost/);
  assert.equal(clock.pending, 0);
});
