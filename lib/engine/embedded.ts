/**
 * The embedded engine (the default, nothing to set up): room events in a
 * Deno KV file, carried between the isolates of one process by a
 * `BroadcastChannel`.
 *
 * Message path: a send goes to the process's writer isolate
 * (`AppendRouter`), whose `AppendWriter` commits it; the writer hands the
 * committed messages to its own hub and posts each commit's rooms once on
 * the bus (`{k:"msgs"}`), where the other isolates' hubs take them. Each writer
 * repeats its latest heads on the bus for a few seconds (`{k:"heads"}`), so a
 * dropped last message is noticed and refilled from KV.
 *
 * @module
 */
import type { RoomEvent } from "../protocol/types.ts";
import { Bus } from "../bus/bus.ts";
import type { CommittedRoom } from "../bus/messages.ts";
import { Membership } from "../bus/membership.ts";
import { MessageStore } from "../store/message_store.ts";
import { loadSecret } from "../auth/secret.ts";
import { AppendRouter } from "../rooms/append_router.ts";
import type { Metrics } from "../server/metrics.ts";
import type { Engine, EngineHealth, FeedSink, RoomFeed } from "./engine.ts";
import { KvEventLog } from "./kv_event_log.ts";
import { KvRecords } from "./kv_records.ts";
import { probe } from "./probe.ts";

/** How long the readiness read of KV may take. */
const PROBE_TIMEOUT_MS = 2_000;

/** How many beacon ticks a room's head is repeated after its last write. */
const BEACON_REPEATS = 5;

/**
 * How long a send forwarded to the writer isolate may take before this
 * isolate stores it itself (idempotency makes that safe).
 */
const FORWARD_TIMEOUT_MS = 1_000;

/** What the embedded engine is built from. */
export interface EmbeddedEngineOptions {
  kv: Deno.Kv;
  /** The database's epoch (`lib/store/epoch.ts`). */
  epoch: string;
  /** This isolate's id. */
  node: string;
  /** `CHAT_SECRET`, when set. */
  secret: string | undefined;
  /** Events kept per room. */
  historyLimit: number;
  /** Whether sends go through one writer isolate per process. */
  forwardWrites: boolean;
  /** How often isolates say they are alive. */
  heartbeatMs: number;
  /** Test-only fault: drop every Nth bus post. */
  busDropEvery: number;
  metrics: Metrics;
  onError: (error: unknown) => void;
}

/** Starts the embedded engine of one isolate. */
export function embeddedEngine(options: EmbeddedEngineOptions): Engine {
  const { kv, epoch, node, metrics, onError } = options;
  const bus = new Bus({
    channel: "chat-v1",
    dropEvery: options.busDropEvery,
    onError,
    // Every isolate posts a heartbeat each period: three silent, it is gone.
    peerSilenceMs: 3 * options.heartbeatMs,
  });
  const store = new MessageStore(kv, options.historyLimit, onError);
  const router = new AppendRouter({
    bus,
    membership: new Membership(node, bus),
    append: (room, user, id, input) => store.append(room, user, id, input),
    forward: options.forwardWrites,
    timeoutMs: FORWARD_TIMEOUT_MS,
  });
  const log = new KvEventLog(
    store,
    epoch,
    (room, user, id, input) => router.append(room, user, id, input),
  );
  const beacon = new HeadBeacon(bus, node);
  const timer = setInterval(
    () => beacon.announce(),
    Math.min(1_000, options.heartbeatMs),
  );

  metrics.counter(
    "chat_store_conflicts_total",
    "Commits retried after another writer moved a room's head",
    () => store.conflicts,
  );
  metrics.counter(
    "chat_appends_forwarded_total",
    "Sends handed to the process's writer isolate",
    () => router.forwarded,
  );
  metrics.counter(
    "chat_appends_forward_timeouts_total",
    "Forwarded sends the writer did not answer in time, stored here instead",
    () => router.fellBack,
  );
  metrics.counter(
    "chat_bus_dropped_injected_total",
    "Bus posts dropped by fault injection",
    () => bus.dropped,
  );

  return {
    log,
    bus,
    records: new KvRecords(kv),
    attach(sink: FeedSink): RoomFeed {
      // A commit's rooms go to the peers in one post, after the commit's
      // listeners ran (its rooms are reported one by one, in one task).
      let outgoing: CommittedRoom[] | null = null;
      store.onCommit((room, messages, vs) => {
        if (outgoing === null) {
          const rooms: CommittedRoom[] = outgoing = [];
          queueMicrotask(() => {
            outgoing = null;
            bus.postToPeers({ k: "msgs", rooms });
          });
        }
        outgoing.push([room, messages, vs]);
        beacon.wrote(room, messages);
        sink.events(room, epoch, messages);
      });
      bus.on("msgs", ({ rooms }) => {
        for (const [room, messages, vs] of rooms) {
          store.learnCommit(room, messages, vs);
          sink.events(room, epoch, messages);
        }
      });
      bus.on("heads", ({ heads }) => {
        for (const [room, seq] of heads) sink.head(room, epoch, seq);
      });
      // The bus carries every room to every isolate: nothing to open.
      return { open: () => Promise.resolve(), close() {} };
    },
    secret: () => loadSecret(kv, options.secret),
    health: (): Promise<EngineHealth> =>
      probe("storage", () => kv.get(["config", "epoch"]), PROBE_TIMEOUT_MS),
    close() {
      clearInterval(timer);
      router.close();
      bus.close();
      kv.close();
      return Promise.resolve();
    },
  };
}

/**
 * Repeats the heads this isolate wrote lately: a dropped last message leaves
 * no later message to reveal the gap, the beacon does.
 */
class HeadBeacon {
  readonly #bus: Bus;
  readonly #node: string;
  /** Rooms written recently: room → [head, ticks left]. */
  readonly #recent = new Map<string, [number, number]>();

  constructor(bus: Bus, node: string) {
    this.#bus = bus;
    this.#node = node;
  }

  /** Records a commit of `room`. */
  wrote(room: string, events: readonly RoomEvent[]): void {
    this.#recent.set(room, [events[events.length - 1].seq, BEACON_REPEATS]);
  }

  /** Posts the recent heads; called on a timer. */
  announce(): void {
    if (this.#recent.size === 0) return;
    const heads: Array<[string, number]> = [];
    for (const [room, entry] of this.#recent) {
      heads.push([room, entry[0]]);
      if (--entry[1] <= 0) this.#recent.delete(room);
    }
    this.#bus.post({ k: "heads", node: this.#node, heads });
  }
}
