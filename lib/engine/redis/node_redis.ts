/**
 * {@linkcode RedisConnection} over node-redis (`npm:redis`, version 5), for
 * one server (`redis://`, `rediss://`) or a Redis Cluster. Commands fail at
 * once while the connection is down (no offline queue): a send is answered
 * `unavailable` and the client retries with the same id, rather than waiting
 * on a queue that may replay it after the client gave up.
 *
 * @module
 */
import { createClient, createCluster } from "redis";
import type { PubSubListener, RedisConnection } from "./connection.ts";
import type { LuaScript } from "./scripts.ts";

/** Where and how to connect. */
export interface NodeRedisOptions {
  url: string;
  /** A Redis Cluster: `url` is one of its nodes. */
  cluster: boolean;
  /** Called with connection errors (the client keeps reconnecting). */
  onError: (error: unknown) => void;
}

/** Reconnect after 50 ms, doubling up to 2 s, with jitter. */
function reconnectDelay(retries: number): number {
  const base = Math.min(2_000, 50 * 2 ** Math.min(retries, 6));
  return Math.round(base / 2 + Math.random() * base / 2);
}

const CLIENT_OPTIONS = {
  disableOfflineQueue: true,
  socket: { reconnectStrategy: reconnectDelay, connectTimeout: 5_000 },
};

/** Connects to Redis; resolves once commands and subscriptions work. */
export async function connectNodeRedis(
  options: NodeRedisOptions,
): Promise<RedisConnection> {
  return options.cluster
    ? await connectCluster(options)
    : await connectServer(options);
}

/** The SHA-1 of each script, computed once. */
const shas = new Map<LuaScript, Promise<string>>();

function shaOf(script: LuaScript): Promise<string> {
  let sha = shas.get(script);
  if (!sha) {
    sha = crypto.subtle.digest(
      "SHA-1",
      new TextEncoder().encode(script.source),
    ).then((digest) =>
      Array.from(
        new Uint8Array(digest),
        (byte) => byte.toString(16).padStart(2, "0"),
      ).join("")
    );
    shas.set(script, sha);
  }
  return sha;
}

/** Runs a script by SHA, sending its source when Redis lacks it. */
async function runScript(
  send: (args: string[]) => Promise<unknown>,
  script: LuaScript,
  keys: string[],
  args: string[],
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await send(["EVALSHA", await shaOf(script), ...tail]);
  } catch (error) {
    if (!String(error).includes("NOSCRIPT")) throw error;
    return await send(["EVAL", script.source, ...tail]);
  }
}

/** Tells reconnect listeners when a client is ready again after a loss. */
class Reconnects {
  readonly #listeners: Array<() => void> = [];

  add(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** Calls the listeners on every `ready` after the first. */
  watch(client: { on(event: "ready", listener: () => void): unknown }): void {
    let first = true;
    client.on("ready", () => {
      if (first) {
        first = false;
        return;
      }
      this.notify();
    });
  }

  /** Calls every listener. */
  notify(): void {
    for (const listener of this.#listeners) listener();
  }
}

async function connectServer(
  options: NodeRedisOptions,
): Promise<RedisConnection> {
  const commands = createClient({ url: options.url, ...CLIENT_OPTIONS });
  const subscriber = commands.duplicate();
  const reconnects = new Reconnects();
  for (const client of [commands, subscriber]) {
    // Without a listener an 'error' event would end the process.
    client.on("error", options.onError);
    reconnects.watch(client);
  }
  await Promise.all([commands.connect(), subscriber.connect()]);
  const send = (args: string[]) => commands.sendCommand(args);
  return {
    cluster: false,
    get ready() {
      return commands.isReady && subscriber.isReady;
    },
    command: (_key, args) => send(args),
    script: (script, keys, args) => runScript(send, script, keys, args),
    async publish(channel, message) {
      await commands.publish(channel, message);
    },
    subscribe: (channel, listener: PubSubListener) =>
      subscriber.subscribe(channel, listener),
    subscribeRoom: (channel, listener: PubSubListener) =>
      subscriber.subscribe(channel, listener),
    unsubscribeRoom: (channel) => subscriber.unsubscribe(channel),
    onReconnect: (listener) => reconnects.add(listener),
    async close() {
      // close() waits for queued commands, and a subscribe queued while
      // Redis is down never runs: a client not ready is destroyed instead.
      for (const client of [commands, subscriber]) {
        if (client.isReady) await client.close().catch(options.onError);
        else if (client.isOpen) client.destroy();
      }
    },
  };
}

async function connectCluster(
  options: NodeRedisOptions,
): Promise<RedisConnection> {
  const cluster = createCluster({
    rootNodes: [{ url: options.url }],
    defaults: CLIENT_OPTIONS,
  });
  cluster.on("error", options.onError);
  const reconnects = new Reconnects();
  // A cluster reconnects node by node; a node's 'ready' is passed on as
  // 'node-ready' (at the first connection too, when nothing is open yet).
  // Any of them may have lost pub/sub messages.
  cluster.on("node-ready", () => reconnects.notify());
  await cluster.connect();
  let down = 0;
  cluster.on("node-error", () => down = Date.now());
  // A node error in the last second: commands would likely fail.
  const ready = () => cluster.isOpen && Date.now() - down > 1_000;
  const send = (key: string, args: string[]) =>
    cluster.sendCommand(key === "" ? undefined : key, false, args);
  return {
    cluster: true,
    get ready() {
      return ready();
    },
    command: send,
    script: (script, keys, args) =>
      runScript((a) => send(keys[0], a), script, keys, args),
    async publish(channel, message) {
      await cluster.publish(channel, message);
    },
    subscribe: (channel, listener: PubSubListener) =>
      cluster.subscribe(channel, listener),
    subscribeRoom: (channel, listener: PubSubListener) =>
      cluster.sSubscribe(channel, listener),
    unsubscribeRoom: (channel) => cluster.sUnsubscribe(channel),
    onReconnect: (listener) => reconnects.add(listener),
    async close() {
      // As above: closing waits for what is queued on an unready node.
      if (ready()) await cluster.close();
      else if (cluster.isOpen) cluster.destroy();
    },
  };
}
