/**
 * The contract every engine's {@linkcode Records} keeps, run against each:
 * Deno KV, a real Debian `redis-server`, and a three-master Redis Cluster.
 *
 * @module
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import { MAX_RECORD_CHANGES, type Records } from "./records.ts";
import { KvRecords } from "./kv_records.ts";
import {
  startRedis,
  startRedisCluster,
  type TestRedis,
  type TestRedisCluster,
} from "../../tests/helpers/redis.ts";
import { connectNodeRedis } from "./redis/node_redis.ts";
import { RedisRecords } from "./redis/redis_records.ts";

/** Builds a fresh, empty `Records` and a way to dispose of it. */
type Factory = () => Promise<{ records: Records; close(): Promise<void> }>;

/** Runs every contract case against the records `make` builds. */
export function recordsContract(
  name: string,
  make: Factory,
  setup?: () => Promise<void>,
) {
  const test = (what: string, fn: (records: Records) => Promise<void>) =>
    Deno.test({
      name: `${name} records: ${what}`,
      sanitizeOps: false,
      sanitizeResources: false,
      async fn() {
        await setup?.();
        const { records, close } = await make();
        try {
          await fn(records);
        } finally {
          await close();
        }
      },
    });

  test("a written record reads back with a version that changes on every write", async (records) => {
    equal(await records.get(["account", "alice"]), null);
    equal(
      await records.write({
        set: [{ key: ["account", "alice"], value: { id: "u_1" } }],
      }),
      true,
    );
    const first = await records.get<{ id: string }>(["account", "alice"]);
    deepEqual(first?.key, ["account", "alice"]);
    deepEqual(first?.value, { id: "u_1" });
    await records.write({
      set: [{ key: ["account", "alice"], value: { id: "u_1", n: 2 } }],
    });
    const second = await records.get(["account", "alice"]);
    deepEqual(second?.value, { id: "u_1", n: 2 });
    equal(second!.version === first!.version, false);
  });

  test("checks make a write all or nothing", async (records) => {
    const claim = (id: string) =>
      records.write({
        checks: [{ key: ["name", "dave"], version: null }],
        set: [
          { key: ["name", "dave"], value: { id } },
          { key: ["user", id], value: { name: "dave" } },
        ],
      });
    equal(await claim("u_a"), true);
    equal(await claim("u_b"), false, "the name is taken");
    equal(await records.get(["user", "u_b"]), null, "nothing else written");
    const taken = await records.get<{ id: string }>(["name", "dave"]);
    equal(taken?.value.id, "u_a");
    // A stale version fails; the current one passes.
    await records.write({
      set: [{ key: ["name", "dave"], value: { id: "x" } }],
    });
    equal(
      await records.write({
        checks: [{ key: ["name", "dave"], version: taken!.version }],
        delete: [["name", "dave"]],
      }),
      false,
    );
    const now = await records.get(["name", "dave"]);
    equal(
      await records.write({
        checks: [{ key: ["name", "dave"], version: now!.version }],
        delete: [["name", "dave"]],
      }),
      true,
    );
    equal(await records.get(["name", "dave"]), null);
  });

  test("concurrent claims of one key: exactly one wins", async (records) => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        records.write({
          checks: [{ key: ["name", "eve"], version: null }],
          set: [{ key: ["name", "eve"], value: { id: `u_${i}` } }],
        })),
    );
    equal(results.filter(Boolean).length, 1);
  });

  test("list gives a key's direct children in key order, up to a limit", async (records) => {
    await records.write({
      set: [
        { key: ["member", "r1", "u_c"], value: { role: "member" } },
        { key: ["member", "r1", "u_a"], value: { role: "owner" } },
        { key: ["member", "r1", "u_b"], value: { role: "moderator" } },
        { key: ["member", "r2", "u_a"], value: { role: "member" } },
        { key: ["member", "r1"], value: { note: "not a child" } },
      ],
    });
    const members = await records.list<{ role: string }>(["member", "r1"]);
    deepEqual(members.map((m) => m.key), [
      ["member", "r1", "u_a"],
      ["member", "r1", "u_b"],
      ["member", "r1", "u_c"],
    ]);
    deepEqual(members.map((m) => m.value.role), [
      "owner",
      "moderator",
      "member",
    ]);
    deepEqual(
      (await records.list(["member", "r1"], 2)).map((m) => m.key.at(-1)),
      ["u_a", "u_b"],
    );
    await records.write({ delete: [["member", "r1", "u_b"]] });
    deepEqual(
      (await records.list(["member", "r1"])).map((m) => m.key.at(-1)),
      ["u_a", "u_c"],
    );
    deepEqual(await records.list(["member", "nobody"]), []);
  });

  test("getMany reads many keys in order, more than ten too", async (records) => {
    const keys = Array.from({ length: 23 }, (_, i) => ["k", String(i)]);
    await records.write({
      set: keys.filter((_, i) => i % 2 === 0).map((key) => ({
        key,
        value: { n: Number(key[1]) },
      })),
    });
    const entries = await records.getMany<{ n: number }>(keys);
    deepEqual(
      entries.map((e) => e?.value.n ?? null),
      keys.map((_, i) => (i % 2 === 0 ? i : null)),
    );
  });

  test("key parts may hold any character and order by their UTF-8 bytes", async (records) => {
    // U+FFFD sorts before U+1F600 in UTF-8 but after it in UTF-16 (JS's
    // own order); ':' and braces must not make two keys one.
    const parts = ["a", "Z", "a:b", "{x}", "é", "\uFFFD", "😀", "a b"];
    await records.write({
      set: [
        ...parts.map((part, n) => ({ key: ["p", part], value: { n } })),
        { key: ["p", "a", "b"], value: { n: "grandchild" } },
        { key: ["p:a", "b"], value: { n: "other parent" } },
        { key: ["p:a:b"], value: { n: "one part" } },
      ],
    });
    deepEqual(
      (await records.list(["p"])).map((entry) => entry.key.at(-1)),
      ["Z", "a", "a b", "a:b", "{x}", "é", "\uFFFD", "😀"],
    );
    deepEqual(
      (await records.getMany<{ n: unknown }>([
        ["p", "a:b"],
        ["p:a", "b"],
        ["p:a:b"],
        ["p", "a", "b"],
      ])).map((entry) => entry?.value.n),
      [2, "other parent", "one part", "grandchild"],
    );
    deepEqual(
      (await records.list(["p:a"])).map((entry) => entry.key),
      [["p:a", "b"]],
    );
    deepEqual((await records.list(["p", "😀"])).map((e) => e.key), []);
  });

  test("one write moves a key; a failed check on any key stops every change", async (records) => {
    await records.write({
      set: [
        { key: ["room", "r1"], value: { owner: "u_a" } },
        { key: ["room", "r2"], value: { owner: "u_a" } },
      ],
    });
    const r1 = await records.get(["room", "r1"]);
    // Moves r1 to r3, deletes a key that never was.
    equal(
      await records.write({
        checks: [
          { key: ["room", "r1"], version: r1!.version },
          { key: ["room", "r3"], version: null },
        ],
        set: [{ key: ["room", "r3"], value: { owner: "u_a" } }],
        delete: [["room", "r1"], ["room", "never"]],
      }),
      true,
    );
    deepEqual(
      (await records.list(["room"])).map((e) => e.key.at(-1)),
      ["r2", "r3"],
    );
    // A failed check on the second key stops the first key's change.
    const r2 = await records.get(["room", "r2"]);
    equal(
      await records.write({
        checks: [
          { key: ["room", "r2"], version: r2!.version },
          { key: ["room", "r3"], version: null },
        ],
        delete: [["room", "r2"]],
      }),
      false,
    );
    deepEqual((await records.get(["room", "r2"]))?.value, { owner: "u_a" });
  });

  test("a key with an empty part is refused", async (records) => {
    await rejects(() => records.get(["room", ""]), RangeError);
    await rejects(
      () => records.write({ set: [{ key: ["room", ""], value: {} }] }),
      RangeError,
    );
    await rejects(() => records.list([""]), RangeError);
  });

  test("a write of more than MAX_RECORD_CHANGES records is refused whole", async (records) => {
    const keys = Array.from(
      { length: MAX_RECORD_CHANGES + 1 },
      (_, i) => ["k", String(i)],
    );
    await rejects(
      () => records.write({ set: keys.map((key) => ({ key, value: {} })) }),
      RangeError,
    );
    equal(await records.get(["k", "0"]), null);
  });
}

recordsContract("kv", async () => {
  const kv = await Deno.openKv(":memory:");
  return {
    records: new KvRecords(kv),
    close: () => Promise.resolve(kv.close()),
  };
});

let redis: TestRedis | undefined;
recordsContract(
  "redis",
  async () => {
    const connection = await connectNodeRedis({
      url: redis!.url,
      cluster: false,
      onError: () => {},
    });
    return {
      records: new RedisRecords(connection),
      close: () => connection.close(),
    };
  },
  async () => {
    redis ??= await startRedis();
    await redis.flushAll();
  },
);
Deno.test({
  name: "redis records: stop the contract's Redis",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await redis?.stop();
  },
});

// In a cluster the write script's keys must share one slot, or Redis
// refuses it (CROSSSLOT): the cases that write several keys prove they do.
let cluster: TestRedisCluster | undefined;
recordsContract(
  "redis cluster",
  async () => {
    const connection = await connectNodeRedis({
      url: cluster!.urls[0],
      cluster: true,
      onError: () => {},
    });
    return {
      records: new RedisRecords(connection),
      close: () => connection.close(),
    };
  },
  async () => {
    cluster ??= await startRedisCluster();
    await cluster.flushAll();
  },
);
Deno.test({
  name: "redis cluster records: stop the contract's cluster",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await cluster?.stop();
  },
});
