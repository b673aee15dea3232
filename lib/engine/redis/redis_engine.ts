/**
 * The Redis engine (`CHAT_REDIS_URL`): any number of processes, on one
 * machine or many, form one chat. Room events live in Redis streams and are
 * appended by one Lua script each (`scripts.ts`), which also publishes them
 * on the room's channel; presence, typing and heartbeats ride one node
 * channel (`redis_bus_link.ts`).
 *
 * Message path: a send runs the append script (`RedisLog.append`); the node
 * hands the stored message to its own hub at once, and every other node
 * subscribed to the room gets it from the room's channel (`RedisFeed`);
 * their hubs order it and refill gaps from the stream.
 *
 * @module
 */
import { Bus } from "../../bus/bus.ts";
import { digestSecret } from "../../auth/secret.ts";
import { encodeBase64Url } from "../../auth/base64url.ts";
import type { Metrics } from "../../server/metrics.ts";
import type { Logger } from "../../server/logger.ts";
import type { Engine, EngineHealth, FeedSink, RoomFeed } from "../engine.ts";
import type { RedisConnection } from "./connection.ts";
import { SECRET_KEY } from "./keys.ts";
import { RedisLog } from "./redis_log.ts";
import { RedisRecords } from "./redis_records.ts";
import { RedisFeed } from "./redis_feed.ts";
import { redisBusLink } from "./redis_bus_link.ts";
import { probe } from "../probe.ts";

/** How often open rooms' heads are read to reveal dropped feed messages. */
const HEAD_POLL_MS = 2_000;
/** How long a health probe may take. */
const PING_TIMEOUT_MS = 1_000;

/** What the Redis engine is built from. */
export interface RedisEngineOptions {
  redis: RedisConnection;
  /** This node's id. */
  node: string;
  /** `CHAT_SECRET`, when set. */
  secret: string | undefined;
  /** Events kept per room. */
  historyLimit: number;
  /** How often nodes say they are alive. */
  heartbeatMs: number;
  metrics: Metrics;
  log: Logger;
}

/** Starts the Redis engine of one node. */
export async function redisEngine(
  options: RedisEngineOptions,
): Promise<Engine> {
  const { redis, node, metrics, log } = options;
  const onError = (error: unknown) => log.error("redis engine error", error);
  await warnIfNotPersistent(redis, log);
  const bus = new Bus({
    channel: await redisBusLink(redis, node, onError),
    onError,
    // Every node posts a heartbeat each period: three silent, it is gone.
    peerSilenceMs: 3 * options.heartbeatMs,
  });
  let feed: RedisFeed | undefined;
  const eventLog = new RedisLog(
    redis,
    options.historyLimit,
    (room, epoch, event) => feed?.stored(room, epoch, event),
  );
  metrics.counter(
    "chat_redis_heads_backwards_total",
    "Head reads below what this node saw: Redis lost data, epoch renewed",
    () => feed?.headsBackwards ?? 0,
  );
  metrics.counter(
    "chat_redis_feed_malformed_total",
    "Messages on room channels that were not the append script's events",
    () => feed?.malformed ?? 0,
  );
  metrics.gauge(
    "chat_redis_ready",
    "1 while Redis can be reached",
    () => redis.ready ? 1 : 0,
  );
  return {
    log: eventLog,
    bus,
    records: new RedisRecords(redis),
    attach(sink: FeedSink): RoomFeed {
      feed = new RedisFeed({
        redis,
        log: eventLog,
        sink,
        headPollMs: HEAD_POLL_MS,
        onError,
      });
      return feed;
    },
    async secret() {
      if (options.secret) return await digestSecret(options.secret);
      const fresh = encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));
      await redis.command(SECRET_KEY, ["SET", SECRET_KEY, fresh, "NX"]);
      const shared = String(
        await redis.command(SECRET_KEY, ["GET", SECRET_KEY]),
      );
      // A Redis that restarted empty lost the secret: put ours back, so that
      // nodes started later sign with it too (the first one back wins).
      redis.onReconnect(() => {
        redis.command(SECRET_KEY, ["SET", SECRET_KEY, shared, "NX"])
          .catch(onError);
      });
      return await digestSecret(shared);
    },
    health(): Promise<EngineHealth> {
      if (!redis.ready) {
        return Promise.resolve({ ok: false, reason: "redis unreachable" });
      }
      return probe(
        "redis",
        () => redis.command(SECRET_KEY, ["PING"]),
        PING_TIMEOUT_MS,
      );
    },
    async close() {
      feed?.stop();
      bus.close();
      await redis.close();
    },
  };
}

/**
 * Warns when Redis keeps nothing on disk: a restart would lose every acked
 * message (clients would see a new epoch). Managed Redis may refuse
 * `CONFIG`; then nothing is said.
 */
async function warnIfNotPersistent(
  redis: RedisConnection,
  log: Logger,
): Promise<void> {
  try {
    const aof = await redis.command("", [
      "CONFIG",
      "GET",
      "appendonly",
    ]) as string[];
    const save = await redis.command("", ["CONFIG", "GET", "save"]) as string[];
    if (aof[1] !== "yes" && !save[1]) {
      log.info(
        "warning: Redis persistence is off (appendonly no, no save points): a Redis restart loses history; see docs/deploy.md",
      );
    }
  } catch {
    // CONFIG is disabled: the operator knows their persistence.
  }
}
