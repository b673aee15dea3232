import assert, { deepEqual, equal } from "node:assert/strict";
import { longPoll, MAX_POLL_MESSAGES } from "./long_poll.ts";
import { FakeChat } from "./test_support.ts";

Deno.test("long poll: answers at once with what is already there", async () => {
  const chat = new FakeChat(5);
  const result = await longPoll(chat, {
    room: "r",
    user: null,
    since: 3,
    waitMs: 10_000,
  });
  deepEqual(result.messages.map((m) => m.seq), [4, 5]);
  equal(result.seq, 5);
  equal(result.recovered, undefined);
  equal(chat.leaves, 1);
  equal(chat.subscriptions.size, 0);
});

Deno.test("long poll: wakes on the next message, without reading storage", async () => {
  const chat = new FakeChat(2);
  const started = performance.now();
  const pending = longPoll(chat, {
    room: "r",
    user: null,
    since: 2,
    waitMs: 10_000,
  });
  await new Promise((r) => setTimeout(r, 20));
  equal(chat.joins, 1);
  chat.post(3); // one burst: all three in one answer
  const result = await pending;
  assert(performance.now() - started < 1_000);
  deepEqual(result.messages.map((m) => m.seq), [3, 4, 5]);
  equal(result.seq, 5);
  equal(chat.subscriptions.size, 0);
});

Deno.test("long poll: answers empty after the wait", async () => {
  const chat = new FakeChat(2);
  const started = performance.now();
  const result = await longPoll(chat, {
    room: "r",
    user: null,
    since: 2,
    waitMs: 50,
  });
  assert(performance.now() - started >= 45);
  deepEqual(result, {
    room: "r",
    seq: 2,
    epoch: "e1",
    messages: [],
    updates: [],
  });
  equal(chat.leaves, 1);
});

Deno.test("long poll: wait 0 answers at once", async () => {
  const chat = new FakeChat(2);
  deepEqual(
    await longPoll(chat, { room: "r", user: null, since: 2, waitMs: 0 }),
    {
      room: "r",
      seq: 2,
      epoch: "e1",
      messages: [],
      updates: [],
    },
  );
});

Deno.test("long poll: an abort ends the wait and leaves", async () => {
  const chat = new FakeChat(1);
  const abort = new AbortController();
  const pending = longPoll(chat, {
    user: null,
    room: "r",
    since: 1,
    waitMs: 60_000,
    signal: abort.signal,
  });
  await new Promise((r) => setTimeout(r, 10));
  abort.abort();
  deepEqual((await pending).messages, []);
  equal(chat.subscriptions.size, 0);
});

Deno.test("long poll: a since beyond history says recovered false", async () => {
  const chat = new FakeChat(3);
  const result = await longPoll(chat, {
    room: "r",
    user: null,
    since: 9,
    waitMs: 10_000,
  });
  equal(result.recovered, false);
  equal(result.seq, 3);
  deepEqual(result.messages.map((m) => m.seq), [1, 2, 3]);
});

Deno.test("long poll: at most MAX_POLL_MESSAGES per answer, seq says where to go on", async () => {
  const chat = new FakeChat(MAX_POLL_MESSAGES + 20);
  const first = await longPoll(chat, {
    room: "r",
    user: null,
    since: 0,
    waitMs: 0,
  });
  equal(first.messages.length, MAX_POLL_MESSAGES);
  equal(first.seq, MAX_POLL_MESSAGES);
  const second = await longPoll(chat, {
    user: null,
    room: "r",
    since: first.seq,
    waitMs: 0,
  });
  deepEqual(
    second.messages.map((m) => m.seq),
    Array.from({ length: 20 }, (_, i) => MAX_POLL_MESSAGES + 1 + i),
  );
});

Deno.test("long poll: a hole in the room's messages answers at once with what came before it", async () => {
  const chat = new FakeChat(2);
  const pending = longPoll(chat, {
    room: "r",
    user: null,
    since: 2,
    waitMs: 10_000,
  });
  await new Promise((r) => setTimeout(r, 20));
  chat.skip(5);
  chat.post(); // seq 8: a jump from 2
  const result = await pending;
  deepEqual(result.messages, []);
  equal(result.seq, 2); // the next poll asks from here and learns of the hole
  equal(chat.leaves, 1);
});
