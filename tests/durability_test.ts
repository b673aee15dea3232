/**
 * What survives: history and tokens across a restart, and delivery when the
 * bus drops messages (fault injected in the server: every 2nd bus post).
 */
import assert, { deepEqual, equal, match } from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import {
  clientsOnDistinctIsolates,
  type Event,
  isMessage,
  seqRange,
  TestClient,
} from "./helpers/ws_client.ts";

Deno.test({
  name: "history survives a restart and tokens stay valid",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ isolates: 2 });
    try {
      const alice = await TestClient.connect(server.wsUrl, { name: "alice" });
      await alice.join("keep");
      alice.sendRange("keep", "k", 1, 3, (n) => `kept ${n}`);
      await alice.collect((e) => e.type === "ack", 3);
      const token = alice.welcome.token as string;
      const user = alice.welcome.user;

      await server.restart();
      const closed = await alice.closed();
      // 1012 when the app closes first; `deno serve`'s own graceful shutdown
      // may get there first with 1001 Going Away. Both mean "reconnect".
      assert(
        [1001, 1012].includes(closed.code),
        `told to reconnect (got ${closed.code})`,
      );

      const back = await TestClient.connect(server.wsUrl, { token });
      deepEqual(back.welcome.user, user, "same user id and name after restart");
      const joined = await back.join("keep", 0);
      deepEqual((joined.messages as Event[]).map((m) => m.text), [
        "kept 1",
        "kept 2",
        "kept 3",
      ]);
      back.send({ type: "send", room: "keep", id: "k1", text: "kept 1" });
      const ack = await back.next((e) => e.type === "ack");
      equal(ack.seq, 1, "idempotency survives the restart too");
      back.send({ type: "send", room: "keep", id: "k4", text: "kept 4" });
      const next = await back.next((e) => e.type === "ack" && e.id === "k4");
      equal(next.seq, 4, "seq continues, never reused");
      const res = await fetch(`${server.origin}/api/rooms/keep/messages`, {
        headers: { authorization: `Bearer ${token}` },
      });
      equal((await res.json()).messages.length, 4);
      await back.close();
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "a dropped bus message is healed from storage",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({
      isolates: 2,
      env: {
        CHAT_FAULT_BUS_DROP_EVERY: "2",
        CHAT_SEND_RATE: "0",
        CHAT_HEARTBEAT_MS: "300",
        // Each isolate commits its own sends: this test is about copies of
        // messages lost on the bus. With forwarding, a sender posting one
        // request per send can have every request dropped (every second
        // post is), each then waiting out the 1 s forward timeout; the
        // router's own tests cover lost requests and answers.
        CHAT_FORWARD_WRITES: "0",
      },
    });
    try {
      const [sender, receiver] = await clientsOnDistinctIsolates(
        server.wsUrl,
        2,
      );
      await sender.join("lossy");
      await receiver.join("lossy");
      // One at a time: each send is its own bus post, so half are dropped,
      // the last one included in some runs: only the heads beacon reveals it.
      for (let n = 1; n <= 20; n++) {
        await sender.post("lossy", `x${n}`, `n${n}`);
      }
      const got = await receiver.collect(isMessage("lossy"), 20, 10_000);
      deepEqual(got.map((m) => m.seq), seqRange(1, 20));
      await new Promise((r) => setTimeout(r, 300));
      equal(
        receiver.events.filter(isMessage("lossy")).length,
        20,
        "each exactly once",
      );

      // A lone last message whose bus post is dropped still arrives (beacon).
      for (let n = 21; n <= 22; n++) {
        await sender.post("lossy", `x${n}`, `n${n}`);
      }
      const tail = await receiver.collect(isMessage("lossy"), 22, 5_000);
      equal(tail.at(-1)?.seq, 22);

      // Whichever isolate answers reports the whole process.
      const text = await (await fetch(`${server.origin}/metrics`)).text();
      match(text, /^chat_metrics_isolates 2$/m);
      const refilled = /^chat_gap_refilled_messages_total (\d+)$/m.exec(text);
      assert(
        Number(refilled?.[1]) > 0,
        "the receiving isolate refilled from storage",
      );
      await sender.close();
      await receiver.close();
    } finally {
      await server.stop();
    }
  },
});
