/**
 * Read positions over the HTTP transports: `read` frames become
 * `POST …/read`, and `watch` is emulated by reading `GET /api/rooms`.
 */
import assert from "node:assert/strict";
import type { ServerEvent } from "../../protocol/types.ts";
import { longPollTransport } from "./long_poll.ts";

const user = { id: "u_1", name: "ann" };
const tick = () => new Promise((r) => setTimeout(r, 0));

function setup() {
  const requests: { method: string; path: string; body: unknown }[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    requests.push({ method: init?.method ?? "GET", path: url.pathname, body });
    if (url.pathname === "/api/session") {
      return Response.json({ user, token: "tok" });
    }
    if (url.pathname === "/api/rooms") {
      return Response.json({
        rooms: [
          { room: "a", seq: 9, read: 4, unread: 3, mentions: 1, online: 0 },
          { room: "b", seq: 2, online: 1 }, // never joined: no counts
          { room: "here", seq: 20, read: 18, unread: 0, mentions: 0 },
        ],
      });
    }
    if (url.pathname.endsWith("/read")) {
      return new Response(null, { status: 204 });
    }
    // Long polls: never answer within the test.
    return await new Promise<Response>((_, reject) =>
      init?.signal?.addEventListener("abort", () => reject(new Error("abort")))
    );
  };
  const events: ServerEvent[] = [];
  const transport = longPollTransport({
    base: "http://chat.test",
    fetch: fetchImpl,
  })({
    onOpen() {},
    onEvents: (e) => events.push(...e),
    onClose() {},
  });
  return { transport, events, requests };
}

Deno.test("HTTP transports: read is a POST, watch reads the counts of /api/rooms", async () => {
  const { transport, events, requests } = setup();
  await tick();
  transport.send({ type: "hello", token: "old" });
  await tick();
  transport.send({ type: "join", room: "here" });
  transport.send({ type: "watch", rooms: ["a", "b"] });
  await tick();
  await tick();
  assert.deepEqual(events.filter((e) => e.type !== "welcome"), [
    { type: "unread", room: "a", seq: 9, read: 4, unread: 3, mentions: 1 },
    { type: "read", room: "here", seq: 18 },
  ]);

  transport.send({ type: "read", room: "here", seq: 20 });
  await tick();
  assert.deepEqual(requests.find((r) => r.path === "/api/rooms/here/read"), {
    method: "POST",
    path: "/api/rooms/here/read",
    body: { seq: 20 },
  });

  // A ping (every 20 s, and on focus) and a page shown again ask again.
  const polls = () => requests.filter((r) => r.path === "/api/rooms").length;
  const before = polls();
  transport.send({ type: "ping" });
  await tick();
  await tick();
  transport.send({ type: "visibility", hidden: false });
  await tick();
  await tick();
  assert.equal(polls(), before + 2);
  transport.close();
});
