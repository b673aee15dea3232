/**
 * Web Push end to end: a real server (two isolates) and a local push
 * service that checks every request as FCM or autopush would (VAPID
 * signature, audience, expiry, TTL, aes128gcm) and decrypts it with the
 * subscription's keys. A real HTTP client subscribes; a DM and a mention
 * reach the away recipient as one decrypted push each; levels and a visible
 * page hold pushes back; a 410 ends the subscription.
 */
import assert, { deepEqual, equal, match } from "node:assert/strict";
import { startServer, type TestServer } from "./helpers/server.ts";
import { api, guest } from "./helpers/api.ts";
import { postMessage } from "./helpers/http.ts";
import { PushService } from "./helpers/push_service.ts";
import { TestClient } from "./helpers/ws_client.ts";
import { decodeBase64Url } from "../lib/auth/base64url.ts";

async function withPushServer(
  fn: (server: TestServer, service: PushService) => Promise<void>,
): Promise<void> {
  const service = PushService.start();
  const server = await startServer({
    isolates: 2,
    env: { CHAT_PUSH_TEST_ORIGINS: service.origin, CHAT_SEND_RATE: "0" },
  });
  try {
    await fn(server, service);
  } finally {
    await server.stop();
    await service.close();
  }
}

/** Subscribes `token`'s user with a new subscription of the stand-in's (201). */
async function subscribe(
  server: TestServer,
  service: PushService,
  token: string,
) {
  const key = (await api(server.origin, "GET", "/api/push/key", token)).json
    .key;
  const subscription = await service.subscribe(key);
  equal(
    (await api(
      server.origin,
      "POST",
      "/api/push/subscriptions",
      token,
      subscription,
    )).status,
    201,
  );
  return subscription;
}

/** Posts a message over HTTP (201); its `seq`. */
async function post(
  server: TestServer,
  token: string,
  room: string,
  id: string,
  text: string,
): Promise<number> {
  const reply = await postMessage(server.origin, token, room, { id, text });
  equal(reply.status, 201, JSON.stringify(reply.body));
  return reply.body.seq as number;
}

Deno.test({
  name:
    "push over HTTP: the VAPID key, subscribing, refusing non-public endpoints, unsubscribing",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withPushServer(async (server, service) => {
      const bob = await guest(server.origin, "bob");
      equal((await api(server.origin, "GET", "/api/push/key")).status, 401);
      // Both isolates (new connections spread over them) give the one key
      // generated once in storage.
      const keys = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const reply = await api(
          server.origin,
          "GET",
          "/api/push/key",
          bob.token,
        );
        equal(reply.status, 200, reply.text);
        keys.add(reply.json.key);
      }
      equal(keys.size, 1);
      const [key] = keys;
      equal(decodeBase64Url(key)?.length, 65);

      const subscription = await service.subscribe(key);
      const post = (body: unknown, token: string | null = bob.token) =>
        api(server.origin, "POST", "/api/push/subscriptions", token, body);
      equal((await post(subscription, null)).status, 401);
      const foreign = await api(
        server.origin,
        "POST",
        "/api/push/subscriptions",
        bob.token,
        subscription,
        { origin: "https://evil.example" },
      );
      equal(foreign.status, 403);
      for (
        const endpoint of [
          "http://push.example.com/x",
          "https://10.0.0.1/x",
          "https://127.0.0.1/x",
          "https://[::1]/x",
          "https://localhost/x",
          "https://metadata.google.internal/x",
          `${service.origin.replace("127.0.0.1", "localhost")}/push/x`,
        ]
      ) {
        const refused = await post({ ...subscription, endpoint });
        equal(refused.status, 400, endpoint);
        equal(refused.json.error.code, "bad_request");
      }
      const created = await post(subscription);
      equal(created.status, 201, created.text);
      deepEqual(created.json, {});
      const deleted = await api(
        server.origin,
        "DELETE",
        "/api/push/subscriptions",
        bob.token,
        { endpoint: subscription.endpoint },
      );
      equal(deleted.status, 204);
      equal(service.requests, 0);
    }),
});

Deno.test({
  name:
    "a DM pushes to the away recipient once, decrypted; a 410 ends the subscription",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withPushServer(async (server, service) => {
      const alice = await guest(server.origin, "alice");
      const bob = await guest(server.origin, "bob");
      const dm = await api(server.origin, "POST", "/api/dms", alice.token, {
        user: bob.user.id,
      });
      equal(dm.status, 200, dm.text);
      const room: string = dm.json.room;
      const subscription = await subscribe(server, service, bob.token);
      const send = (id: string, text: string) =>
        post(server, alice.token, room, id, text);

      const seq = await send("m1", "are you there?");
      await service.waitForRequests(1);
      deepEqual(service.problems, []);
      equal(service.received.length, 1);
      const [push] = service.received;
      deepEqual(push.payload, {
        room,
        seq,
        from: { id: alice.user.id, name: "alice" },
        text: "are you there?",
        url: `/rooms/${room}`,
        title: "alice (direct message)",
        tag: `${room}:${seq}`,
      });
      assert(push.ttl > 0);

      service.answer(subscription.endpoint, 410);
      await send("m2", "hello?");
      await service.waitForRequests(2);
      equal(service.received.length, 1);
      // The deletion follows the 410's answer: give it a moment, then a
      // third message finds no subscription and makes no request.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await send("m3", "anyone?");
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      equal(service.requests, 2);
      match(server.output(), /push subscription gone/);
      // Summed over both isolates, whichever stored the messages.
      const metrics = await (await fetch(`${server.origin}/metrics`)).text();
      match(metrics, /^chat_push_sent_total 1$/m);
      match(metrics, /^chat_push_gone_total 1$/m);
      match(metrics, /^chat_push_failed_total 0$/m);
    }),
});

Deno.test({
  name:
    "a mention pushes to the away member; level none silences it, level all pushes every message",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withPushServer(async (server, service) => {
      const alice = await guest(server.origin, "alice");
      const bob = await guest(server.origin, "bob");
      const level = async (room: string, level: string) => {
        const reply = await api(
          server.origin,
          "PUT",
          `/api/rooms/${room}/notifications`,
          bob.token,
          { level },
        );
        equal(reply.status, 200, reply.text);
      };
      await subscribe(server, service, bob.token);
      const send = (room: string, id: string, text: string) =>
        post(server, alice.token, room, id, text);
      await level("general", "mentions");
      await level("quiet", "none");
      await level("busy", "all");

      await send("general", "g1", "nothing for bob here");
      await send("quiet", "q1", "@bob you will not hear this");
      const seq = await send("general", "g2", "@bob have a look");
      await service.waitForRequests(1);
      await send("busy", "b1", "anything at all");
      await service.waitForRequests(2);
      // Give a stray push (g1, q1) time to show up before counting.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      deepEqual(service.problems, []);
      deepEqual(
        service.received.map((push) => [push.payload.title, push.payload.text]),
        [
          ["alice in #general", "@bob have a look"],
          ["alice in #busy", "anything at all"],
        ],
      );
      equal(service.received[0].payload.tag, `general:${seq}`);
    }),
});

Deno.test({
  name:
    "someone looking at the room gets no push; once their page is hidden they do",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withPushServer(async (server, service) => {
      const alice = await guest(server.origin, "alice");
      const bob = await guest(server.origin, "bob");
      await subscribe(server, service, bob.token);
      const page = await TestClient.connect(server.wsUrl, { token: bob.token });
      try {
        await page.join("general");
        const send = (id: string) =>
          post(server, alice.token, "general", id, `@bob ${id}`);
        await send("seen");
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        equal(service.requests, 0);
        page.send({ type: "visibility", hidden: true });
        // A hidden page stops counting once the attention grace (3 s: a
        // quick tab switch is no absence) is over, on every node.
        await new Promise((resolve) => setTimeout(resolve, 4_000));
        await send("away");
        await service.waitForRequests(1);
        equal(service.received[0].payload.text, "@bob away");
      } finally {
        await page.close();
      }
    }),
});
