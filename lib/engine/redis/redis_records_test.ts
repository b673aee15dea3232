/**
 * What the records contract (`../records_contract_test.ts`) cannot ask of
 * every engine: expiry (Deno KV deletes expired keys at some later time),
 * Redis losing its data, and `list` racing a write.
 *
 * @module
 */
import { deepEqual, equal, notEqual } from "node:assert/strict";
import { startRedis, type TestRedis } from "../../../tests/helpers/redis.ts";
import type { RedisConnection } from "./connection.ts";
import { recordIndexKey } from "./keys.ts";
import { connectNodeRedis } from "./node_redis.ts";
import { RedisRecords } from "./redis_records.ts";

let redis: TestRedis | undefined;

/** Runs `fn` on a fresh connection to an empty Redis. */
function test(
  name: string,
  fn: (connection: RedisConnection) => Promise<void>,
) {
  Deno.test({
    name: `redis records: ${name}`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      redis ??= await startRedis();
      await redis.flushAll();
      const connection = await connectNodeRedis({
        url: redis.url,
        cluster: false,
        onError: () => {},
      });
      try {
        await fn(connection);
      } finally {
        await connection.close();
      }
    },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The members of `parent`'s index, as Redis holds them. */
async function indexOf(
  connection: RedisConnection,
  parent: string[],
): Promise<string[]> {
  const index = recordIndexKey(parent);
  return await connection.command(index, [
    "ZRANGE",
    index,
    "0",
    "-1",
  ]) as string[];
}

test("an expired record is gone from reads, checks and lists, and its index member with it", async (connection) => {
  const records = new RedisRecords(connection);
  await records.write({
    set: ["a", "b", "c", "d"].map((part) => ({
      key: ["invite", part],
      value: {},
      expireInMs: 30,
    })),
  });
  // Written again without an expiry, as a KV set does, `d` stays.
  await records.write({
    set: [
      { key: ["invite", "d"], value: { kept: true } },
      { key: ["invite", "e"], value: {} },
    ],
  });
  await sleep(100);
  equal(await records.get(["invite", "a"]), null);
  // The first page of two is all expired members: list reads on past them.
  deepEqual(
    (await records.list(["invite"], 2)).map((entry) => entry.key.at(-1)),
    ["d", "e"],
  );
  deepEqual(await indexOf(connection, ["invite"]), ["d", "e"]);
  equal(
    await records.write({
      checks: [{ key: ["invite", "a"], version: null }],
      set: [{ key: ["invite", "a"], value: {} }],
    }),
    true,
  );
  deepEqual(
    (await records.list(["invite"])).map((entry) => entry.key.at(-1)),
    ["a", "d", "e"],
  );
  // A delete takes the member along at once (no list needed).
  await records.write({ delete: [["invite", "a"]] });
  deepEqual(await indexOf(connection, ["invite"]), ["d", "e"]);
});

test("a record written again while a list found it expired keeps its index member", async (connection) => {
  const records = new RedisRecords(connection);
  await records.write({
    set: [{ key: ["ban", "u_a"], value: { n: 1 }, expireInMs: 20 }],
  });
  await sleep(60);
  // The write lands between the list's read and its clean-up.
  let raced = false;
  const racing: RedisConnection = {
    ...connection,
    async script(script, keys, args) {
      if (!raced && keys[0] === recordIndexKey(["ban"])) {
        raced = true;
        await records.write({
          set: [{ key: ["ban", "u_a"], value: { n: 2 } }],
        });
      }
      return await connection.script(script, keys, args);
    },
  };
  deepEqual(await new RedisRecords(racing).list(["ban"]), []);
  equal(raced, true, "the list cleaned up");
  deepEqual(
    (await records.list<{ n: number }>(["ban"])).map((entry) => entry.value),
    [{ n: 2 }],
  );
});

test("a version given before Redis lost its data is never given again", async (connection) => {
  const records = new RedisRecords(connection);
  await records.write({ set: [{ key: ["account", "alice"], value: {} }] });
  const before = await records.get(["account", "alice"]);
  await redis!.flushAll();
  await records.write({ set: [{ key: ["account", "alice"], value: {} }] });
  const after = await records.get(["account", "alice"]);
  notEqual(after!.version, before!.version);
  equal(
    await records.write({
      checks: [{ key: ["account", "alice"], version: before!.version }],
      delete: [["account", "alice"]],
    }),
    false,
  );
});

Deno.test({
  name: "redis records: stop the tests' Redis",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await redis?.stop();
  },
});
