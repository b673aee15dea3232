/**
 * Chooses and starts this node's engine from the configuration.
 *
 * @module
 */
import type { Config } from "../server/config.ts";
import type { RuntimeAdapter } from "../server/runtime.ts";
import type { Metrics } from "../server/metrics.ts";
import type { Logger } from "../server/logger.ts";
import { migrateLayout } from "../store/migrate.ts";
import { loadEpoch } from "../store/epoch.ts";
import type { Engine } from "./engine.ts";
import { embeddedEngine } from "./embedded.ts";
import { kvOnlyEngine } from "./kv_only.ts";
import { redisEngine } from "./redis/redis_engine.ts";
import { connectNodeRedis } from "./redis/node_redis.ts";
import { connectionErrorLog } from "./redis/connection_log.ts";

/** What every engine is started with. */
export interface EngineContext {
  config: Config;
  runtime: RuntimeAdapter;
  /** This node's id. */
  node: string;
  metrics: Metrics;
  log: Logger;
}

/** Starts the engine the configuration names. */
export async function openEngine(context: EngineContext): Promise<Engine> {
  const { config, runtime, node, metrics, log } = context;
  const onError = (error: unknown) => log.error("unexpected error", error);
  if (config.redisUrl) {
    // Until Redis answers this node does not listen: a proxy sees it down.
    log.info("connecting to redis", { url: redactedUrl(config.redisUrl) });
    const redis = await connectNodeRedis({
      url: config.redisUrl,
      cluster: config.redisCluster,
      onError: connectionErrorLog(log),
    });
    return await redisEngine({
      redis,
      node,
      secret: config.secret,
      historyLimit: config.historyLimit,
      heartbeatMs: config.heartbeatMs,
      metrics,
      log,
    });
  }
  const kv = await runtime.openKv(config.kvPath);
  const migrated = await migrateLayout(kv);
  if (migrated > 0) log.info("storage layout migrated", { messages: migrated });
  const epoch = await loadEpoch(kv);
  if (!config.broadcast) {
    return await kvOnlyEngine({
      kv,
      epoch,
      node,
      secret: config.secret,
      historyLimit: config.historyLimit,
      heartbeatMs: config.heartbeatMs,
      busDropEvery: config.faultBusDropEvery,
      metrics,
      onError,
    });
  }
  return embeddedEngine({
    kv,
    epoch,
    node,
    secret: config.secret,
    historyLimit: config.historyLimit,
    forwardWrites: config.forwardWrites,
    heartbeatMs: config.heartbeatMs,
    busDropEvery: config.faultBusDropEvery,
    metrics,
    onError,
  });
}

/** A Redis URL without its password, for logs. */
function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.href;
}
