/**
 * Tests of the Redis test helper itself: the servers it starts are real,
 * durable when asked, emptied on demand, and gone after `stop()`.
 */
import assert from "node:assert/strict";
import { createClient, createCluster } from "redis";
import { startRedis, startRedisCluster } from "./redis.ts";
import { freePort } from "./server.ts";
import { requireCommand } from "./system.ts";

/**
 * A connected client. node-redis rethrows an `error` event nobody listens to
 * and its reconnect loop dies with it, so every client gets a listener.
 */
async function connect(url: string) {
  const client = createClient({ url });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** Whether a process with this id exists (a zombie counts until reaped). */
function processExists(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

Deno.test("startRedis: a loopback server that answers PING, persistence off", async () => {
  const redis = await startRedis();
  try {
    assert.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
    assert.ok(redis.pid > 0);
    assert.ok(Deno.statSync(redis.dir).isDirectory);
    const client = await connect(redis.url);
    try {
      assert.equal(await client.ping(), "PONG");
      assert.deepEqual({ ...await client.configGet("save") }, { save: "" });
      assert.deepEqual({ ...await client.configGet("appendonly") }, {
        appendonly: "no",
      });
      assert.deepEqual({ ...await client.configGet("bind") }, {
        bind: "127.0.0.1",
      });
    } finally {
      await client.close();
    }
  } finally {
    await redis.stop();
  }
  assert.equal(processExists(redis.pid), false);
});

Deno.test("startRedis: kill -9 then restart keeps an acknowledged write (AOF, fsync always)", async () => {
  const redis = await startRedis({ appendOnly: true });
  try {
    const before = await connect(redis.url);
    assert.deepEqual({ ...await before.configGet("appendfsync") }, {
      appendfsync: "always",
    });
    assert.equal(await before.set("survivor", "still here"), "OK");
    await before.close();

    const killed = redis.pid;
    await redis.kill();
    assert.equal(processExists(killed), false);
    assert.match(redis.output(), /Ready to accept connections/);

    await redis.restart();
    assert.notEqual(redis.pid, killed);
    const after = await connect(redis.url);
    try {
      assert.equal(await after.get("survivor"), "still here");
    } finally {
      await after.close();
    }
  } finally {
    await redis.stop();
  }
});

Deno.test("startRedis: flushAll empties every database", async () => {
  const redis = await startRedis();
  try {
    const client = await connect(redis.url);
    try {
      await client.set("a", "1");
      await client.xAdd("stream", "1-1", { text: "hi" });
      assert.equal(await client.dbSize(), 2);
      await redis.flushAll();
      assert.equal(await client.dbSize(), 0);
    } finally {
      await client.close();
    }
  } finally {
    await redis.stop();
  }
});

Deno.test("startRedis: stop() twice, and stop() after kill(), just return", async () => {
  const redis = await startRedis();
  await redis.kill();
  await redis.stop();
  await redis.stop();
  assert.equal(processExists(redis.pid), false);
});

Deno.test("startRedis: a server that cannot start fails at once with its output", async () => {
  const port = freePort();
  const taken = Deno.listen({ hostname: "127.0.0.1", port });
  try {
    await assert.rejects(
      () => startRedis({ port }),
      (err: Error) => {
        assert.match(err.message, new RegExp(`port ${port} exited`));
        assert.match(err.message, /Address already in use/);
        return true;
      },
    );
  } finally {
    taken.close();
  }
});

Deno.test("startRedisCluster: three masters reach cluster_state:ok and serve keys", async () => {
  const cluster = await startRedisCluster();
  try {
    assert.equal(cluster.urls.length, 3);
    for (const node of cluster.nodes) {
      const info = await node.cli("CLUSTER", "INFO");
      assert.match(info, /cluster_state:ok/);
      assert.match(info, /cluster_known_nodes:3/);
    }
    const client = createCluster({ rootNodes: [{ url: cluster.urls[0] }] });
    client.on("error", () => {});
    await client.connect();
    try {
      // Keys spread over the slots land on different masters.
      const keys = Array.from({ length: 20 }, (_, i) => `key:${i}`);
      for (const key of keys) await client.set(key, key.toUpperCase());
      for (const key of keys) {
        assert.equal(await client.get(key), key.toUpperCase());
      }
      const counts = await Promise.all(
        cluster.nodes.map((node) => node.cli("DBSIZE")),
      );
      assert.ok(counts.every((count) => Number(count) > 0), String(counts));

      await cluster.flushAll();
      assert.equal(await client.get("key:0"), null);
    } finally {
      await client.close();
    }
  } finally {
    await cluster.stop();
  }
  for (const node of cluster.nodes) {
    assert.equal(processExists(node.pid), false);
  }
});

Deno.test("requireCommand: finds a program, or names the package in one line", () => {
  assert.match(
    requireCommand("redis-server", "redis-server"),
    /\/redis-server$/,
  );
  assert.throws(
    () => requireCommand("no-such-program-for-chat", "chat-missing"),
    {
      message:
        "no-such-program-for-chat is missing: apt-get install chat-missing",
    },
  );
});
