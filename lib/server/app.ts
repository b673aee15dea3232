/**
 * The application of one isolate: configuration, storage, sessions, rooms,
 * presence and metrics, wired together once at start-up. The transports are
 * built on it, not in it (`lib/wiring/transports.ts`): they see the chat
 * through its port, and end their connections when it closes.
 *
 * @module
 */
import { type Config, loadConfig } from "./config.ts";
import type { RuntimeAdapter } from "./runtime.ts";
import { Metrics } from "./metrics.ts";
import { SendLimiter } from "../throttle/send_limiter.ts";
import { Logger } from "./logger.ts";
import { TokenSigner } from "../auth/token.ts";
import { Sessions } from "../auth/sessions.ts";
import type { Bus } from "../bus/bus.ts";
import { Hub } from "../rooms/hub.ts";
import { ChatService } from "../rooms/chat_service.ts";
import type { ChatPort } from "../rooms/chat_port.ts";
import { OutgoingEvent } from "../rooms/outgoing.ts";
import { Presence } from "../presence/presence.ts";
import type { EngineHealth } from "../engine/engine.ts";
import { openEngine } from "../engine/open_engine.ts";
import { Accounts } from "../accounts/accounts.ts";
import { LoginThrottle } from "../accounts/login_throttle.ts";
import { Passkeys } from "../accounts/passkeys.ts";
import { RoomAccess } from "../access/room_access.ts";
import { Invites } from "../access/invites.ts";
import { WebPush } from "../push/web_push.ts";
import { createChatReads } from "../rooms/chat_reads.ts";

/**
 * How long a room stays open on a node after its last local subscriber left:
 * longer than a long poll takes to come back with its next request.
 */
const CHANNEL_LINGER_MS = 15_000;
/**
 * How long a page stays "looking at" its room after it hid or closed: a
 * reload or a quick tab switch is not an absence worth a push.
 */
const ATTENTION_GRACE_MS = 3_000;

/** Counters every transport updates. */
export interface AppCounters {
  messagesStored: { inc(by?: number): void };
  messagesDuplicate: { inc(by?: number): void };
  connectionsOpened: { inc(by?: number): void };
  protocolErrors: { inc(by?: number): void };
  slowClientsClosed: { inc(by?: number): void };
}

/** Everything a request handler needs, and what the transports are built from. */
export interface App {
  readonly config: Config;
  /** This isolate's id, unique per process start. */
  readonly node: string;
  readonly runtime: RuntimeAdapter;
  readonly sessions: Sessions;
  /** Claimed names: passwords (and passkeys). */
  readonly accounts: Accounts;
  /** Failed sign-ins per name and address, on every node. */
  readonly loginThrottle: LoginThrottle;
  /** Passkeys (WebAuthn): registration claims the name, sign-in. */
  readonly passkeys: Passkeys;
  /** Who may do what in which room. */
  readonly access: RoomAccess;
  /** Invite links to rooms. */
  readonly invites: Invites;
  /** Web Push: the VAPID key, subscriptions, sending. */
  readonly push: WebPush;
  /** The rooms, as transports use them. */
  readonly chat: ChatPort;
  /** Tells every node that a room's access changed (`ChatService.accessChanged`). */
  accessChanged(room: string, banned?: string): void;
  /**
   * Revokes a session token everywhere: stored first (every node then
   * refuses it), then every node closes the connections that use it.
   */
  signOut(token: string): Promise<void>;
  /** Registers what closes connections of a revoked token (by its hash). */
  onRevoked(listener: (tokenHash: string) => void): void;
  readonly hub: Hub;
  readonly presence: Presence;
  readonly bus: Bus;
  readonly metrics: Metrics;
  readonly counters: AppCounters;
  /**
   * The isolate's send limits, per user (and per address for guests), shared
   * by every transport: HTTP posts, the no-JS forms and WebSockets alike.
   */
  readonly sendLimiter: SendLimiter;
  readonly log: Logger;
  /** Whether storage and the engine can take work (for `/healthz`). */
  health(): Promise<EngineHealth>;
  /**
   * Adds a step to {@linkcode close}, run before anything else closes: a
   * transport ends its connections there while they can still leave their
   * rooms. Steps run once, in the order added.
   */
  onClose(step: () => void): void;
  /** Ends the transports, stops timers, says goodbye on the bus and closes storage. */
  close(): void;
}

/** Starts the application for this isolate. */
export async function createApp(runtime: RuntimeAdapter): Promise<App> {
  const config = loadConfig(runtime.env);
  const node = crypto.randomUUID().slice(0, 8);
  const log = new Logger(config.log, node);
  const metrics = new Metrics();
  const engine = await openEngine({ config, runtime, node, metrics, log });
  const secret = await engine.secret();
  const signer = await TokenSigner.create(secret);
  const accounts = new Accounts(engine.records);
  const access = new RoomAccess(engine.records, { admins: config.admins });
  // Keys load on first use: a boot costs no read, and Web Push no start-up.
  const push = new WebPush({
    records: engine.records,
    config,
    log,
    resolveHost: runtime.resolveHost,
  });
  let closed = false;
  // Once closed, storage closes under work still in flight (a read for a
  // message's notifications, a join): those failures are expected, not news.
  const onError = (error: unknown) => {
    if (!closed) log.error("unexpected error", error);
  };
  const bus = engine.bus;
  const hub = new Hub(engine.log, onError, CHANNEL_LINGER_MS);
  hub.connect(engine.attach(hub));
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
  const counters: AppCounters = {
    messagesStored: metrics.counter(
      "chat_messages_stored_total",
      "Messages stored (each counted by the isolate that took the send)",
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
  const reads = createChatReads({
    records: engine.records,
    bus,
    node,
    push,
    onError,
    attentionGraceMs: ATTENTION_GRACE_MS,
  });
  const chat = new ChatService(
    engine.log,
    hub,
    presence,
    bus,
    config.historyLimit,
    {
      stored: counters.messagesStored,
      duplicate: counters.messagesDuplicate,
    },
    access,
    reads,
  );
  metrics.gauge(
    "chat_rooms_active",
    "Rooms with subscribers on this isolate",
    () => hub.activeRooms,
    // A room with members on two isolates counts on each: no process sum.
    { perIsolate: true },
  );
  metrics.counter(
    "chat_gap_refills_total",
    "Gap refills from storage",
    () => hub.stats.refills,
  );
  metrics.counter(
    "chat_gap_refilled_messages_total",
    "Messages delivered from storage after a bus gap",
    () => hub.stats.refilled,
  );
  metrics.counter(
    "chat_gap_expired_messages_total",
    "Messages a room channel skipped: expired before this isolate had them",
    () => hub.stats.expired,
  );
  metrics.counter(
    "chat_epoch_changes_total",
    "Room channels ended because the room's history was lost (new epoch)",
    () => hub.epochChanges,
  );
  metrics.counter(
    "chat_push_sent_total",
    "Web Push messages accepted by push services",
    () => push.stats.sent,
  );
  metrics.counter(
    "chat_push_gone_total",
    "Web Push subscriptions deleted: the push service answered 404 or 410",
    () => push.stats.gone,
  );
  metrics.counter(
    "chat_push_failed_total",
    "Web Push messages not delivered (refused endpoint, other status, timeout, network)",
    () => push.stats.failed,
  );

  const closeSteps: Array<() => void> = [];
  const revokedListeners: Array<(hash: string) => void> = [];
  const revoked = (hash: string) => {
    for (const listener of revokedListeners) listener(hash);
  };
  bus.on("revoked", ({ hash }) => revoked(hash));
  // One timer per isolate drives heartbeats: none per connection.
  const heartbeat = setInterval(() => {
    presence.tick();
    reads.tick();
    bus.sweep();
  }, config.heartbeatMs);

  const app: App = {
    config,
    node,
    runtime,
    sessions: new Sessions(signer, accounts, engine.records),
    accounts,
    loginThrottle: new LoginThrottle(engine.records),
    // A throttle keeps its counts in records only, so this one counts
    // together with `loginThrottle`'s password failures.
    passkeys: new Passkeys(
      engine.records,
      accounts,
      new LoginThrottle(engine.records),
    ),
    access,
    invites: await Invites.create(engine.records, secret),
    push,
    chat,
    accessChanged: (room, banned) => chat.accessChanged(room, banned),
    async signOut(token) {
      const hash = await app.sessions.revoke(token);
      bus.post({ k: "revoked", hash });
      revoked(hash);
    },
    onRevoked(listener) {
      revokedListeners.push(listener);
    },
    hub,
    presence,
    bus,
    metrics,
    counters,
    sendLimiter: new SendLimiter(config.sendRate, config.sendBurst),
    log,
    health: () => engine.health(),
    onClose(step) {
      closeSteps.push(step);
    },
    close() {
      closed = true;
      for (const step of closeSteps.splice(0)) step();
      clearInterval(heartbeat);
      presence.close();
      reads.close();
      hub.close();
      engine.close().catch(onError);
    },
  };
  // On SIGTERM/SIGINT: tell peers to forget our presence, let the
  // transports tell their clients to reconnect elsewhere (WebSocket 1012),
  // and release timers so the process can exit.
  runtime.onShutdown(() => {
    const started = Date.now();
    // Presence first: closing connections then costs no announcements or timers.
    presence.close();
    reads.close();
    app.close();
    log.info("shutdown", { ms: Date.now() - started });
  });
  return app;
}
