/**
 * The delivery promise over real sockets on a server with two isolates:
 * cross-isolate fan-out, concurrent writers, resume, idempotency, presence.
 */
import assert, { deepEqual, equal, notEqual } from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { sleep } from "./helpers/wait.ts";
import {
  clientsOnDistinctIsolates,
  type Event,
  isMessage,
  seqRange,
  TestClient,
} from "./helpers/ws_client.ts";

/**
 * The whole suite over two isolates of one `deno serve --parallel` process,
 * once per engine that runs there: embedded (`BroadcastChannel`) and KV
 * only (`kv.watch`, as on Deno Deploy).
 */
function realtimeSuite(
  engine: string,
  env: Record<string, string>,
  historyLimit: number,
): void {
  Deno.test({
    name: `realtime core over two isolates, ${engine}`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const server = await startServer({
        isolates: 2,
        env: {
          CHAT_SEND_RATE: "0",
          CHAT_PRESENCE_GRACE_MS: "200",
          CHAT_HISTORY_LIMIT: String(historyLimit),
          ...env,
        },
      });
      const open: TestClient[] = [];
      const track = (clients: TestClient[]) => (open.push(...clients), clients);
      try {
        await t.step(
          "clients on different isolates see each other's messages",
          async () => {
            const [a, b] = track(
              await clientsOnDistinctIsolates(server.wsUrl, 2),
            );
            notEqual(a.welcome.node, b.welcome.node);
            await a.join("cross");
            await b.join("cross");
            a.send({ type: "send", room: "cross", id: "a1", text: "from a" });
            b.send({ type: "send", room: "cross", id: "b1", text: "from b" });
            for (const client of [a, b]) {
              const got = await client.collect(isMessage("cross"), 2);
              deepEqual(got.map((m) => m.seq), [1, 2]);
              deepEqual(
                new Set(got.map((m) => m.text)),
                new Set(["from a", "from b"]),
              );
            }
            const ack = await a.next((e) => e.type === "ack" && e.id === "a1");
            equal(ack.room, "cross");
            assert(ack.seq === 1 || ack.seq === 2);
          },
        );

        await t.step(
          "6 concurrent writers × 100 messages: all 600 to every member, once, in order",
          async () => {
            const writers = track(
              await clientsOnDistinctIsolates(server.wsUrl, 2),
            );
            while (writers.length < 6) {
              writers.push(
                ...track([
                  await TestClient.connect(server.wsUrl, {
                    name: `w${writers.length}`,
                  }),
                ]),
              );
            }
            const readers = track(
              await clientsOnDistinctIsolates(server.wsUrl, 2),
            );
            const members = [...writers, ...readers];
            for (const m of members) await m.join("busy");
            await Promise.all(writers.map(async (w, i) => {
              for (let n = 0; n < 100; n++) {
                w.send({
                  type: "send",
                  room: "busy",
                  id: `w${i}-${n}`,
                  text: `writer ${i} message ${n}`,
                });
                if (n % 10 === 9) await new Promise((r) => setTimeout(r, 1));
              }
            }));
            for (const member of members) {
              const got = await member.collect(isMessage("busy"), 600, 20_000);
              await new Promise((r) => setTimeout(r, 50));
              const all = member.events.filter(isMessage("busy"));
              equal(all.length, 600, "no duplicates");
              deepEqual(
                all.map((m) => m.seq),
                seqRange(1, 600),
              );
              equal(new Set(got.map((m) => m.id)).size, 600);
            }
            for (const [i, w] of writers.entries()) {
              const acks = await w.collect(
                (e) => e.type === "ack" && e.room === "busy",
                100,
              );
              equal(
                new Set(acks.map((a) => a.seq)).size,
                100,
                `writer ${i} acks are distinct`,
              );
            }
          },
        );

        await t.step(
          "join with since returns exactly the missed messages",
          async () => {
            const [writer] = track([
              await TestClient.connect(server.wsUrl, { name: "writer" }),
            ]);
            await writer.join("resume");
            writer.sendRange("resume", "r", 1, 5);
            await writer.collect((e) => e.type === "ack", 5);
            const reader = await TestClient.connect(server.wsUrl, {
              name: "reader",
            });
            const first = await reader.join("resume", 0);
            deepEqual((first.messages as Event[]).map((m) => m.seq), [
              1,
              2,
              3,
              4,
              5,
            ]);
            equal(first.seq, 5);
            equal(first.recovered, true);
            await reader.close();
            writer.sendRange("resume", "r", 6, 9);
            await writer.collect(
              (e) => e.type === "ack" && e.room === "resume",
              9,
            );
            const [again] = track([
              await TestClient.connect(server.wsUrl, { name: "reader" }),
            ]);
            const resumed = await again.join("resume", 5);
            deepEqual((resumed.messages as Event[]).map((m) => m.text), [
              "m6",
              "m7",
              "m8",
              "m9",
            ]);
            equal(resumed.recovered, true);
            writer.send({
              type: "send",
              room: "resume",
              id: "r10",
              text: "m10",
            });
            const live = await again.next(isMessage("resume"));
            equal(live.seq, 10);
            const nothing = await again.join("resume", 10);
            deepEqual(nothing.messages, []);
          },
        );

        await t.step(
          "since older than retained history: recovered false",
          async () => {
            const [writer] = track([
              await TestClient.connect(server.wsUrl, { name: "writer" }),
            ]);
            await writer.join("long");
            const sent = historyLimit + 30;
            writer.sendRange("long", "l", 1, sent);
            await writer.collect(
              (e) => e.type === "ack" && e.room === "long",
              sent,
              20_000,
            );
            const [reader] = track([await TestClient.connect(server.wsUrl)]);
            const joined = await reader.join("long", 5);
            equal(joined.recovered, false);
            const seqs = (joined.messages as Event[]).map((m) =>
              m.seq as number
            );
            equal(seqs.at(-1), sent);
            const ok = await reader.join("long", sent - 90);
            equal(ok.recovered, true);
            equal((ok.messages as Event[]).length, 90);
            const ahead = await reader.join("long", sent + 100);
            equal(ahead.recovered, false);
          },
        );

        await t.step(
          "a repeated id is stored once and acked with the same seq",
          async () => {
            const [a, b] = track(
              await clientsOnDistinctIsolates(server.wsUrl, 2),
            );
            await a.join("idem");
            await b.join("idem");
            a.send({ type: "send", room: "idem", id: "same", text: "once" });
            const first = await a.next((e) =>
              e.type === "ack" && e.id === "same"
            );
            a.send({ type: "send", room: "idem", id: "same", text: "once" });
            a.send({ type: "send", room: "idem", id: "other", text: "next" });
            const acks = await a.collect(
              (e) => e.type === "ack" && e.room === "idem",
              3,
            );
            equal(acks[1].seq, first.seq);
            await b.collect(isMessage("idem"), 2);
            await new Promise((r) => setTimeout(r, 200));
            deepEqual(b.events.filter(isMessage("idem")).map((m) => m.id), [
              "same",
              "other",
            ]);
            // The same id over HTTP, from the same user, on any isolate: same seq, 200.
            const res = await fetch(
              `${server.origin}/api/rooms/idem/messages`,
              {
                method: "POST",
                headers: { authorization: `Bearer ${a.welcome.token}` },
                body: JSON.stringify({ id: "same", text: "once" }),
              },
            );
            equal(res.status, 200);
            deepEqual(await res.json(), {
              room: "idem",
              seq: first.seq,
              id: "same",
            });
            // Another user's identical id is a different message.
            b.send({ type: "send", room: "idem", id: "same", text: "mine" });
            const bAck = await b.next((e) =>
              e.type === "ack" && e.id === "same"
            );
            equal(bAck.seq, 3);
          },
        );

        await t.step(
          "presence across isolates: one entry per user, leaves when the last tab closes",
          async () => {
            const [a, b] = track(
              await clientsOnDistinctIsolates(
                server.wsUrl,
                2,
                (i) => ["ann", "bob"][i],
              ),
            );
            await a.join("lobby");
            const from = a.events.length;
            const joined = await b.join("lobby");
            const online = (joined.online as Array<{ id: string }>).map((u) =>
              u.id
            );
            const ann = a.welcome.user as { id: string };
            if (!online.includes(ann.id)) {
              // The other isolate's news may be a moment behind the join
              // reply (the KV bus takes a write and a watch): then it
              // follows as a presence event.
              await b.next(
                (e) =>
                  e.type === "presence" &&
                  (e.joins as Array<{ id: string }>).some((u) =>
                    u.id === ann.id
                  ),
                1_000,
              );
              online.push(ann.id);
            }
            deepEqual(
              online.sort(),
              [a.welcome.user, b.welcome.user].map((u) =>
                (u as { id: string }).id
              ).sort(),
            );
            const bob = b.welcome.user as { id: string };
            const seen = await a.next(
              (e) =>
                e.type === "presence" &&
                (e.joins as Array<{ id: string }>).some((u) => u.id === bob.id),
              3_000,
              from,
            );
            equal(seen.room, "lobby");
            // A second tab of bob, on whichever isolate: no new entry.
            const [tab] = track([
              await TestClient.connect(server.wsUrl, {
                token: b.welcome.token,
              }),
            ]);
            const tabJoined = await tab.join("lobby");
            equal((tabJoined.online as unknown[]).length, 2);
            await b.close();
            await new Promise((r) => setTimeout(r, 500));
            assert(
              !a.events.some((e) =>
                e.type === "presence" &&
                (e.leaves as Array<{ id: string }>).some((u) => u.id === bob.id)
              ),
              "still one tab open",
            );
            await tab.close();
            await a.next(
              (e) =>
                e.type === "presence" &&
                (e.leaves as Array<{ id: string }>).some((u) =>
                  u.id === bob.id
                ),
              3_000,
            );
            // Whichever isolate answers knows it, once the bus carried it.
            const lobbyOnline = async () => {
              const { rooms } = await (await fetch(
                `${server.origin}/api/rooms`,
              )).json();
              return rooms.find((r: { room: string }) => r.room === "lobby")
                .online;
            };
            let count = await lobbyOnline();
            for (let tries = 0; count !== 1 && tries < 40; tries++) {
              await sleep(50);
              count = await lobbyOnline();
            }
            equal(count, 1);
          },
        );

        await t.step(
          "typing is relayed across isolates and throttled",
          async () => {
            const [a, b] = track(
              await clientsOnDistinctIsolates(server.wsUrl, 2),
            );
            await a.join("typing");
            await b.join("typing");
            a.send({ type: "typing", room: "typing" });
            a.send({ type: "typing", room: "typing" });
            const event = await b.next((e) => e.type === "typing");
            deepEqual(event.user, a.welcome.user);
            await new Promise((r) => setTimeout(r, 300));
            equal(b.events.filter((e) => e.type === "typing").length, 1);
          },
        );

        await t.step("history pages go backwards, oldest first", async () => {
          const [c] = track([await TestClient.connect(server.wsUrl)]);
          c.send({ type: "history", room: "resume", before: 6, limit: 3 });
          const page = await c.next((e) => e.type === "history");
          deepEqual((page.messages as Event[]).map((m) => m.seq), [3, 4, 5]);
          equal(page.hasMore, true);
          c.send({ type: "history", room: "resume", before: 3 });
          const last = await c.next((e) =>
            e.type === "history" && (e.messages as Event[])[0]?.seq === 1
          );
          equal(last.hasMore, false);
        });
      } finally {
        await Promise.all(open.map((c) => c.close()));
        await server.stop();
      }
    },
  });
}

realtimeSuite("embedded engine", {}, 100);
// KV only, other isolates read what they missed from storage, which keeps
// only the latest `historyLimit`: the 600 messages sent at once must fit.
realtimeSuite(
  "KV-only engine (CHAT_BROADCAST=0)",
  { CHAT_BROADCAST: "0" },
  1_000,
);

Deno.test({
  name:
    "a backlog over 500 messages arrives whole: joined, then message events",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({
      isolates: 1,
      env: { CHAT_SEND_RATE: "0" },
    });
    try {
      const writer = await TestClient.connect(server.wsUrl);
      await writer.join("big");
      writer.sendRange("big", "b", 1, 620);
      await writer.collect((e) => e.type === "ack", 620, 20_000);
      const reader = await TestClient.connect(server.wsUrl);
      const joined = await reader.join("big", 0);
      equal((joined.messages as Event[]).length, 500);
      equal(joined.seq, 620);
      const rest = await reader.collect(isMessage("big"), 120);
      deepEqual(
        [...(joined.messages as Event[]), ...rest].map((m) => m.seq),
        seqRange(1, 620),
      );
      await writer.close();
      await reader.close();
    } finally {
      await server.stop();
    }
  },
});
