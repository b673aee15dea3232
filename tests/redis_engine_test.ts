/**
 * The Redis engine with real parts: three server processes on their own
 * ports sharing one Debian `redis-server`, and clients on every transport.
 * The delivery promise must hold across processes, through a node killed
 * with SIGKILL, a Redis killed mid-stream and restarted from its AOF, and a
 * Redis that lost everything (a new epoch).
 */
import assert, { deepEqual, equal } from "node:assert/strict";
import { startServer, type TestServer } from "./helpers/server.ts";
import { startRedis, startRedisCluster } from "./helpers/redis.ts";
import {
  type Event,
  isMessage,
  seqRange,
  TestClient,
} from "./helpers/ws_client.ts";
import { SseClient } from "./helpers/sse_client.ts";
import { newSession, postMessage } from "./helpers/http.ts";
import { sleep } from "./helpers/wait.ts";

const NODE_ENV = {
  CHAT_SEND_RATE: "0",
  CHAT_HEARTBEAT_MS: "300",
  CHAT_PRESENCE_GRACE_MS: "100",
  CHAT_LOG: "silent",
};

/** Starts `count` single-isolate server processes on one Redis. */
function startNodes(
  count: number,
  env: Record<string, string>,
): Promise<TestServer[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () => startServer({ isolates: 1, env: { ...NODE_ENV, ...env } }),
    ),
  );
}

Deno.test({
  name: "three processes on one Redis are one chat",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const redis = await startRedis({ appendOnly: true });
    const nodes = await startNodes(3, { CHAT_REDIS_URL: redis.url });
    const open: TestClient[] = [];
    const connect = async (node: TestServer, hello = {}) => {
      const client = await TestClient.connect(node.wsUrl, {
        name: "tester",
        ...hello,
      });
      open.push(client);
      return client;
    };
    try {
      await t.step(
        "writers on every node at once: every member gets every message once, in order",
        async () => {
          const members: TestClient[] = [];
          for (const node of nodes) {
            members.push(await connect(node), await connect(node));
          }
          for (const member of members) await member.join("busy");
          // One writer per node, all at once.
          nodes.forEach((_, i) =>
            members[2 * i].sendRange("busy", `n${i}-`, 1, 60)
          );
          for (const member of members) {
            const got = await member.collect(isMessage("busy"), 180, 20_000);
            deepEqual(got.map((m) => m.seq), seqRange(1, 180));
          }
          const ids = new Set(
            (await members[1].collect(isMessage("busy"), 180)).map((m) => m.id),
          );
          equal(ids.size, 180, "every id stored once");
        },
      );

      await t.step(
        "a post on one node reaches SSE and long poll on the others",
        async () => {
          const token = await newSession(nodes[0].origin, "poster");
          const sse = await SseClient.open(
            `${nodes[1].origin}/api/rooms/comet/events?since=0`,
          );
          const poll = fetch(
            `${nodes[2].origin}/api/rooms/comet/messages?since=0&wait=10`,
          ).then((res) => res.json());
          await sleep(200);
          const { status } = await postMessage(
            nodes[0].origin,
            token,
            "comet",
            {
              id: "c1",
              text: "over http",
            },
          );
          equal(status, 201);
          await sse.waitForMessages(1);
          equal(sse.messages()[0].text, "over http");
          const polled = await poll;
          deepEqual(polled.messages.map((m: Event) => m.text), ["over http"]);
          await sse.close();
        },
      );

      await t.step(
        "a repeated id is stored once across nodes: one 201, the rest 200 with its seq",
        async () => {
          const token = await newSession(nodes[0].origin, "repeater");
          const answers = await Promise.all(
            Array.from(
              { length: 9 },
              (_, i) =>
                postMessage(nodes[i % 3].origin, token, "idem", {
                  id: "same",
                  text: "once",
                }),
            ),
          );
          deepEqual(
            answers.map((a) => a.status).sort(),
            [200, 200, 200, 200, 200, 200, 200, 200, 201],
          );
          equal(new Set(answers.map((a) => a.body.seq)).size, 1);
        },
      );

      await t.step(
        "presence crosses nodes; a killed node's users leave elsewhere, and its clients resume on another node",
        async () => {
          const watcher = await connect(nodes[2], { name: "watcher" });
          await watcher.join("pres");
          const doomed = await connect(nodes[0], { name: "doomed" });
          const token = String(doomed.welcome.token);
          const userId = (doomed.welcome.user as { id: string }).id;
          const joined = await doomed.join("pres");
          await watcher.next((e) =>
            e.type === "presence" &&
            (e.joins as Array<{ id: string }>).some((u) => u.id === userId)
          );
          await doomed.post("pres", "p1", "before the crash");
          await nodes[0].kill();
          await watcher.next(
            (e) =>
              e.type === "presence" &&
              (e.leaves as Array<{ id: string }>).some((u) => u.id === userId),
            5_000,
          );
          // Meanwhile others go on talking; the doomed client resumes elsewhere.
          await watcher.post("pres", "w1", "while you were away");
          const back = await connect(nodes[1], { token });
          const resumed = await back.join("pres", Number(joined.seq) + 1);
          deepEqual(
            (resumed.messages as Event[]).map((m) => m.text),
            ["while you were away"],
          );
          equal(resumed.recovered, true);
          await nodes[0].restart();
        },
      );

      await t.step(
        "Redis killed mid-stream and restarted from its AOF: nothing acked is lost or stored twice",
        async () => {
          const writer = await connect(nodes[1], { name: "writer" });
          const reader = await connect(nodes[2], { name: "reader" });
          await writer.join("durable");
          await reader.join("durable");
          const acked = new Set<string>();
          const ackedSeqs = new Map<string, number>();
          writer.sendRange("durable", "d", 1, 40);
          await writer.collect((e) => e.type === "ack", 40);
          await redis.kill();
          writer.sendRange("durable", "d", 41, 60);
          const refused = await writer.collect(
            (e) => e.type === "error" && e.code === "unavailable",
            20,
          );
          equal(refused.length, 20, "sends while Redis is down: unavailable");
          await redis.restart();
          for (let ready = false; !ready;) {
            await sleep(100);
            const res = await fetch(`${nodes[1].origin}/healthz`);
            await res.body?.cancel();
            ready = res.ok;
          }
          // The client retries what was not acked, with the same ids, and
          // some it had acked already (a lost ack looks the same to it).
          writer.sendRange("durable", "d", 35, 60);
          await writer.collect((e) => e.type === "ack", 40 + 26);
          for (const e of writer.events) {
            if (e.type !== "ack") continue;
            acked.add(String(e.id));
            const before = ackedSeqs.get(String(e.id));
            if (before !== undefined) equal(e.seq, before, "same seq again");
            ackedSeqs.set(String(e.id), Number(e.seq));
          }
          equal(acked.size, 60);
          const got = await reader.collect(isMessage("durable"), 60, 20_000);
          deepEqual(got.map((m) => m.seq), seqRange(1, 60));
          equal(new Set(got.map((m) => m.id)).size, 60);
          const late = await connect(nodes[0]);
          const joined = await late.join("durable", 0);
          deepEqual(
            (joined.messages as Event[]).map((m) => m.seq),
            seqRange(1, 60),
            "everything after 0, from the stream Redis reloaded",
          );
        },
      );

      await t.step(
        "Redis emptied: a new epoch, and clients learn recovered: false",
        async () => {
          const client = await connect(nodes[1]);
          const joined = await client.join("lost");
          await client.post("lost", "l1", "soon forgotten");
          await client.post("lost", "l2", "also forgotten");
          await redis.flushAll();
          // The node notices within a head poll and ends the room's
          // subscription (1013), or the next join tells.
          const closed = await client.closed(10_000);
          equal(closed.code, 1013);
          const again = await connect(nodes[2]);
          again.send({
            type: "join",
            room: "lost",
            since: 2,
            epoch: joined.epoch,
          });
          const reply = await again.next((e) =>
            e.type === "joined" && e.room === "lost"
          );
          equal(reply.recovered, false);
          assert(reply.epoch !== joined.epoch, "a new epoch");
          deepEqual(reply.messages, []);
        },
      );
    } finally {
      await Promise.all(open.map((c) => c.close()));
      await Promise.all(nodes.map((n) => n.stop()));
      await redis.stop();
    }
  },
});

Deno.test({
  name:
    "two processes on a 3-master Redis Cluster chat through sharded pub/sub",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cluster = await startRedisCluster(3);
    const nodes = await startNodes(2, {
      CHAT_REDIS_URL: cluster.urls[0],
      CHAT_REDIS_CLUSTER: "1",
    });
    const clients: TestClient[] = [];
    try {
      for (const node of nodes) {
        clients.push(await TestClient.connect(node.wsUrl, { name: "c" }));
      }
      // Rooms on different shards: each its own hash slot.
      const rooms = ["alpha", "bravo", "charlie", "delta"];
      for (const room of rooms) {
        for (const client of clients) await client.join(room);
        clients[0].sendRange(room, `${room}-`, 1, 10);
      }
      for (const room of rooms) {
        for (const client of clients) {
          const got = await client.collect(isMessage(room), 10);
          deepEqual(got.map((m) => m.seq), seqRange(1, 10));
        }
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await Promise.all(nodes.map((n) => n.stop()));
      await cluster.stop();
    }
  },
});
