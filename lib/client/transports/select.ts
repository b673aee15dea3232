/**
 * Picking a transport: WebSocket first, then SSE (+ HTTP POST), then long
 * polling. A transport that keeps failing before it has ever worked, while
 * the server does answer plain HTTP, is taken as blocked on this network
 * (a proxy, an old gateway) and the next one is tried; a server that is
 * simply down does not cause a fallback. Once a transport has worked, the
 * client stays on it. `?transport=ws|sse|longpoll` (or the `force` option)
 * pins one.
 *
 * The SSE and long-poll transports are loaded only when first needed (a
 * dynamic import): where WebSocket works, which is nearly everywhere, the
 * room page never downloads them (its JavaScript budget is 30 KB gzipped).
 *
 * @module
 */
import type { ServerEvent } from "../../protocol/types.ts";
import type {
  Transport,
  TransportClose,
  TransportFactory,
  TransportHandlers,
} from "../transport.ts";
import { defaultWebSocketUrl, webSocketTransport } from "../ws_transport.ts";

/** The transports, in order of preference. */
export type TransportKind = "websocket" | "sse" | "longpoll";

/** The preference order. */
export const TRANSPORT_ORDER: readonly TransportKind[] = [
  "websocket",
  "sse",
  "longpoll",
];

/**
 * The transport a URL query asks for (`?transport=ws|websocket|sse|longpoll`),
 * or `null`.
 *
 * @example
 * ```ts
 * import { transportFromQuery } from "./select.ts";
 * console.assert(transportFromQuery("?transport=sse") === "sse");
 * ```
 */
export function transportFromQuery(search: string): TransportKind | null {
  const value = new URLSearchParams(search).get("transport")?.toLowerCase();
  switch (value) {
    case "ws":
    case "websocket":
      return "websocket";
    case "sse":
    case "eventsource":
      return "sse";
    case "longpoll":
    case "long-poll":
    case "poll":
      return "longpoll";
    default:
      return null;
  }
}

/** Options of {@linkcode autoTransport}. */
export interface AutoTransportOptions {
  /** Use only this transport. */
  force?: TransportKind | null;
  /** The server's origin (default: the page's). */
  base?: string;
  /** The factories (defaults: the endpoints at `base`). */
  factories?: Partial<Record<TransportKind, TransportFactory>>;
  /** Which kinds this runtime has (default: by `WebSocket`/`EventSource`). */
  available?: (kind: TransportKind) => boolean;
  /** Failures before a transport first works that make the next one tried (2). */
  maxFailures?: number;
  /** Whether the server answers plain HTTP (default: `GET /healthz`). */
  probe?: () => Promise<boolean>;
  /** Told whenever the kind in use changes. */
  onSelect?: (kind: TransportKind) => void;
}

/** The kinds the runtime supports. */
export function availableInRuntime(kind: TransportKind): boolean {
  switch (kind) {
    case "websocket":
      return typeof WebSocket === "function";
    case "sse":
      return typeof EventSource === "function";
    case "longpoll":
      return typeof fetch === "function";
  }
}

function webSocketUrlOf(base: URL): string {
  return defaultWebSocketUrl({ protocol: base.protocol, host: base.host });
}

async function probeHealth(base: string): Promise<boolean> {
  try {
    const res = await fetch(new URL("/healthz", base), {
      cache: "no-store",
      credentials: "omit",
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * A factory whose transports come from a module loaded on first use. Until
 * it is there a transport sends nothing (the link waits for `onOpen`
 * anyway); closed before, it never opens; a failed load closes it like a
 * failed attempt (1006), and the next attempt loads again.
 */
export function lazyTransport(
  kind: string,
  load: () => Promise<TransportFactory>,
): TransportFactory {
  let loading: Promise<TransportFactory> | undefined;
  return (handlers) => {
    let inner: Transport | undefined;
    let closed = false;
    const fail = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      handlers.onClose({ code, reason, wasOpen: false });
    };
    (loading ??= load()).then((factory) => {
      if (!closed) inner = factory(handlers);
    }, (error) => {
      loading = undefined;
      fail(1006, `cannot load the ${kind} transport: ${error}`);
    });
    return {
      kind,
      send: (frame) => inner?.send(frame) ?? false,
      close: (code = 1000, reason = "") =>
        inner ? inner.close(code, reason) : fail(code, reason),
    };
  };
}

/** Whether events show the transport carrying the room end to end. */
function proves(kind: TransportKind, events: ServerEvent[]): boolean {
  return events.some((e) =>
    e.type === "joined" || (e.type === "welcome" && kind === "websocket")
  );
}

/**
 * A transport factory that picks WebSocket, SSE or long polling, falling
 * back as described above. The `kind` of each transport it opens (and the
 * client's `status` events) says which is in use.
 */
export function autoTransport(
  options: AutoTransportOptions = {},
): TransportFactory {
  const available = options.available ?? availableInRuntime;
  const order = options.force
    ? [options.force]
    : TRANSPORT_ORDER.filter((kind) => available(kind));
  if (order.length === 0) order.push("longpoll");
  const base = options.base;
  const defaults: Record<TransportKind, () => TransportFactory> = {
    websocket: () =>
      webSocketTransport(
        base === undefined ? undefined : webSocketUrlOf(new URL(base)),
      ),
    sse: () =>
      lazyTransport(
        "sse",
        () => import("./sse.ts").then((m) => m.sseTransport({ base })),
      ),
    longpoll: () =>
      lazyTransport(
        "longpoll",
        () =>
          import("./long_poll.ts").then((m) => m.longPollTransport({ base })),
      ),
  };
  const made = new Map<TransportKind, TransportFactory>();
  const factoryOf = (kind: TransportKind): TransportFactory => {
    let factory = made.get(kind);
    if (!factory) {
      factory = options.factories?.[kind] ?? defaults[kind]();
      made.set(kind, factory);
    }
    return factory;
  };
  const maxFailures = options.maxFailures ?? 2;
  // Not `defaultBase` of http_transport.ts: importing it would bring the
  // HTTP transports' shared code back into the page.
  const probe = options.probe ??
    (() =>
      probeHealth(
        base ??
          (typeof location === "undefined"
            ? "http://localhost"
            : location.origin),
      ));
  let index = 0;
  let failures = 0;
  /** Once a kind has worked, the client stays on it. */
  let settled = false;
  options.onSelect?.(order[0]);

  return (handlers: TransportHandlers): Transport => {
    const kind = order[index];
    let proven = false;
    return factoryOf(kind)({
      onOpen: () => handlers.onOpen(),
      onEvents: (events) => {
        if (!proven && proves(kind, events)) {
          proven = true;
          settled = true;
          failures = 0;
        }
        handlers.onEvents(events);
      },
      onClose: (info: TransportClose) => {
        if (proven || settled || index >= order.length - 1) {
          return handlers.onClose(info);
        }
        if (++failures < maxFailures) return handlers.onClose(info);
        // Blocked here, or is the server down? Ask before falling back.
        probe().then((up) => {
          if (up && order[index] === kind) {
            index++;
            failures = 0;
            options.onSelect?.(order[index]);
          }
        }, () => {}).finally(() => handlers.onClose(info));
      },
    });
  };
}
