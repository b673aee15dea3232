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
import type { Engine, EventInput, EventLog, FeedSink } from "./engine.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { embeddedEngine } from "./embedded.ts";
import { kvOnlyEngine } from "./kv_only.ts";
import { loadEpoch } from "../store/epoch.ts";
import { redisEngine } from "./redis/redis_engine.ts";
import { connectNodeRedis } from "./redis/node_redis.ts";

const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };
const carol: User = { id: "u_carol", name: "carol" };
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

  test("edits, deletions and reactions take the next seq and fold pages", async ({ a, b }) => {
    const msg = (text: string, replyTo?: number) =>
      replyTo === undefined
        ? { type: "message" as const, text }
        : { type: "message" as const, text, replyTo };
    equal((await a.log.append("u", alice, "m1", msg("hello"))).seq, 1);
    equal((await b.log.append("u", bob, "m2", msg("hi", 1))).seq, 2);
    const edit = await b.log.append("u", alice, "e1", {
      type: "edit",
      target: 1,
      text: "hello!",
    });
    equal(edit.seq, 3);
    deepEqual(edit.event, { ...edit.event, type: "edit", target: 1 });
    const react = {
      type: "reaction" as const,
      target: 1,
      emoji: "👍",
      on: true,
    };
    equal((await a.log.append("u", bob, "r1", react)).seq, 4);
    equal((await b.log.append("u", alice, "r2", react)).seq, 5);
    equal(
      (await a.log.append("u", bob, "r3", { ...react, on: false })).seq,
      6,
    );
    equal(
      (await a.log.append("u", bob, "d1", { type: "delete", target: 2 })).seq,
      7,
    );
    // A repeated id is the same event, not a second one.
    deepEqual(
      await b.log.append("u", alice, "e1", {
        type: "edit",
        target: 1,
        text: "other",
      }),
      { seq: 3, duplicate: true },
    );
    for (const node of [a, b]) {
      const page = await node.log.before("u", undefined, 10);
      deepEqual(page.messages.map((m) => m.seq), [1, 2]);
      const [first, second] = page.messages;
      equal(first.text, "hello!");
      equal(first.edited, (edit.event as { ts: number }).ts);
      deepEqual(first.reactions, { "👍": [alice.id] });
      equal(second.deleted, true);
      equal(second.text, "");
      equal(second.replyTo, 1);
      const latest = await node.log.latest("u", 1);
      equal(latest.head.seq, 7, "the head is the last event, of any kind");
      deepEqual(latest.messages.map((m) => m.seq), [2]);
      const resume = await node.log.resume("u", 1, 7);
      deepEqual(resume.messages.map((m) => [m.seq, m.deleted]), [[2, true]]);
      deepEqual(resume.updates.map((u) => [u.seq, u.type]), [
        [3, "edit"],
        [4, "reaction"],
        [5, "reaction"],
        [6, "reaction"],
        [7, "delete"],
      ]);
      deepEqual((await node.log.range("u", 0, 7)).map((e) => e.seq), [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
      ]);
    }
  });

  test("reactions are sets per emoji: given again, a reaction keeps its place", async ({ a, b }) => {
    await a.log.append("s", alice, "m", { type: "message", text: "vote" });
    const react = (on: boolean) => ({
      type: "reaction" as const,
      target: 1,
      emoji: "👍🏽",
      on,
    });
    await a.log.append("s", bob, "r1", react(true));
    await b.log.append("s", alice, "r2", react(true));
    await a.log.append("s", bob, "r3", react(true));
    await b.log.append("s", carol, "r4", react(false));
    for (const node of [a, b]) {
      const [message] = (await node.log.before("s", undefined, 1)).messages;
      deepEqual(message.reactions, { "👍🏽": [bob.id, alice.id] });
    }
    equal((await a.log.head("s")).seq, 5, "each is stored, changed or not");
  });

  test("refused updates change nothing: forbidden, not_found", async ({ a, b }) => {
    await a.log.append("x", alice, "m1", { type: "message", text: "mine" });
    await a.log.append("x", alice, "m2", { type: "message", text: "gone" });
    await a.log.append("x", alice, "d", { type: "delete", target: 2 });
    const refused = async (
      node: Engine,
      input: EventInput,
      code: string,
    ) => {
      await assert.rejects(
        () => node.log.append("x", bob, `bad-${code}-${input.type}`, input),
        (error: unknown) => {
          assert(error instanceof ProtocolError, String(error));
          equal(error.code, code);
          return true;
        },
      );
    };
    await refused(
      b,
      { type: "edit", target: 1, text: "not yours" },
      "forbidden",
    );
    await refused(a, { type: "delete", target: 1 }, "forbidden");
    await refused(b, { type: "edit", target: 9, text: "nothing" }, "not_found");
    await refused(
      a,
      { type: "edit", target: 3, text: "an event" },
      "not_found",
    );
    await refused(b, {
      type: "reaction",
      target: 2,
      emoji: "👍",
      on: true,
    }, "not_found");
    await refused(a, { type: "message", text: "re", replyTo: 42 }, "not_found");
    equal((await b.log.head("x")).seq, 3, "nothing was stored");
    const page = await b.log.before("x", undefined, 10);
    deepEqual(page.messages.map((m) => [m.seq, m.text]), [[1, "mine"], [
      2,
      "",
    ]]);
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
