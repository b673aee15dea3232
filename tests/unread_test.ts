/**
 * Read positions and unread counts against real servers: one process with
 * two isolates (embedded engine), and two processes on Redis. The same
 * person on two connections (on different isolates or processes): reading
 * on one clears the other's counts; counts are exact (others' messages,
 * not one's own, not deleted ones; mentions apart) over WebSocket `watch`,
 * `GET /api/rooms` and after a reconnect; levels; the HTTP `read`.
 */
import { deepEqual, equal } from "node:assert/strict";
import { startServer, type TestServer } from "./helpers/server.ts";
import { type Event, TestClient } from "./helpers/ws_client.ts";
import { api, guest } from "./helpers/api.ts";
import { startRedis } from "./helpers/redis.ts";

type Guest = Awaited<ReturnType<typeof guest>>;

const unreadIn = (room: string) => (e: Event) =>
  e.type === "unread" && e.room === room;

/** The latest `unread` frame for `room` once it shows `unread` messages. */
async function counts(
  client: TestClient,
  room: string,
  unread: number,
): Promise<Event> {
  return await client.next((e) => unreadIn(room)(e) && e.unread === unread);
}

async function listed(origin: string, who: Guest, room: string) {
  const { json } = await api(origin, "GET", "/api/rooms", who.token);
  return (json.rooms as Array<Record<string, unknown>>).find((r) =>
    r.room === room
  );
}

async function post(origin: string, who: Guest, room: string, text: string) {
  const reply = await api(
    origin,
    "POST",
    `/api/rooms/${room}/messages`,
    who.token,
    { id: crypto.randomUUID(), text },
  );
  equal(reply.status, 201, reply.text);
  return reply.json.seq as number;
}

async function scenario(a: TestServer, b: TestServer, sockets: TestClient[]) {
  const ada = await guest(a.origin, "Ada");
  const bob = await guest(a.origin, "bob");
  const connect = async (server: TestServer, who: Guest) => {
    const client = await TestClient.connect(server.wsUrl, { token: who.token });
    sockets.push(client);
    return client;
  };
  // Bob is in #hall (joined once); his second connection shows its count.
  const reader = await connect(a, bob);
  reader.send({ type: "join", room: "hall" });
  const joined = await reader.next((e) => e.type === "joined");
  equal(joined.read, 0);
  reader.send({ type: "leave", room: "hall" });
  const sidebar = await connect(b, bob);
  sidebar.send({ type: "watch", rooms: ["hall", "nowhere"] });
  await counts(sidebar, "hall", 0);

  await post(a.origin, ada, "hall", "one");
  const two = await post(b.origin, ada, "hall", "two @bob");
  const three = await post(a.origin, ada, "hall", "three");
  let frame = await counts(sidebar, "hall", 3);
  equal(frame.mentions, 1);
  // A deleted message no longer counts.
  const deleted = await api(
    a.origin,
    "POST",
    "/api/rooms/hall/messages",
    ada.token,
    { id: "del-three", type: "delete", target: three },
  );
  equal(deleted.status, 201, deleted.text);
  await counts(sidebar, "hall", 2);
  deepEqual(
    await listed(b.origin, bob, "hall").then((r) => [
      r?.read,
      r?.unread,
      r?.mentions,
      r?.level,
    ]),
    [0, 2, 1, "mentions"],
  );
  // Ada's own counts leave out her own messages.
  deepEqual(
    await listed(a.origin, ada, "hall").then((r) => [r?.unread, r?.read]),
    [undefined, undefined],
  );

  // Reading on one connection: the other hears `read` and its count clears.
  reader.send({ type: "read", room: "hall", seq: two });
  const read = await sidebar.next((e) => e.type === "read");
  deepEqual(read, { type: "read", room: "hall", seq: two });
  frame = await counts(sidebar, "hall", 0);
  equal(frame.mentions, 0);
  equal((await listed(a.origin, bob, "hall"))?.unread, 0);
  // Positions only move forward.
  reader.send({ type: "read", room: "hall", seq: 1 });
  reader.send({ type: "ping" });
  await reader.next((e) => e.type === "pong");
  equal((await listed(a.origin, bob, "hall"))?.read, two);

  // Away (closed), messages arrive; back, the counts are exact.
  await sidebar.close();
  await post(a.origin, ada, "hall", "while away 1");
  await post(b.origin, ada, "hall", "while away 2 @bob");
  const back = await connect(b, bob);
  back.send({ type: "watch", rooms: ["hall"] });
  frame = await counts(back, "hall", 2);
  equal(frame.mentions, 1);
  back.send({ type: "join", room: "hall", since: two });
  const rejoined = await back.next((e) => e.type === "joined");
  equal(rejoined.read, two);
  const mentioning = (rejoined.messages as Array<Record<string, unknown>>)
    .find((m) => m.text === "while away 2 @bob");
  deepEqual(mentioning?.mentions, [bob.user.id]);

  // Sending moves one's own position.
  back.send({ type: "send", room: "hall", id: "mine", text: "back" });
  const ack = await back.next((e) => e.type === "ack");
  await counts(back, "hall", 0);
  equal((await listed(a.origin, bob, "hall"))?.read, ack.seq);

  // The HTTP read, and levels.
  const later = await post(a.origin, ada, "hall", "later");
  await counts(back, "hall", 1);
  equal(
    (await api(b.origin, "POST", "/api/rooms/hall/read", bob.token, {
      seq: later,
    })).status,
    204,
  );
  await counts(back, "hall", 0);
  equal(
    (await api(a.origin, "PUT", "/api/rooms/hall/notifications", bob.token, {
      level: "none",
    })).json.level,
    "none",
  );
  equal((await listed(b.origin, bob, "hall"))?.level, "none");
  equal(
    (await api(a.origin, "PUT", "/api/rooms/hall/notifications", bob.token, {
      level: "loud",
    })).status,
    400,
  );
  equal(
    (await api(a.origin, "POST", "/api/rooms/hall/read", bob.token, {
      seq: -1,
    })).status,
    400,
  );

  // A private room: not readable, not watchable, not counted.
  equal(
    (await api(a.origin, "POST", "/api/rooms", ada.token, {
      room: "den",
      visibility: "private",
    })).status,
    201,
  );
  await post(a.origin, ada, "den", "secret");
  equal(
    (await api(b.origin, "POST", "/api/rooms/den/read", bob.token, {
      seq: 1,
    })).status,
    403,
  );
  back.send({ type: "read", room: "den", seq: 1 });
  const refused = await back.next((e) => e.type === "error");
  equal(refused.code, "forbidden");
  const before = back.events.length;
  back.send({ type: "watch", rooms: ["den", "elsewhere"] });
  await back.next(unreadIn("elsewhere"), 5_000, before);
  await new Promise((resolve) => setTimeout(resolve, 300));
  back.send({ type: "ping" });
  await back.next((e) => e.type === "pong", 5_000, before);
  equal(back.events.slice(before).some(unreadIn("den")), false);
}

Deno.test({
  name: "unread counts and read positions across two isolates (embedded)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({
      isolates: 2,
      env: { CHAT_SEND_RATE: "0" },
    });
    const sockets: TestClient[] = [];
    try {
      await scenario(server, server, sockets);
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
      await server.stop();
    }
  },
});

Deno.test({
  name: "unread counts and read positions across two processes on Redis",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await startRedis();
    const env = {
      CHAT_REDIS_URL: redis.url,
      CHAT_LOG: "silent",
      CHAT_SEND_RATE: "0",
    };
    const nodes = await Promise.all(
      [0, 1].map(() => startServer({ isolates: 1, env })),
    );
    const sockets: TestClient[] = [];
    try {
      await scenario(nodes[0], nodes[1], sockets);
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
      await Promise.all(nodes.map((n) => n.stop()));
      await redis.stop();
    }
  },
});
