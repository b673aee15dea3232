/**
 * The client library over SSE and long polling, against a real server with
 * two isolates: a `ChatClient` on each comet transport chats with WebSocket
 * clients, sees presence, and delivers what it wrote while the server was
 * down exactly once after a restart.
 */
import assert, { deepEqual, equal } from "node:assert/strict";
import { sleep, waitUntil } from "./helpers/wait.ts";
import { startServer } from "./helpers/server.ts";
import { type Event, TestClient } from "./helpers/ws_client.ts";
import { ChatClient, type ClientEvent } from "../lib/client/client.ts";
import { MemoryStorage } from "../lib/client/testing.ts";
import type { TransportFactory } from "../lib/client/transport.ts";
import { sseTransport } from "../lib/client/transports/sse.ts";
import { longPollTransport } from "../lib/client/transports/long_poll.ts";
import { autoTransport } from "../lib/client/transports/select.ts";

/** A ChatClient that records what it delivers. */
function recordingClient(transport: TransportFactory, name: string) {
  const client = new ChatClient({
    transport,
    name,
    storage: new MemoryStorage(),
    backoff: { baseMs: 50, maxMs: 400 },
  });
  const events: ClientEvent[] = [];
  client.on((e) => events.push(e));
  const texts = () =>
    events.flatMap((e) =>
      e.type === "message" ? [e.message] : e.type === "joined" ? e.messages : []
    );
  return { client, events, texts };
}

const isMessage = (room: string) => (e: Event) =>
  e.type === "message" && e.room === room;

Deno.test({
  name: "ChatClient over SSE and long polling",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({
      isolates: 2,
      env: { CHAT_SEND_RATE: "0", CHAT_PRESENCE_GRACE_MS: "100" },
    });
    const base = server.origin;
    const cleanup: Array<() => unknown> = [];
    try {
      const kinds: Array<[string, TransportFactory]> = [
        ["sse", sseTransport({ base })],
        ["longpoll", longPollTransport({ base, waitS: 5 })],
      ];
      for (const [kind, transport] of kinds) {
        await t.step(
          `${kind}: chats with a WebSocket client, in order, once`,
          async () => {
            const room = `chat-${kind}`;
            const ws = await TestClient.connect(server.wsUrl, {
              name: "wendy",
            });
            cleanup.push(() => ws.close());
            await ws.join(room);
            const { client, events, texts } = recordingClient(
              transport,
              `ann-${kind}`,
            );
            cleanup.push(() => client.stop());
            client.join(room);
            client.start();
            await waitUntil("connected", () => client.status === "connected");
            const status = events.findLast((e) => e.type === "status");
            equal(status?.type === "status" && status.transport, kind);
            await waitUntil(
              "joined",
              () => events.some((e) => e.type === "joined"),
            );
            // Presence both ways.
            await ws.next((e) =>
              e.type === "presence" &&
              (e.joins as Array<{ name: string }>).some((u) =>
                u.name === `ann-${kind}`
              )
            );
            assert(
              client.online(room).some((u) => u.name === "wendy"),
              "the comet client sees who is online",
            );
            for (let i = 0; i < 5; i++) {
              client.send(room, `${kind} ${i}`);
              ws.send({ type: "send", room, id: `w${i}`, text: `ws ${i}` });
            }
            await waitUntil("10 messages", () => texts().length >= 10);
            await ws.collect(isMessage(room), 10);
            await waitUntil(
              "outbox empty",
              () => client.outbox.list().length === 0,
            );
            await sleep(300);
            deepEqual(
              texts().map((m) => m.seq),
              [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            );
            deepEqual(
              ws.events.filter(isMessage(room)).map((m) => m.seq),
              [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            );
            deepEqual(
              texts().filter((m) => m.text.startsWith(kind)).map((m) => m.text),
              [0, 1, 2, 3, 4].map((i) => `${kind} ${i}`),
            );
            // Changes go out as HTTP posts and come back as updates.
            const mine = texts().find((m) => m.text === `${kind} 0`)!;
            const theirs = texts().find((m) => m.text === "ws 0")!;
            const gone = texts().find((m) => m.text === "ws 1")!;
            client.edit(room, mine.seq, `${kind} 0, edited`);
            client.react(room, theirs.seq, "👍");
            ws.send({ type: "delete", room, id: "wd", target: gone.seq });
            await waitUntil("edit, reaction and deletion shown", () => {
              const [a, b, c] = [mine.seq, theirs.seq, gone.seq].map((seq) =>
                client.view(room).messages.find((m) => m.seq === seq)
              );
              return a?.text === `${kind} 0, edited` &&
                a.edited !== undefined &&
                b?.reactions?.["👍"]?.length === 1 && c?.deleted === true;
            });
            await waitUntil(
              "the changes acknowledged",
              () => client.outbox.list().length === 0,
            );
            if (kind === "sse") {
              ws.send({ type: "typing", room });
              await waitUntil(
                "typing",
                () => events.some((e) => e.type === "typing"),
              );
            }
            client.stop();
            await ws.close();
          },
        );
      }

      await t.step(
        "without WebSocket, auto picks SSE and says so",
        async () => {
          const auto = autoTransport({
            base,
            available: (kind) => kind !== "websocket",
          });
          const { client, events } = recordingClient(auto, "nows");
          cleanup.push(() => client.stop());
          client.join("auto");
          client.start();
          await waitUntil("connected", () => client.status === "connected");
          const status = events.findLast((e) => e.type === "status");
          equal(status?.type === "status" && status.transport, "sse");
          client.stop();
        },
      );

      await t.step(
        "SSE: what was written while the server was down is delivered once after the restart",
        async () => {
          const room = "outage";
          const { client, texts } = recordingClient(
            sseTransport({ base, openTimeoutMs: 3_000 }),
            "olga",
          );
          cleanup.push(() => client.stop());
          client.join(room);
          client.start();
          await waitUntil("connected", () => client.status === "connected");
          client.send(room, "before");
          await waitUntil("before", () => texts().length === 1);
          await server.stop();
          await waitUntil("noticed", () => client.status !== "connected");
          client.send(room, "during");
          await server.restart();
          await waitUntil(
            "delivered after restart",
            () => client.outbox.list().length === 0,
            20_000,
          );
          await waitUntil("seen", () => texts().length >= 2, 10_000);
          const reader = await TestClient.connect(server.wsUrl);
          cleanup.push(() => reader.close());
          const joined = await reader.join(room, 0);
          deepEqual(
            (joined.messages as Array<{ text: string }>).map((m) => m.text),
            ["before", "during"],
          );
          await sleep(300);
          deepEqual(texts().map((m) => m.text), ["before", "during"]);
          client.stop();
        },
      );
    } finally {
      for (const fn of cleanup) {
        try {
          await fn();
        } catch {
          // already closed
        }
      }
      await server.stop();
    }
  },
});
