/**
 * Acks over a real socket: every send of a repeated id gets its ack, with
 * one `seq` and one message, and nobody else gets one.
 */
import { equal } from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { type Event, isMessage, TestClient } from "./helpers/ws_client.ts";

const isAck = (id: string) => (e: Event) => e.type === "ack" && e.id === id;

Deno.test({
  name: "each send is acked, to its sender only",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({
      isolates: 1,
      env: { CHAT_SEND_RATE: "0" },
    });
    const a = await TestClient.connect(server.wsUrl, { name: "sender" });
    const b = await TestClient.connect(server.wsUrl, { name: "reader" });
    try {
      await a.join("acks");
      await b.join("acks");

      await t.step(
        "each send of a repeated id is acked, with one seq",
        async () => {
          const from = a.events.length;
          for (let i = 0; i < 3; i++) {
            a.send({ type: "send", room: "acks", id: "again", text: "hi" });
          }
          const acks = await a.collect(isAck("again"), 3);
          equal(new Set(acks.map((e) => e.seq)).size, 1);
          const messages = a.events.slice(from).filter((e) =>
            isMessage("acks")(e) && e.id === "again"
          );
          equal(messages.length, 1);
        },
      );

      await t.step("other members get the messages and no ack", async () => {
        await b.collect((e) => isMessage("acks")(e), 1);
        equal(b.events.filter((e) => e.type === "ack").length, 0);
      });
    } finally {
      await a.close();
      await b.close();
      await server.stop();
    }
  },
});
