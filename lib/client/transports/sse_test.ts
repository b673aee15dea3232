import assert, { deepEqual, equal } from "node:assert/strict";
import type { ServerEvent } from "../../protocol/types.ts";
import type { TransportClose } from "../transport.ts";
import { sseTransport } from "./sse.ts";

/** A scripted EventSource: the test plays the server. */
class FakeEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static opened: FakeEventSource[] = [];
  readonly url: string;
  readyState = 0;
  onerror: ((e: Event) => void) | null = null;

  constructor(url: string) {
    super();
    this.url = url;
    FakeEventSource.opened.push(this);
  }

  emit(type: string, data: unknown, id = ""): void {
    this.readyState = 1;
    this.dispatchEvent(
      new MessageEvent(type, { data: JSON.stringify(data), lastEventId: id }),
    );
  }

  error(): void {
    this.onerror?.(new Event("error"));
  }

  close(): void {
    this.readyState = 2;
  }
}

const user = { id: "u_1", name: "ann" };
const message = (seq: number) => ({
  room: "r",
  seq,
  id: `m${seq}`,
  user,
  text: `t${seq}`,
  ts: seq,
});

const fakeFetch: typeof fetch = (input) => {
  const url = new URL(String(input));
  if (url.pathname === "/api/session") {
    return Promise.resolve(Response.json({ user, token: "tok" }));
  }
  return Promise.resolve(Response.json({ room: "r", seq: 7, id: "x" }));
};

async function connect() {
  FakeEventSource.opened = [];
  const events: ServerEvent[] = [];
  const closes: TransportClose[] = [];
  const transport = sseTransport({
    base: "http://chat.test",
    fetch: fakeFetch,
    EventSource: FakeEventSource as unknown as typeof EventSource,
    openTimeoutMs: 50,
  })({
    onOpen() {},
    onEvents: (e) => events.push(...e),
    onClose: (info) => closes.push(info),
  });
  await new Promise((r) => setTimeout(r, 0));
  transport.send({ type: "hello", token: "old" });
  await new Promise((r) => setTimeout(r, 0));
  return { transport, events, closes };
}

Deno.test("SSE transport: joined and its backlog become one joined event", async () => {
  const { transport, events } = await connect();
  equal(events[0].type, "welcome");
  transport.send({ type: "join", room: "r", since: 1 });
  const source = FakeEventSource.opened[0];
  const url = new URL(source.url);
  equal(url.pathname, "/api/rooms/r/events");
  equal(url.searchParams.get("since"), "1");
  equal(url.searchParams.get("epoch"), null, "no epoch known: none sent");
  equal(url.searchParams.get("token"), "tok");
  source.emit("joined", {
    type: "joined",
    room: "r",
    seq: 3,
    online: [user],
    recovered: true,
  }, "1");
  equal(events.length, 1, "held until the backlog is complete");
  source.emit("message", message(2), "2");
  source.emit("message", message(3), "3");
  source.emit("message", message(4), "4");
  source.emit("typing", { type: "typing", room: "r", user });
  deepEqual(events.slice(1).map((e) => e.type), [
    "joined",
    "message",
    "typing",
  ]);
  const joined = events[1] as Extract<ServerEvent, { type: "joined" }>;
  deepEqual(joined.messages.map((m) => m.seq), [2, 3]);
  equal(joined.seq, 3);
  transport.close();
});

Deno.test("SSE transport: edits, deletions and reactions join the backlog, then arrive live", async () => {
  const { transport, events } = await connect();
  transport.send({ type: "join", room: "r", since: 1 });
  const source = FakeEventSource.opened[0];
  source.emit("joined", {
    type: "joined",
    room: "r",
    seq: 4,
    online: [user],
    recovered: true,
  }, "1");
  source.emit("message", message(2), "2");
  source.emit("edit", {
    room: "r",
    seq: 3,
    id: "e3",
    user,
    ts: 3,
    target: 2,
    text: "fixed",
  }, "3");
  source.emit("delete", {
    type: "delete",
    room: "r",
    seq: 4,
    id: "d4",
    user,
    ts: 4,
    target: 1,
  }, "4");
  source.emit("reaction", {
    type: "reaction",
    room: "r",
    seq: 5,
    id: "r5",
    user,
    ts: 5,
    target: 2,
    emoji: "👍",
    on: true,
  }, "5");
  deepEqual(events.slice(1).map((e) => e.type), ["joined", "reaction"]);
  const joined = events[1] as Extract<ServerEvent, { type: "joined" }>;
  deepEqual(joined.messages.map((m) => m.seq), [2]);
  deepEqual(joined.updates?.map((u) => [u.type, u.seq]), [["edit", 3], [
    "delete",
    4,
  ]]);
  transport.close();
});

Deno.test("SSE transport: a joined with nothing after it is released at once", async () => {
  const { transport, events } = await connect();
  transport.send({ type: "join", room: "r" });
  FakeEventSource.opened[0].emit("joined", {
    type: "joined",
    room: "r",
    seq: 0,
    online: [],
    recovered: true,
  }, "0");
  equal(events.at(-1)?.type, "joined");
  transport.close();
});

Deno.test("SSE transport: a resume carries the room's epoch, a fresh join none", async () => {
  const { transport } = await connect();
  transport.send({ type: "join", room: "r", since: 4, epoch: "e7" });
  transport.send({ type: "join", room: "s", epoch: "e7" });
  const [resume, fresh] = FakeEventSource.opened.slice(-2).map((source) =>
    new URL(source.url).searchParams
  );
  equal(resume.get("since"), "4");
  equal(resume.get("epoch"), "e7");
  equal(fresh.get("since"), null);
  equal(fresh.get("epoch"), null, "an epoch means nothing without since");
  transport.close();
});

Deno.test("SSE transport: a stream error closes the transport with 1006", async () => {
  const { transport, closes } = await connect();
  transport.send({ type: "join", room: "r" });
  FakeEventSource.opened[0].error();
  equal(closes[0].code, 1006);
  equal(FakeEventSource.opened[0].readyState, 2, "the EventSource is closed");
  equal(transport.send({ type: "ping" }), false);
});

Deno.test("SSE transport: a stream that never starts times out", async () => {
  const { transport, closes } = await connect();
  transport.send({ type: "join", room: "r" });
  await new Promise((r) => setTimeout(r, 80));
  equal(closes.length, 1);
  assert(closes[0].reason.includes("no events"));
  transport.close();
});

Deno.test("SSE transport: send posts and acks, in order", async () => {
  const { transport, events } = await connect();
  transport.send({ type: "send", room: "r", id: "a", text: "hi" });
  await new Promise((r) => setTimeout(r, 10));
  deepEqual(events.at(-1), { type: "ack", id: "a", room: "r", seq: 7 });
  transport.close();
});

Deno.test("SSE transport: a ban's left event ends that room's stream without failing the transport", async () => {
  const { transport, events, closes } = await connect();
  transport.send({ type: "join", room: "r" });
  const source = FakeEventSource.opened[0];
  source.emit("joined", {
    type: "joined",
    room: "r",
    seq: 0,
    online: [],
    recovered: true,
  }, "0");
  source.emit("left", { type: "left", room: "r", reason: "banned" });
  source.error(); // the server ends the stream after `left`
  deepEqual(events.at(-1), { type: "left", room: "r", reason: "banned" });
  equal(source.readyState, 2, "the EventSource is closed, not reconnecting");
  deepEqual(closes, []);
  transport.close(1000, "done");
});
