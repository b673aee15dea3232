/**
 * One contract, every engine: the same cases run against the embedded
 * engine (a KV file, `BroadcastChannel`), the KV-only engine (a KV file,
 * `kv.watch`) and the Redis engine (a real Debian `redis-server`). Two
 * engines on the same storage stand for two nodes.
 */
import assert, { deepEqual, equal, notEqual } from "node:assert/strict";
import type { ChatMessage, RoomEvent, User } from "../protocol/types.ts";
import { Metrics } from "../server/metrics.ts";
import { Logger } from "../server/logger.ts";
import { startRedis, type TestRedis } from "../../tests/helpers/redis.ts";
import { waitUntil } from "../../tests/helpers/wait.ts";
import type { Engine, EventLog, FeedSink } from "./engine.ts";
import { embeddedEngine } from "./embedded.ts";
import { kvOnlyEngine } from "./kv_only.ts";
import { loadEpoch } from "../store/epoch.ts";
import { redisEngine } from "./redis/redis_engine.ts";
import { connectNodeRedis } from "./redis/node_redis.ts";

const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };
const HISTORY_LIMIT = 100;

/**
 * Records what an engine's feed hands its node and, like the hub, reads
 * from the log what a doorbell says exists but the feed did not bring.
 */
class RecordingSink implements FeedSink {
  readonly received: Array<{ room: string; epoch: string; seq: number }> = [];
  readonly heads: Array<{ room: string; epoch: string; seq: number }> = [];
  readonly #log: EventLog;
  constructor(log: EventLog) {
    this.#log = log;
  }
  seqsOf(room: string): number[] {
    return this.received.filter((e) => e.room === room).map((e) => e.seq);
  }
  events(room: string, epoch: string, messages: readonly RoomEvent[]): void {
    for (const m of messages) this.received.push({ room, epoch, seq: m.seq });
  }
  head(room: string, epoch: string, seq: number): void {
    this.heads.push({ room, epoch, seq });
    const have = Math.max(0, ...this.seqsOf(room));
    if (seq <= have) return;
    this.#log.range(room, have, seq).then(
      (messages) => this.events(room, epoch, messages),
      onError,
    );
  }
}

/** Two nodes of one engine on shared storage, and a way to lose it. */
interface Nodes {
  a: Engine;
  b: Engine;
  /** Empties storage (as a Redis restarted without its data); absent where it can't happen. */
  lose?: () => Promise<void>;
  close(): Promise<void>;
}

type Factory = () => Promise<Nodes>;

const onError = (error: unknown) => {
  throw error;
};

async function embeddedNodes(): Promise<Nodes> {
  // Two isolates of one process: the same KV file, one BroadcastChannel.
  const dir = await Deno.makeTempDir({ prefix: "engine-contract-" });
  const node = async (id: string) => {
    const kv = await Deno.openKv(`${dir}/chat.kv`);
    return embeddedEngine({
      kv,
      epoch: await loadEpoch(kv),
      node: id,
      secret: undefined,
      historyLimit: HISTORY_LIMIT,
      forwardWrites: false,
      heartbeatMs: 1_000,
      busDropEvery: 0,
      metrics: new Metrics(),
      onError,
    });
  };
  const a = await node("a");
  const b = await node("b");
  // Isolates post copies only to peers they heard (presence's start-up
  // sync and heartbeats do this in the app).
  a.bus.post({ k: "hb", node: "a", ver: 0 });
  b.bus.post({ k: "hb", node: "b", ver: 0 });
  await waitUntil(
    "the nodes hear each other",
    () => a.bus.hasPeers() && b.bus.hasPeers(),
  );
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function kvOnlyNodes(): Promise<Nodes> {
  // Two instances on one KV database, and no BroadcastChannel.
  const dir = await Deno.makeTempDir({ prefix: "engine-contract-" });
  const node = async (id: string) => {
    const kv = await Deno.openKv(`${dir}/chat.kv`);
    return await kvOnlyEngine({
      kv,
      epoch: await loadEpoch(kv),
      node: id,
      secret: undefined,
      historyLimit: HISTORY_LIMIT,
      heartbeatMs: 1_000,
      busDropEvery: 0,
      metrics: new Metrics(),
      onError,
    });
  };
  const a = await node("a");
  const b = await node("b");
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function redisNodes(redis: () => TestRedis): Factory {
  return async () => {
    const node = async (id: string) =>
      await redisEngine({
        redis: await connectNodeRedis({
          url: redis().url,
          cluster: false,
          onError: () => {},
        }),
        node: id,
        secret: undefined,
        historyLimit: HISTORY_LIMIT,
        heartbeatMs: 1_000,
        metrics: new Metrics(),
        log: new Logger("silent", id),
      });
    const [a, b] = [await node("a"), await node("b")];
    return {
      a,
      b,
      lose: () => redis().flushAll(),
      async close() {
        await a.close();
        await b.close();
        await redis().flushAll();
      },
    };
  };
}

/** Runs every contract case against the engine `make` builds. */
function contract(name: string, make: Factory, setup?: () => Promise<void>) {
  const test = (what: string, fn: (nodes: Nodes) => Promise<void>) =>
    Deno.test({
      name: `${name} engine: ${what}`,
      sanitizeOps: false,
      sanitizeResources: false,
      async fn() {
        await setup?.();
        const nodes = await make();
        try {
          await fn(nodes);
        } finally {
          await nodes.close();
        }
      },
    });

  test("append takes the next seq; head, range and pages read it back", async ({ a, b }) => {
    const before = await a.log.head("r");
    equal(before.seq, 0);
    for (let n = 1; n <= 5; n++) {
      const result = await (n % 2 ? a : b).log.append(
        "r",
        alice,
        `m${n}`,
        { type: "message", text: `t${n}` },
      );
      equal(result.seq, n);
      equal(result.duplicate, false);
      equal((result.event as ChatMessage | undefined)?.text, `t${n}`);
    }
    const head = await b.log.head("r");
    equal(head.seq, 5);
    equal(head.epoch, before.epoch, "the first write keeps the epoch");
    assert(head.lastTs > 0);
    deepEqual((await a.log.range("r", 1, 4)).map((m) => m.seq), [2, 3, 4]);
    deepEqual(await a.log.range("r", 5, 5), []);
    const latest = await b.log.before("r", undefined, 2);
    deepEqual(latest.messages.map((m) => m.seq), [4, 5]);
    equal(latest.hasMore, true);
    const oldest = await b.log.before("r", 3, 10);
    deepEqual(oldest.messages.map((m) => m.text), ["t1", "t2"]);
    equal(oldest.hasMore, false);
    const page = await a.log.latest("r", 3);
    deepEqual(page.messages.map((m) => m.seq), [3, 4, 5]);
    equal(page.head.seq, 5);
    assert((await a.log.rooms()).some((r) => r.room === "r" && r.seq === 5));
  });

  test("a repeated (user, id) is stored once, on any node, even at once", async ({ a, b }) => {
    const first = await a.log.append("i", alice, "same", {
      type: "message",
      text: "once",
    });
    const again = await b.log.append("i", alice, "same", {
      type: "message",
      text: "once",
    });
    deepEqual(again, { seq: first.seq, duplicate: true });
    const other = await a.log.append("i", bob, "same", {
      type: "message",
      text: "bob's own",
    });
    equal(other.seq, first.seq + 1, "ids are per user");
    const racing = await Promise.all(
      Array.from(
        { length: 6 },
        (_, i) =>
          (i % 2 ? a : b).log.append("i", alice, "race", {
            type: "message",
            text: "x",
          }),
      ),
    );
    equal(racing.filter((r) => !r.duplicate).length, 1);
    equal(new Set(racing.map((r) => r.seq)).size, 1);
    equal((await a.log.head("i")).seq, 3);
  });

  test("the feed brings every node's appends to an open room, in order", async ({ a, b }) => {
    const sinkA = new RecordingSink(a.log);
    const sinkB = new RecordingSink(b.log);
    const feedA = a.attach(sinkA);
    const feedB = b.attach(sinkB);
    await feedA.open("f");
    await feedB.open("f");
    for (let n = 1; n <= 10; n++) {
      await (n % 2 ? a : b).log.append("f", alice, `f${n}`, {
        type: "message",
        text: "x",
      });
    }
    for (const sink of [sinkA, sinkB]) {
      await waitUntil(
        "every event arrived",
        // A node may get its own appends twice (its own and the feed's copy).
        () => new Set(sink.seqsOf("f")).size >= 10,
      );
      deepEqual([...new Set(sink.seqsOf("f"))].sort((x, y) => x - y), [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        10,
      ]);
    }
    const epochs = new Set(sinkB.received.map((e) => e.epoch));
    deepEqual(epochs, new Set([(await a.log.head("f")).epoch]));
    feedA.close("f");
    feedB.close("f");
  });

  test("the node bus carries one node's posts to the other, not back", async ({ a, b }) => {
    const heardByA: string[] = [];
    const heardByB: string[] = [];
    a.bus.on("typing", (m) => heardByA.push(m.user.name));
    b.bus.on("typing", (m) => heardByB.push(m.user.name));
    a.bus.post({ k: "typing", room: "t", user: alice });
    b.bus.post({ k: "typing", room: "t", user: bob });
    await waitUntil(
      "each node heard the other",
      () => heardByA.length > 0 && heardByB.length > 0,
    );
    deepEqual(heardByA, ["bob"]);
    deepEqual(heardByB, ["alice"]);
  });

  test("retention keeps the latest events only", async ({ a }) => {
    for (let n = 1; n <= HISTORY_LIMIT + 20; n++) {
      await a.log.append("old", alice, `o${n}`, { type: "message", text: "x" });
    }
    const all = await a.log.range("old", 0, HISTORY_LIMIT + 20);
    equal(all.length, HISTORY_LIMIT);
    equal(all[0].seq, 21);
  });

  test("a lost history gets a new epoch; seq restarts under it", async ({ a, lose }) => {
    if (!lose) return; // KV loses nothing short of a new database file
    await a.log.append("e", alice, "e1", { type: "message", text: "x" });
    const before = await a.log.head("e");
    await lose();
    const after = await a.log.head("e");
    notEqual(after.epoch, before.epoch);
    equal(after.seq, 0);
    equal(
      (await a.log.append("e", alice, "e1", { type: "message", text: "x" }))
        .seq,
      1,
    );
  });
}

contract("embedded", embeddedNodes);
contract("kv-only", kvOnlyNodes);

let redis: TestRedis | undefined;
contract("redis", redisNodes(() => redis!), async () => {
  redis ??= await startRedis();
});
Deno.test({
  name: "redis engine: stop the contract's Redis",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await redis?.stop();
  },
});
