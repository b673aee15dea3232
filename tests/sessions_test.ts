/**
 * Sessions across nodes: a browser's session is its HttpOnly cookie (the
 * page and `welcome` never hand its token to scripts), and signing out
 * revokes a token on every isolate and every process at once — its
 * WebSockets close with 1008, its SSE streams end, and every request with
 * it is 401 — on the embedded engine (two isolates) and on Redis (two
 * processes). A private room's access is the same on every process.
 */
import assert, { equal } from "node:assert/strict";
import { startServer, type TestServer } from "./helpers/server.ts";
import { startRedis } from "./helpers/redis.ts";
import { TestClient } from "./helpers/ws_client.ts";
import { SseClient } from "./helpers/sse_client.ts";
import { api, guest } from "./helpers/api.ts";

const COOKIE = "chat_session";

/** A WebSocket opened with the session cookie, no token in `hello`. */
async function cookieSocket(url: string, token: string): Promise<TestClient> {
  const client = await TestClient.open(url, {
    headers: { cookie: `${COOKIE}=${token}` },
  });
  client.send({ type: "hello" });
  await client.next((e) => e.type === "welcome");
  return client;
}

/**
 * Signs `token` out on `origin` and checks it is refused on every server
 * at once, with its sockets on every server closed and its stream ended.
 */
async function signOutEverywhere(
  origin: string,
  servers: TestServer[],
  token: string,
  sockets: TestClient[],
  stream: SseClient,
): Promise<void> {
  const out = await api(origin, "POST", "/api/logout", token);
  equal(out.status, 204);
  assert(out.headers.get("set-cookie")?.includes("Max-Age=0"));
  for (const server of servers) {
    equal((await api(server.origin, "GET", "/api/rooms", token)).status, 401);
    const page = await api(
      server.origin,
      "POST",
      "/api/rooms/lobby/messages",
      token,
      { id: "after", text: "after sign-out" },
    );
    equal(page.status, 401);
  }
  for (const socket of sockets) {
    const closed = await socket.closed();
    equal(closed.code, 1008);
    equal(closed.reason, "signed out");
  }
  await stream.waitEnded();
  const again = await TestClient.open(servers[0].wsUrl);
  again.send({ type: "hello", token });
  equal(
    (await again.next((e) => e.type === "error")).code,
    "unauthenticated",
  );
  await again.close();
}

Deno.test({
  name:
    "a browser session lives in its cookie; page scripts never get the token",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ isolates: 1 });
    try {
      const { token, user } = await guest(server.origin, "cookie-carol");
      const page = await api(
        server.origin,
        "GET",
        "/rooms/lobby",
        null,
        undefined,
        {
          cookie: `${COOKIE}=${token}`,
        },
      );
      equal(page.status, 200);
      assert(
        page.text.includes("cookie-carol"),
        "the page knows who it is for",
      );
      assert(!page.text.includes(token), "the page does not carry the token");
      assert(!page.text.includes(token.split(".")[2]), "nor its signature");
      const socket = await cookieSocket(server.wsUrl, token);
      const welcome = socket.welcome;
      equal((welcome.user as { id: string }).id, user.id);
      equal(welcome.token, "", "welcome repeats no cookie token");
      await socket.close();
      // A cookie that no longer verifies is ignored: a new guest.
      const stale = await cookieSocket(server.wsUrl, "v1.forged.token");
      assert((stale.welcome.user as { id: string }).id !== user.id);
      await stale.close();
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "signing out revokes the token on every isolate at once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ isolates: 2 });
    const sockets: TestClient[] = [];
    try {
      const { token } = await guest(server.origin, "leaver");
      for (
        let i = 0;
        i < 12 && new Set(sockets.map((s) => s.welcome.node)).size < 2;
        i++
      ) {
        sockets.push(await TestClient.connect(server.wsUrl, { token }));
      }
      equal(new Set(sockets.map((s) => s.welcome.node)).size, 2);
      const cookied = await cookieSocket(server.wsUrl, token);
      sockets.push(cookied);
      const stream = await SseClient.open(
        `${server.origin}/api/rooms/lobby/events?token=${
          encodeURIComponent(token)
        }`,
      );
      const other = await guest(server.origin, "stayer");
      const stays = await TestClient.connect(server.wsUrl, {
        token: other.token,
      });
      await signOutEverywhere(server.origin, [server], token, sockets, stream);
      equal(stays.socket.readyState, WebSocket.OPEN, "other sessions stay");
      equal(
        (await api(server.origin, "GET", "/api/rooms", other.token)).status,
        200,
      );
      await stays.close();
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "on Redis, signing out on one process revokes the token on every process; private rooms hold on all",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await startRedis();
    const env = { CHAT_REDIS_URL: redis.url, CHAT_LOG: "silent" };
    const nodes = await Promise.all(
      [0, 1].map(() => startServer({ isolates: 1, env })),
    );
    const sockets: TestClient[] = [];
    try {
      const [a, b] = nodes;
      const { token } = await guest(a.origin, "roamer");
      sockets.push(
        await TestClient.connect(a.wsUrl, { token }),
        await TestClient.connect(b.wsUrl, { token }),
      );
      // Made private on one process, closed on the other.
      equal(
        (await api(a.origin, "POST", "/api/rooms", token, {
          room: "vault",
          visibility: "private",
        })).status,
        201,
      );
      const stranger = await guest(b.origin, "stranger");
      equal(
        (await api(
          b.origin,
          "GET",
          "/api/rooms/vault/messages",
          stranger.token,
        )).status,
        403,
      );
      equal(
        (await api(b.origin, "GET", "/api/rooms/vault/messages", token)).status,
        200,
      );
      const stream = await SseClient.open(
        `${b.origin}/api/rooms/lobby/events?token=${encodeURIComponent(token)}`,
      );
      await signOutEverywhere(b.origin, nodes, token, sockets, stream);
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
      await Promise.all(nodes.map((n) => n.stop()));
      await redis.stop();
    }
  },
});
