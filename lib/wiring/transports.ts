/**
 * The transports of an app, each built once, on first use, from the few
 * parts of the {@linkcode App} it needs: the chat's port, sessions, limits,
 * counters. This is the one module that knows both the app and the
 * transports, so `lib/server` and `lib/ws` need not import each other.
 * Their metrics are declared here, and each transport ends its connections
 * when the app closes.
 *
 * @module
 */
import type { App } from "../server/app.ts";
import { Comet, COMET_DEFAULTS } from "../comet/comet.ts";
import { WebSockets } from "../ws/websockets.ts";
import { tokenHash } from "../auth/sessions.ts";
import { ConnectionCaps } from "../throttle/connection_caps.ts";

const webSockets = new WeakMap<App, WebSockets>();
const comets = new WeakMap<App, Comet>();
const caps = new WeakMap<App, ConnectionCaps>();

/**
 * The app's connection caps, one per isolate: WebSockets and SSE streams
 * count together against `CHAT_MAX_CONNECTIONS_PER_USER` and
 * `CHAT_MAX_CONNECTIONS_PER_ADDRESS`.
 */
function capsOf(app: App): ConnectionCaps {
  let made = caps.get(app);
  if (!made) {
    const { maxConnectionsPerUser, maxConnectionsPerAddress } = app.config;
    made = new ConnectionCaps(maxConnectionsPerUser, maxConnectionsPerAddress);
    caps.set(app, made);
  }
  return made;
}

/** The app's WebSocket connections. */
export function webSocketsOf(app: App): WebSockets {
  let sockets = webSockets.get(app);
  if (sockets) return sockets;
  const { config, log } = app;
  sockets = new WebSockets({
    chat: app.chat,
    sessions: app.sessions,
    hashToken: tokenHash,
    node: app.node,
    helloTimeoutMs: config.helloTimeoutMs,
    sendLimiter: app.sendLimiter,
    caps: capsOf(app),
    slowClientBytes: config.slowClientBytes,
    idleMs: config.wsIdleMs,
    counters: app.counters,
    onError: (error) => log.error("ws handler failed", error),
  });
  webSockets.set(app, sockets);
  const created = sockets;
  app.metrics.gauge(
    "chat_ws_connections",
    "Open WebSocket connections",
    () => created.size,
  );
  app.onRevoked((hash) => created.closeRevoked(hash));
  app.onClose(() => created.close());
  return sockets;
}

/** The app's SSE streams and long polls. */
export function cometOf(app: App): Comet {
  let comet = comets.get(app);
  if (comet) return comet;
  comet = new Comet(
    {
      chat: app.chat,
      presence: app.presence,
      node: app.node,
      slowClientsClosed: app.counters.slowClientsClosed,
      caps: capsOf(app),
      onError: (error) => app.log.error("sse ping failed", error),
    },
    { ...COMET_DEFAULTS, maxQueuedBytes: app.config.slowClientBytes },
  );
  comets.set(app, comet);
  const created = comet;
  app.metrics.gauge(
    "chat_sse_streams",
    "Open SSE streams",
    () => created.streams.size,
  );
  app.metrics.gauge(
    "chat_long_polls_waiting",
    "Long polls waiting for a message",
    () => created.waiting,
  );
  app.metrics.gauge(
    "chat_long_poll_present",
    "Room members present through recent long polls",
    () => created.pollers.size,
  );
  app.onRevoked((hash) => created.closeRevoked(hash));
  app.onClose(() => created.close());
  return comet;
}
