/**
 * The link: one logical connection to the server over a sequence of
 * transports (like engine.io-client's socket beneath socket.io-client's
 * manager). It opens a transport, says `hello`, keeps it alive with `ping`,
 * and after a loss waits as the close code's rule says (the table in
 * `lib/protocol/close_codes.ts`) before the next attempt. Rooms, messages
 * and the outbox are not its business: it hands every other event on.
 *
 * Its whole state is one {@linkcode LinkState} value; time comes from an
 * injected {@linkcode Clock}.
 *
 * @module
 */
import { closeRule, LATER_MS } from "../protocol/close_codes.ts";
import type { ClientFrame, ServerEvent, User } from "../protocol/types.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import { type Clock, systemClock, type TimerId } from "./clock.ts";
import type {
  Transport,
  TransportClose,
  TransportFactory,
} from "./transport.ts";

/** Where the link stands. */
export type LinkState =
  /** Not started. */
  | { readonly phase: "idle" }
  /** A transport is opening, or `hello` is on its way. */
  | {
    readonly phase: "connecting";
    /** Attempts since the link last worked (0: the first). */
    readonly attempt: number;
    /** When the current outage began (absent before the first success). */
    readonly outageSince?: number;
  }
  /** Greeted: the server knows who we are. */
  | { readonly phase: "open"; readonly transport: string }
  /** Lost; the next attempt is at `retryAt` (clock time). */
  | {
    readonly phase: "waiting";
    readonly retryAt: number;
    readonly attempt: number;
    readonly outageSince: number;
  }
  /** The browser says there is no network; its return reconnects. */
  | { readonly phase: "offline"; readonly outageSince: number }
  /**
   * Not reconnecting by itself: {@linkcode Link.stop} was called, or the
   * server refused us (a close code whose rule is `never`, with `code`).
   */
  | {
    readonly phase: "closed";
    readonly code?: number;
    readonly reason: string;
  };

/** What the link tells its owner. */
export interface LinkHandlers {
  /** Greeted (first time or again): rooms join now. */
  onWelcome(user: User, token: string): void;
  /** Every event the link does not handle itself, in order. */
  onEvents(events: ServerEvent[]): void;
  /** The transport in use is gone: everything in flight on it is lost. */
  onDown(info: TransportClose): void;
  /** The state changed. */
  onState(state: LinkState): void;
}

/** Options of {@linkcode Link}. */
export interface LinkOptions {
  transport: TransportFactory;
  clock?: Clock;
  /** Reconnect delays (the default caps at 15 s). */
  backoff?: BackoffOptions;
  /** The session token to resume; a guest session without one. */
  token?: string | null;
  /** Display name for `hello` without a token. */
  name?: string;
  /** `ping` after this long without one (default 20 s). */
  pingIntervalMs?: number;
  /** A `ping` unanswered this long drops the transport (default 5 s). */
  pongTimeoutMs?: number;
  /** Longest wait while an outage is young (default 10 s)… */
  outageCapMs?: number;
  /** …that is, younger than this (default 60 s). */
  outageWindowMs?: number;
  /** Spread of a "reconnect now", so a restart is not met all at once (1 s). */
  nowSpreadMs?: number;
  /** Whether the browser believes it is online (default `navigator.onLine`). */
  isOnline?: () => boolean;
}

function browserOnline(): boolean {
  return typeof navigator === "undefined" || navigator.onLine !== false;
}

/**
 * A connection that keeps itself connected until {@linkcode Link.stop}.
 *
 * @example
 * ```ts ignore
 * import { Link } from "./link.ts";
 * const link = new Link({ transport }, {
 *   onWelcome: (user) => console.log("hello", user.name),
 *   onEvents: (events) => console.log(events),
 *   onDown: () => {},
 *   onState: (state) => console.log(state.phase),
 * });
 * link.start();
 * ```
 */
export class Link {
  readonly #options: LinkOptions;
  readonly #handlers: LinkHandlers;
  readonly #clock: Clock;
  readonly #backoff: Backoff;
  readonly #random: () => number;
  readonly #isOnline: () => boolean;
  #state: LinkState = { phase: "idle" };
  #transport: Transport | null = null;
  #token: string | null;
  #name: string | undefined;
  #user: User | null = null;
  #outageSince: number | undefined;
  #retryTimer: TimerId | undefined;
  #pingTimer: TimerId | undefined;
  #pongTimer: TimerId | undefined;

  constructor(options: LinkOptions, handlers: LinkHandlers) {
    this.#options = options;
    this.#handlers = handlers;
    this.#clock = options.clock ?? systemClock;
    this.#backoff = new Backoff(options.backoff);
    this.#random = options.backoff?.random ?? Math.random;
    this.#isOnline = options.isOnline ?? browserOnline;
    this.#token = options.token ?? null;
    this.#name = options.name;
  }

  /** The current state. */
  get state(): LinkState {
    return this.#state;
  }

  /** The user the server greeted us as. */
  get user(): User | null {
    return this.#user;
  }

  /** The session token (the server may issue a new one in `welcome`). */
  get token(): string | null {
    return this.#token;
  }

  /** The kind of the transport in use (`websocket`, `sse`, …). */
  get transportKind(): string | undefined {
    return this.#transport?.kind;
  }

  /** Connects, and keeps reconnecting until {@linkcode stop}. */
  start(): void {
    if (this.#state.phase !== "idle" && this.#state.phase !== "closed") return;
    this.#backoff.reset();
    this.#connect();
  }

  /** Disconnects for good. */
  stop(): void {
    if (this.#state.phase === "closed" && this.#transport === null) return;
    this.#clock.clearTimeout(this.#retryTimer);
    this.#setState({ phase: "closed", reason: "stopped" });
    this.#drop(1000, "bye");
  }

  /**
   * Tries at once: while waiting, offline (the person knows better than the
   * browser) or refused. Does nothing while connecting or open.
   */
  reconnectNow(): void {
    const { phase } = this.#state;
    if (phase === "waiting" || phase === "offline" || phase === "closed") {
      this.#connect();
    }
  }

  /**
   * A sign that the network may be back or the page is looked at again (the
   * tab regained focus, the browser came online): a waiting link tries now;
   * an open one checks that its transport still answers.
   */
  wake(): void {
    if (this.#state.phase === "open") return this.#ping();
    if (this.#state.phase === "waiting" || this.#state.phase === "offline") {
      this.#connect();
    }
  }

  /**
   * The browser went offline: an open transport is dead even if its socket
   * has not noticed yet, so drop it now and wait for the network.
   */
  wentOffline(): void {
    const { phase } = this.#state;
    if (phase === "closed" || phase === "idle" || phase === "offline") return;
    this.#clock.clearTimeout(this.#retryTimer);
    this.#outageSince ??= this.#clock.now();
    this.#drop(4000, "offline");
    this.#setState({ phase: "offline", outageSince: this.#outageSince });
  }

  /**
   * Uses a new session token (`null`: the session cookie, for a browser):
   * reconnects with it at once.
   */
  setToken(token: string | null): void {
    this.#token = token;
    if (this.#transport) {
      this.#drop(4000, "new session");
      this.#connect();
    }
  }

  /** Sends a frame on the open transport; `false` when there is none. */
  send(frame: ClientFrame): boolean {
    return this.#transport?.send(frame) ?? false;
  }

  // --- attempts ---------------------------------------------------------

  #connect(): void {
    this.#clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#transport) this.#drop(4000, "reconnect");
    const attempt = this.#backoff.attempt;
    this.#setState(
      this.#outageSince === undefined
        ? { phase: "connecting", attempt }
        : { phase: "connecting", attempt, outageSince: this.#outageSince },
    );
    let transport: Transport | null = null;
    let closed = false;
    const current = () => transport !== null && this.#transport === transport;
    const handlers = {
      onOpen: () => {
        if (current()) this.#hello();
      },
      onEvents: (events: ServerEvent[]) => {
        if (current()) this.#onEvents(events);
      },
      onClose: (info: TransportClose) => {
        if (closed) return;
        closed = true;
        // A transport that failed inside the factory is current too.
        if (transport === null || current()) this.#onClose(info);
      },
    };
    try {
      transport = this.#options.transport(handlers);
    } catch (err) {
      // E.g. a URL the browser refuses: like any failed attempt.
      handlers.onClose({ code: 1006, reason: String(err), wasOpen: false });
      return;
    }
    if (!closed) this.#transport = transport;
  }

  #hello(): void {
    const frame: ClientFrame = this.#token
      ? { type: "hello", token: this.#token }
      : this.#name
      ? { type: "hello", name: this.#name }
      : { type: "hello" };
    this.send(frame);
  }

  /** Closes the transport in use without reacting to its close. */
  #drop(code: number, reason: string): void {
    const transport = this.#transport;
    if (!transport) return;
    this.#transport = null;
    this.#stopHeartbeat();
    transport.close(code, reason);
    this.#handlers.onDown({ code, reason, wasOpen: true });
  }

  #onClose(info: TransportClose): void {
    this.#transport = null;
    this.#stopHeartbeat();
    this.#handlers.onDown(info);
    if (this.#state.phase === "closed") return;
    const now = this.#clock.now();
    this.#outageSince ??= now;
    const rule = closeRule(info.code);
    if (rule === "never") {
      this.#setState({
        phase: "closed",
        code: info.code,
        reason: info.reason || "Refused by the server",
      });
      return;
    }
    if (!this.#isOnline()) {
      this.#setState({ phase: "offline", outageSince: this.#outageSince });
      return;
    }
    let delay: number;
    if (rule === "now" || rule === "rehello") {
      delay = Math.round(this.#random() * (this.#options.nowSpreadMs ?? 1_000));
    } else {
      delay = this.#backoff.next();
      if (rule === "later") delay = Math.max(delay, LATER_MS);
    }
    // Early in an outage people wait for it to end: never long between tries.
    if (now - this.#outageSince < (this.#options.outageWindowMs ?? 60_000)) {
      delay = Math.min(delay, this.#options.outageCapMs ?? 10_000);
    }
    this.#setState({
      phase: "waiting",
      retryAt: now + delay,
      attempt: this.#backoff.attempt,
      outageSince: this.#outageSince,
    });
    this.#retryTimer = this.#clock.setTimeout(() => this.#connect(), delay);
  }

  // --- events -----------------------------------------------------------

  #onEvents(events: ServerEvent[]): void {
    // Anything heard proves the transport alive.
    this.#clock.clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
    const rest: ServerEvent[] = [];
    for (const event of events) {
      if (event.type === "welcome") {
        this.#flush(rest);
        this.#welcome(event.user, event.token);
      } else if (event.type === "pong") {
        continue;
      } else if (
        event.type === "error" && event.ref === "hello" &&
        event.code === "unauthenticated"
      ) {
        // The token is no longer valid (e.g. the signing key changed): a new
        // identity with the same name rather than failing for good.
        this.#token = null;
        this.#name = this.#user?.name ?? this.#name;
        this.#hello();
      } else {
        rest.push(event);
      }
    }
    this.#flush(rest);
  }

  #flush(events: ServerEvent[]): void {
    if (events.length > 0) this.#handlers.onEvents(events.splice(0));
  }

  #welcome(user: User, token: string): void {
    this.#user = user;
    this.#token = token;
    this.#outageSince = undefined;
    this.#backoff.reset();
    this.#setState({ phase: "open", transport: this.#transport?.kind ?? "" });
    this.#schedulePing();
    this.#handlers.onWelcome(user, token);
  }

  // --- heartbeat --------------------------------------------------------

  #schedulePing(): void {
    this.#clock.clearTimeout(this.#pingTimer);
    this.#pingTimer = this.#clock.setTimeout(
      () => this.#ping(),
      this.#options.pingIntervalMs ?? 20_000,
    );
  }

  /** Pings now; no answer in time drops the transport. */
  #ping(): void {
    if (this.#pongTimer !== undefined) return; // one probe at a time
    if (!this.send({ type: "ping" })) return;
    this.#pongTimer = this.#clock.setTimeout(() => {
      this.#pongTimer = undefined;
      const transport = this.#transport;
      if (!transport) return;
      // Reported like any loss, so the close rule and the backoff apply.
      this.#transport = null;
      this.#stopHeartbeat();
      transport.close(4000, "no reply to ping");
      this.#onClose({ code: 1006, reason: "no reply to ping", wasOpen: true });
    }, this.#options.pongTimeoutMs ?? 5_000);
    this.#schedulePing();
  }

  #stopHeartbeat(): void {
    this.#clock.clearTimeout(this.#pingTimer);
    this.#clock.clearTimeout(this.#pongTimer);
    this.#pingTimer = undefined;
    this.#pongTimer = undefined;
  }

  #setState(state: LinkState): void {
    this.#state = state;
    this.#handlers.onState(state);
  }
}
