/**
 * The application of one isolate: configuration, storage, sessions, rooms,
 * presence and metrics, wired together once at start-up.
 *
 * @module
 */
import { type Config, loadConfig } from "./config.ts";
import type { RuntimeAdapter } from "./runtime.ts";
import { Metrics } from "./metrics.ts";
import { RateLimiter } from "./rate_limiter.ts";
import { Logger } from "./logger.ts";
import { loadSecret } from "../auth/secret.ts";
import { TokenSigner } from "../auth/token.ts";
import { Sessions } from "../auth/sessions.ts";
import { MessageStore } from "../store/message_store.ts";
import { migrateLayout } from "../store/migrate.ts";
import { Bus } from "../bus/bus.ts";
import { Hub } from "../rooms/hub.ts";
import { ChatService } from "../rooms/chat_service.ts";
import { OutgoingEvent } from "../rooms/outgoing.ts";
import { Presence } from "../presence/presence.ts";
import { Membership } from "../bus/membership.ts";
import { AppendRouter } from "../rooms/append_router.ts";
import type { CloseReason } from "../ws/close_codes.ts";
import { IdleSweep, type IdleWatched } from "../ws/idle_sweep.ts";

/** Counters every transport updates. */
export interface AppCounters {
  messagesStored: { inc(by?: number): void };
  messagesDuplicate: { inc(by?: number): void };
  connectionsOpened: { inc(by?: number): void };
  protocolErrors: { inc(by?: number): void };
  slowClientsClosed: { inc(by?: number): void };
}

/** A live WebSocket connection, as the app tracks it. */
export interface LiveSocket extends IdleWatched {
  close(reason: CloseReason, text?: string): void;
}

/** Everything a request handler or connection needs. */
export interface App {
  readonly config: Config;
  /** This isolate's id, unique per process start. */
  readonly node: string;
  readonly runtime: RuntimeAdapter;
  readonly sessions: Sessions;
  readonly chat: ChatService;
  readonly hub: Hub;
  readonly presence: Presence;
  readonly bus: Bus;
  readonly metrics: Metrics;
  readonly counters: AppCounters;
  /** Per-user send limits for HTTP posts (WebSockets have one per connection). */
  readonly httpSendLimiter: RateLimiter;
  readonly log: Logger;
  /** Live WebSocket connections on this isolate (for the gauge, idle sweep and shutdown). */
  readonly sockets: Set<LiveSocket>;
  /** The clock connections stamp when they hear from their client. */
  readonly idle: IdleSweep;
  /** Stops timers, says goodbye on the bus and closes storage. */
  close(): void;
}

/**
 * How long a send forwarded to the writer isolate may take before this
 * isolate stores it itself (idempotency makes that safe).
 */
const FORWARD_TIMEOUT_MS = 1_000;

/** Starts the application for this isolate. */
export async function createApp(runtime: RuntimeAdapter): Promise<App> {
  const config = loadConfig(runtime.env);
  const node = crypto.randomUUID().slice(0, 8);
  const log = new Logger(config.log, node);
  const kv = await runtime.openKv(config.kvPath);
  const migrated = await migrateLayout(kv);
  const signer = await TokenSigner.create(await loadSecret(kv, config.secret));
  const onError = (error: unknown) => log.error("unexpected error", error);
  if (migrated > 0) log.info("storage layout migrated", { messages: migrated });
  const bus = new Bus({
    channel: "chat-v1",
    dropEvery: config.faultBusDropEvery,
    onError,
    // Every isolate posts a heartbeat each period: three silent, it is gone.
    peerSilenceMs: 3 * config.heartbeatMs,
  });
  const store = new MessageStore(kv, config.historyLimit, onError);
  const hub = new Hub(store, bus, node, onError);
  const presence = new Presence({
    node,
    bus,
    graceMs: config.presenceGraceMs,
    onChange: (room, joins, leaves) =>
      hub.broadcastLocal(
        room,
        new OutgoingEvent({ type: "presence", room, joins, leaves }),
      ),
  });
  const metrics = new Metrics();
  const sockets: App["sockets"] = new Set();
  const counters: AppCounters = {
    messagesStored: metrics.counter(
      "chat_messages_stored_total",
      "Messages stored by this isolate",
    ),
    messagesDuplicate: metrics.counter(
      "chat_messages_duplicate_total",
      "Sends answered from idempotency records",
    ),
    connectionsOpened: metrics.counter(
      "chat_ws_connections_total",
      "WebSocket connections opened",
    ),
    protocolErrors: metrics.counter(
      "chat_protocol_errors_total",
      "Error replies sent to clients",
    ),
    slowClientsClosed: metrics.counter(
      "chat_slow_clients_closed_total",
      "WebSockets (1013) and SSE streams closed for not keeping up",
    ),
  };
  const router = new AppendRouter({
    bus,
    membership: new Membership(node, bus),
    append: (room, user, id, text) => store.append(room, user, id, text),
    forward: config.forwardWrites,
    timeoutMs: FORWARD_TIMEOUT_MS,
  });
  const chat = new ChatService(
    store,
    (room, user, id, text) => router.append(room, user, id, text),
    hub,
    presence,
    bus,
    config.historyLimit,
    {
      stored: counters.messagesStored,
      duplicate: counters.messagesDuplicate,
    },
  );
  metrics.gauge(
    "chat_ws_connections",
    "Open WebSocket connections",
    () => sockets.size,
  );
  metrics.gauge(
    "chat_rooms_active",
    "Rooms with subscribers on this isolate",
    () => {
      let count = 0;
      for (const _ of hub.rooms) count++;
      return count;
    },
  );
  metrics.gauge(
    "chat_gap_refills",
    "Gap refills from storage",
    () => hub.stats.refills,
  );
  metrics.gauge(
    "chat_gap_refilled_messages",
    "Messages delivered from storage after a bus gap",
    () => hub.stats.refilled,
  );
  metrics.gauge(
    "chat_gap_expired_messages",
    "Messages a room channel skipped: expired before this isolate had them",
    () => hub.stats.expired,
  );
  metrics.gauge(
    "chat_store_conflicts",
    "Commits retried after another writer moved a room's head",
    () => store.conflicts,
  );
  metrics.gauge(
    "chat_appends_forwarded",
    "Sends handed to the process's writer isolate",
    () => router.forwarded,
  );
  metrics.gauge(
    "chat_appends_forward_timeouts",
    "Forwarded sends the writer did not answer in time, stored here instead",
    () => router.fellBack,
  );
  metrics.gauge(
    "chat_bus_dropped_injected",
    "Bus posts dropped by fault injection",
    () => bus.dropped,
  );

  // One timer per isolate drives beacons and heartbeats: none per connection.
  const beacon = setInterval(
    () => hub.announceHeads(),
    Math.min(1_000, config.heartbeatMs),
  );
  const heartbeat = setInterval(() => {
    presence.tick();
    bus.sweep();
  }, config.heartbeatMs);
  const idle = new IdleSweep(config.wsIdleMs);
  const idleSweep = setInterval(() => idle.sweep(sockets), idle.intervalMs);

  const app: App = {
    config,
    node,
    runtime,
    sessions: new Sessions(signer),
    chat,
    hub,
    presence,
    bus,
    metrics,
    counters,
    httpSendLimiter: new RateLimiter(config.sendRate, config.sendBurst),
    log,
    sockets,
    idle,
    close() {
      clearInterval(beacon);
      clearInterval(heartbeat);
      clearInterval(idleSweep);
      presence.close();
      router.close();
      hub.close();
      bus.close();
      kv.close();
    },
  };
  // On SIGTERM/SIGINT: tell clients to reconnect elsewhere (1012), tell peers
  // to forget our presence, and release timers so the process can exit.
  runtime.onShutdown(() => {
    const started = Date.now();
    const count = sockets.size;
    // Presence first: closing sockets then costs no announcements or timers.
    presence.close();
    for (const socket of sockets) {
      socket.close("restarting", "server restarting");
    }
    app.close();
    log.info("shutdown", { sockets: count, ms: Date.now() - started });
  });
  return app;
}
