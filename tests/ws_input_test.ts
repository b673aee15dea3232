/**
 * Bad input over a real WebSocket: clear error codes, the connection stays
 * open, nothing is stored, and only the contract's cases close it.
 */
import assert, { deepEqual, equal } from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { type Event, TestClient } from "./helpers/ws_client.ts";

const isError = (e: Event) => e.type === "error";

Deno.test({
  name: "WebSocket input validation and close codes",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({
      isolates: 1,
      env: {
        CHAT_HELLO_TIMEOUT_MS: "300",
        CHAT_SEND_RATE: "2",
        CHAT_SEND_BURST: "3",
        CHAT_ALLOWED_ORIGINS: "https://chat.example",
      },
    });
    try {
      await t.step("no hello in time closes with 4001", async () => {
        const client = await TestClient.open(server.wsUrl);
        const closed = await client.closed(3_000);
        equal(closed.code, 4001);
      });

      await t.step(
        "frames before hello get unauthenticated and do not close",
        async () => {
          const client = await TestClient.open(server.wsUrl);
          client.send({ type: "join", room: "a" });
          const error = await client.next(isError);
          equal(error.code, "unauthenticated");
          equal(error.ref, "join");
          client.send({ type: "hello", name: "late" });
          await client.next((e) => e.type === "welcome");
          await client.close();
        },
      );

      await t.step(
        "an invalid token is refused; the client may hello again",
        async () => {
          const client = await TestClient.open(server.wsUrl);
          client.send({ type: "hello", token: "v1.forged.signature" });
          equal((await client.next(isError)).code, "unauthenticated");
          client.send({ type: "hello", name: "retry" });
          const welcome = await client.next((e) => e.type === "welcome");
          equal((welcome.user as { name: string }).name, "retry");
          await client.close();
        },
      );

      await t.step(
        "malformed frames get their code; the connection stays usable",
        async () => {
          const client = await TestClient.connect(server.wsUrl);
          const cases: Array<[string, string]> = [
            ["{not json", "bad_request"],
            ['{"type":"fly"}', "bad_request"],
            ['{"type":"ping","__proto__":{"x":1}}', "bad_request"],
            [
              `{"type":"ping","x":${"[".repeat(3000)}${"]".repeat(3000)}}`,
              "bad_request",
            ],
            ['{"type":"join","room":"UPPER"}', "room_invalid"],
            [
              '{"type":"send","room":"never-joined","id":"n1","text":"hi"}',
              "not_joined",
            ],
            ['{"type":"typing","room":"never-joined"}', "not_joined"],
            ['{"type":"leave","room":"never-joined"}', "not_joined"],
            ['{"type":"hello","name":"again"}', "bad_request"],
          ];
          for (const [frame, code] of cases) {
            const from = client.events.length;
            client.send(frame);
            const error = await client.next(isError, 2_000, from);
            equal(error.code, code, frame.slice(0, 60));
          }
          await client.join("valid");
          const from = client.events.length;
          client.send({ type: "send", room: "valid", id: "v1", text: "   " });
          equal((await client.next(isError, 2_000, from)).code, "text_invalid");
          client.send({ type: "ping" });
          await client.next((e) => e.type === "pong");
          const res = await fetch(`${server.origin}/api/rooms/valid/messages`);
          deepEqual((await res.json()).messages, [], "nothing was stored");
          await client.close();
        },
      );

      await t.step("binary frames are refused with bad_request", async () => {
        const client = await TestClient.connect(server.wsUrl);
        client.socket.send(new Uint8Array([1, 2, 3]));
        equal((await client.next(isError)).code, "bad_request");
        await client.close();
      });

      await t.step(
        "sending too fast gets rate_limited with retryAfterMs",
        async () => {
          const client = await TestClient.connect(server.wsUrl);
          await client.join("fast");
          for (let n = 0; n < 6; n++) {
            client.send({ type: "send", room: "fast", id: `f${n}`, text: "x" });
          }
          const limited = await client.next((e) =>
            isError(e) && e.code === "rate_limited"
          );
          assert(Number(limited.retryAfterMs) > 0);
          await client.collect((e) => e.type === "ack", 3);
          await client.close();
        },
      );

      await t.step("a frame over 64 KiB closes with 1009", async () => {
        const client = await TestClient.connect(server.wsUrl);
        client.send(JSON.stringify({ type: "ping", pad: "x".repeat(70_000) }));
        equal((await client.closed()).code, 1009);
      });

      await t.step(
        "a foreign Origin gets 403 before the upgrade; allowed ones pass",
        async () => {
          const headers = {
            upgrade: "websocket",
            connection: "Upgrade",
            "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
            "sec-websocket-version": "13",
          };
          const foreign = await fetch(`${server.origin}/ws`, {
            headers: { ...headers, origin: "https://evil.example" },
          });
          equal(foreign.status, 403);
          equal((await foreign.json()).error.code, "forbidden");
          const allowed = await TestClient.open(server.wsUrl, {
            headers: { origin: "https://chat.example" },
          });
          await allowed.close();
          const own = await TestClient.open(server.wsUrl, {
            headers: { origin: server.origin },
          });
          await own.close();
          const lookalike = await fetch(`${server.origin}/ws`, {
            headers: { ...headers, origin: "https://chat.example.evil" },
          });
          equal(lookalike.status, 403);
          await lookalike.body?.cancel();
        },
      );
    } finally {
      await server.stop();
    }
  },
});
