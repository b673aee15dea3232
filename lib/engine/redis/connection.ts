/**
 * What the Redis engine needs of a Redis deployment, a single server or a
 * cluster alike: commands routed by key, scripts, and pub/sub. The npm
 * client is adapted to it in `node_redis.ts`; the engine's logic never sees
 * the client library.
 *
 * @module
 */
import type { LuaScript } from "./scripts.ts";

/** Receives a pub/sub message. */
export type PubSubListener = (message: string, channel: string) => void;

/** Connections to one Redis server or cluster. */
export interface RedisConnection {
  /** Whether commands can be sent now (commands fail fast while not). */
  readonly ready: boolean;
  /** Runs a command; `key` routes it to its shard in a cluster. */
  command(key: string, args: string[]): Promise<unknown>;
  /** Runs a Lua script (by SHA-1, loading it when Redis lacks it). */
  script(script: LuaScript, keys: string[], args: string[]): Promise<unknown>;
  /** Publishes on a node-wide channel (classic pub/sub). */
  publish(channel: string, message: string): Promise<void>;
  /** Subscribes to a node-wide channel. */
  subscribe(channel: string, listener: PubSubListener): Promise<void>;
  /**
   * Subscribes to a room's feed channel: a sharded channel in a cluster
   * (the script publishes with `SPUBLISH`), a classic one otherwise.
   */
  subscribeRoom(channel: string, listener: PubSubListener): Promise<void>;
  /** Ends a room feed subscription. */
  unsubscribeRoom(channel: string): Promise<void>;
  /**
   * Called each time the connections are ready again after a loss (the
   * client resubscribes by itself; messages published meanwhile were lost).
   */
  onReconnect(listener: () => void): void;
  /** Whether this is a cluster (scripts publish with `SPUBLISH`). */
  readonly cluster: boolean;
  /** Closes every connection. */
  close(): Promise<void>;
}
