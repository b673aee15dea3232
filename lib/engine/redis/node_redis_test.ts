import assert, { equal } from "node:assert/strict";
import { startRedis } from "../../../tests/helpers/redis.ts";
import { connectNodeRedis } from "./node_redis.ts";

Deno.test({
  name:
    "node-redis: commands fail at once while Redis is down, and close() does not hang on a queued subscribe",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await startRedis();
    try {
      const connection = await connectNodeRedis({
        url: redis.url,
        cluster: false,
        onError: () => {},
      });
      equal(await connection.command("k", ["SET", "k", "v"]), "OK");
      await redis.kill();
      await assert.rejects(connection.command("k", ["GET", "k"]));
      equal(connection.ready, false);
      // Pub/sub commands queue even without an offline queue.
      const queued = connection.subscribeRoom("chat:{r}:f", () => {});
      queued.catch(() => {});
      let timer: ReturnType<typeof setTimeout> | undefined;
      const closed = await Promise.race([
        connection.close().then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), 3_000);
        }),
      ]);
      clearTimeout(timer);
      assert(closed, "close() hung on a subscribe queued while Redis was down");
    } finally {
      await redis.stop();
    }
  },
});
