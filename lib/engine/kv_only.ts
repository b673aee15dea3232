/**
 * The KV-only engine (`CHAT_BROADCAST=0`; the default on Deno Deploy, whose
 * instances share a KV database and nothing else): room events in Deno KV,
 * carried between nodes by KV itself, with no `BroadcastChannel`.
 *
 * Message path: each node appends with its own writer (`AppendWriter`: the
 * head's versionstamp check serialises writers of a room, a lost race is
 * read again and retried; a node that keeps losing asks the others to hold
 * their commits to the room for a moment). The writer hands its commits to its own hub;
 * every other node with the room open hears the new head through
 * `kv.watch` (`KvRoomFeed`), whose `recent` messages usually are the events,
 * and refills the rest from KV. Presence, typing and heartbeats travel on the
 * node bus over KV (`KvBusLink`).
 *
 * @module
 */
import { Bus } from "../bus/bus.ts";
import { MessageStore } from "../store/message_store.ts";
import { loadSecret } from "../auth/secret.ts";
import type { Metrics } from "../server/metrics.ts";
import type { Engine, EngineHealth, FeedSink, RoomFeed } from "./engine.ts";
import { KvEventLog } from "./kv_event_log.ts";
import { KvRecords } from "./kv_records.ts";
import { KvBusLink } from "./kv_bus_link.ts";
import { KvRoomFeed } from "./kv_room_feed.ts";
import { probe } from "./probe.ts";

/** How long the readiness read of KV may take. */
const PROBE_TIMEOUT_MS = 2_000;
/** How long closing waits for the last bus posts (the goodbye) to be written. */
const FLUSH_TIMEOUT_MS = 1_000;

/** What the KV-only engine is built from. */
export interface KvOnlyEngineOptions {
  kv: Deno.Kv;
  /** The database's epoch (`lib/store/epoch.ts`). */
  epoch: string;
  /** This node's id. */
  node: string;
  /** `CHAT_SECRET`, when set. */
  secret: string | undefined;
  /** Events kept per room. */
  historyLimit: number;
  /** How often nodes say they are alive. */
  heartbeatMs: number;
  /** Test-only fault: drop every Nth bus post. */
  busDropEvery: number;
  metrics: Metrics;
  onError: (error: unknown) => void;
}

/** Starts the KV-only engine of one node. */
export async function kvOnlyEngine(
  options: KvOnlyEngineOptions,
): Promise<Engine> {
  const { kv, epoch, node, metrics, onError } = options;
  const link = await KvBusLink.open({ kv, node, onError });
  const bus = new Bus({
    channel: link,
    dropEvery: options.busDropEvery,
    onError,
    // Every node posts a heartbeat each period: three silent, it is gone.
    peerSilenceMs: 3 * options.heartbeatMs,
  });
  const store = new MessageStore(kv, options.historyLimit, onError);
  const log = new KvEventLog(
    store,
    epoch,
    (room, user, id, input) => store.append(room, user, id, input),
  );
  let feed: KvRoomFeed | undefined;
  // Every node writes; one that keeps losing a hot room asks the others to
  // hold back for a moment (`room_holds.ts`).
  store.onContention((rooms, ms) => bus.post({ k: "hold", node, rooms, ms }));
  bus.on("hold", ({ rooms, ms }) => store.hold(rooms, ms));

  metrics.counter(
    "chat_store_conflicts_total",
    "Commits retried after another writer moved a room's head",
    () => store.conflicts,
  );
  metrics.counter(
    "chat_bus_too_large_total",
    "Bus posts refused for not fitting a KV bus box",
    () => link.tooLarge,
  );
  metrics.gauge(
    "chat_kv_watches",
    "kv.watch streams of open rooms' heads",
    () => feed?.watches ?? 0,
    { perIsolate: true },
  );

  return {
    log,
    bus,
    records: new KvRecords(kv),
    attach(sink: FeedSink): RoomFeed {
      store.onCommit((room, messages) => sink.events(room, epoch, messages));
      feed = new KvRoomFeed({ kv, epoch, sink, onError });
      return feed;
    },
    secret: () => loadSecret(kv, options.secret),
    health: (): Promise<EngineHealth> =>
      probe("storage", () => kv.get(["config", "epoch"]), PROBE_TIMEOUT_MS),
    async close() {
      feed?.stop();
      bus.close();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        link.flushed(),
        new Promise((resolve) => timer = setTimeout(resolve, FLUSH_TIMEOUT_MS)),
      ]);
      clearTimeout(timer);
      kv.close();
    },
  };
}
