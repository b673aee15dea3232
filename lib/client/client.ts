/**
 * The chat client the islands use: the manager over three state machines.
 * The {@linkcode Link} keeps one connection (transport choice, `hello`,
 * heartbeat, backoff); a {@linkcode RoomSync} per joined room keeps its
 * cursor and folded messages and resumes it after every reconnect; the
 * {@linkcode OutboxSender} sends what was written, offline too, with the
 * original ids. This class routes events between them and keeps a
 * snapshot per room ({@linkcode RoomView}) that the page renders.
 *
 * Delivery to listeners: per room, every event once and in `seq` order.
 *
 * @module
 */
import { errorRule, LATER_MS } from "../protocol/close_codes.ts";
import { LIMITS } from "../protocol/limits.ts";
import type {
  ChatMessage,
  RoomUpdate,
  ServerEvent,
  User,
} from "../protocol/types.ts";
import {
  parseEmoji,
  parseMessageText,
  parseRoomName,
} from "../protocol/validate.ts";
import type { BackoffOptions } from "./backoff.ts";
import { watchBrowser } from "./browser_events.ts";
import { type Clock, systemClock, type TimerId } from "./clock.ts";
import { type HistoryPage, HistoryRequests } from "./history_requests.ts";
import { newMessageId } from "./ids.ts";
import { Link, type LinkState } from "./link.ts";
import {
  Outbox,
  OUTBOX_KEY,
  type OutboxChange,
  type OutboxEntry,
  type StorageLike,
} from "./outbox.ts";
import { OutboxSender } from "./outbox_sender.ts";
import { type ReadTracker, readTracker } from "./read_tracker.ts";
import { type JoinedEvent, messageOf, RoomSync } from "./room_sync.ts";
import type { TransportFactory } from "./transport.ts";
import { TypingTracker } from "./typing.ts";
import { webSocketTransport } from "./ws_transport.ts";

/** The connection as one word, for listeners that need no more. */
export type ConnectionStatus =
  /** First connection attempt under way. */
  | "connecting"
  /** Connected and greeted. */
  | "connected"
  /** Lost; trying again. */
  | "reconnecting"
  /** The browser says there is no network; waiting for it. */
  | "offline"
  /** Stopped, or refused by the server: not reconnecting by itself. */
  | "stopped";

/** What the client tells its listeners. */
export type ClientEvent =
  | {
    type: "status";
    status: ConnectionStatus;
    /** The link's full state (the countdown's `retryAt`, a refusal's code). */
    link: LinkState;
    transport?: string;
  }
  | { type: "welcome"; user: User; token: string }
  | {
    type: "joined";
    room: string;
    /** Messages not delivered before (after `since`), oldest first. */
    messages: ChatMessage[];
    online: User[];
    /** `false`: the server's latest page replaced the room's messages. */
    recovered: boolean;
    /** The room's cursor after this reply. */
    seq: number;
  }
  | { type: "message"; message: ChatMessage }
  | { type: "update"; update: RoomUpdate }
  | {
    type: "presence";
    room: string;
    online: User[];
    joins: User[];
    leaves: User[];
  }
  | { type: "typing"; room: string; user: User }
  /** The server ended the room's subscription (`reason: "banned"`). */
  | { type: "left"; room: string; reason?: "banned" }
  | { type: "outbox"; room: string; entries: OutboxEntry[] }
  | { type: "ack"; room: string; id: string; seq: number }
  | {
    type: "error";
    code: string;
    message: string;
    ref?: string;
    /** How long to wait (`rate_limited`, `slow_mode`). */
    retryAfterMs?: number;
  }
  /** Something else in the room's {@linkcode RoomView} changed. */
  | { type: "view"; room: string };

/** A listener of {@linkcode ClientEvent}s. */
export type ClientListener = (event: ClientEvent) => void;

/** One of the person's messages not yet seen stored in the room. */
export interface PendingMessage {
  entry: OutboxEntry;
  /** Its `seq` once acked (the message itself may come later). */
  seq?: number;
}

/** A room as the page shows it: a new object whenever anything changed. */
export interface RoomView {
  /** Folded messages, ascending by `seq`. */
  readonly messages: readonly ChatMessage[];
  readonly hasMore: boolean;
  readonly online: readonly User[];
  /** The online list may be out of date: the room is not joined right now. */
  readonly onlineStale: boolean;
  /** The person's messages on their way, oldest first. */
  readonly pending: readonly PendingMessage[];
  /** The person's edits, deletions and reactions not yet acknowledged. */
  readonly changes: readonly OutboxEntry[];
  /** Who is typing (never the person). */
  readonly typing: readonly User[];
}

/** What the room page rendered, to continue from. */
export interface JoinOptions {
  /** The last `seq` the page accounts for (0: none). */
  since?: number;
  /** The epoch `since` counts in. */
  epoch?: string;
  /** The messages the page shows. */
  messages?: readonly ChatMessage[];
  hasMore?: boolean;
  online?: readonly User[];
  /** The person's read position as the server had it for the page. */
  read?: number;
}

/** Options of {@linkcode ChatClient}. */
export interface ChatClientOptions {
  /** How to reach the server; WebSocket to this origin's `/ws` by default. */
  transport?: TransportFactory;
  /** The session token to resume (from the page); a guest session without one. */
  token?: string | null;
  /** Display name for `hello` when there is no token. */
  name?: string;
  /** Outbox storage; `localStorage` when available, else memory only. */
  storage?: StorageLike | null;
  /** Reconnect delays. */
  backoff?: BackoffOptions;
  /** Time (the real clock by default). */
  clock?: Clock;
  /** Whether the browser believes it is online (default `navigator.onLine`). */
  isOnline?: () => boolean;
  /** A sent message without an ack after this long is marked failed (default 10 s). */
  ackTimeoutMs?: number;
  /** How often to ping an idle connection (default 20 s). */
  pingIntervalMs?: number;
  /** A connection silent this long after a ping is dropped (default 5 s). */
  pongTimeoutMs?: number;
  /** Least time between two `typing` signals per room (default 2.5 s). */
  typingIntervalMs?: number;
  /** Base URL for HTTP fallbacks (history while disconnected); this origin by default. */
  httpBase?: string;
}

function defaultStorage(): StorageLike | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // access denied (e.g. some privacy modes)
  }
}

/** The one-word status of a link state. */
export function statusOf(
  state: LinkState,
  everOpen: boolean,
): ConnectionStatus {
  switch (state.phase) {
    case "idle":
    case "closed":
      return "stopped";
    case "connecting":
      return everOpen ? "reconnecting" : "connecting";
    case "open":
      return "connected";
    case "waiting":
      return "reconnecting";
    case "offline":
      return "offline";
  }
}

/**
 * A connection to the chat server.
 *
 * @example
 * ```ts ignore
 * import { ChatClient } from "./client.ts";
 * const client = new ChatClient({ token });
 * client.on(() => render(client.view("general")));
 * client.join("general", { since: 0 });
 * client.start();
 * client.send("general", "hello");
 * ```
 */
export class ChatClient {
  readonly outbox: Outbox;
  readonly #options: ChatClientOptions;
  readonly #clock: Clock;
  readonly #link: Link;
  readonly #sender: OutboxSender;
  readonly #history: HistoryRequests;
  readonly #typing: TypingTracker;
  /**
   * Read positions (`position`), and the watched rooms (`watch` the
   * sidebar's, without the open one) with their `counts`.
   */
  readonly reads: ReadTracker;
  readonly #listeners = new Set<ClientListener>();
  readonly #rooms = new Map<string, RoomSync>();
  /** Acked messages not yet seen in their room, by room and id. */
  readonly #sent = new Map<string, Map<string, PendingMessage>>();
  readonly #views = new Map<string, RoomView>();
  readonly #lastTyping = new Map<string, number>();
  #everOpen = false;
  #joinRetry: TimerId | undefined;
  #unwatch: (() => void) | undefined;

  constructor(options: ChatClientOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.outbox = new Outbox(
      options.storage === undefined ? defaultStorage() : options.storage,
    );
    this.#link = new Link({
      transport: options.transport ?? webSocketTransport(),
      clock: this.#clock,
      backoff: options.backoff,
      token: options.token,
      name: options.name,
      pingIntervalMs: options.pingIntervalMs,
      pongTimeoutMs: options.pongTimeoutMs,
      isOnline: options.isOnline,
    }, {
      onWelcome: (user, token) => this.#onWelcome(user, token),
      onEvents: (events) => this.#onEvents(events),
      onDown: () => this.#onDown(),
      onState: (state) => this.#onLinkState(state),
    });
    const send = this.#link.send.bind(this.#link);
    this.#sender = new OutboxSender({
      outbox: this.outbox,
      clock: this.#clock,
      send,
      joined: (room) => this.#rooms.get(room)?.phase === "live",
      rejoin: (room) => this.#sendJoin(room),
      onChange: (room) => this.#outboxChanged(room),
      ackTimeoutMs: options.ackTimeoutMs,
      backoff: options.backoff,
    });
    this.#history = new HistoryRequests({ clock: this.#clock, send });
    this.#typing = new TypingTracker(
      this.#clock,
      (room) => this.#changed(room),
    );
    this.reads = readTracker({
      clock: this.#clock,
      send,
      onChange: (room) => this.#changed(room),
    });
  }

  /** The connection status, in one word. */
  get status(): ConnectionStatus {
    return statusOf(this.#link.state, this.#everOpen);
  }

  /** The link's state: what the connection banner shows. */
  get link(): LinkState {
    return this.#link.state;
  }

  /** The transport in use (`websocket`, `sse`, `longpoll`), when connected. */
  get transport(): string | undefined {
    return this.#link.transportKind;
  }

  /** The user the server greeted us as (after `welcome`). */
  get user(): User | null {
    return this.#link.user;
  }

  /** The current session token (the server may issue a new one in `welcome`). */
  get token(): string | null {
    return this.#link.token;
  }

  /** The clock the client runs on (the page's countdown uses it too). */
  get clock(): Clock {
    return this.#clock;
  }

  /** Who is online in `room`, as last reported. */
  online(room: string): User[] {
    return this.#rooms.get(room)?.online ?? [];
  }

  /** `room` as the page shows it (the same object until something changes). */
  view(room: string): RoomView {
    let view = this.#views.get(room);
    if (!view) {
      const sync = this.#rooms.get(room);
      const sent = [...(this.#sent.get(room)?.values() ?? [])];
      const entries = this.outbox.list(room);
      const waiting = entries.filter((e) => !e.change).map((entry) => ({
        entry,
      }));
      view = {
        messages: sync?.messages ?? [],
        hasMore: sync?.hasMore ?? false,
        online: sync?.online ?? [],
        onlineStale: sync?.onlineStale ?? true,
        pending: [...sent, ...waiting].sort((a, b) =>
          a.entry.createdAt - b.entry.createdAt
        ),
        changes: entries.filter((e) => e.change),
        typing: this.#typing.list(room),
      };
      this.#views.set(room, view);
    }
    return view;
  }

  /** Subscribes to events (any change to a view comes with one). */
  on(listener: ClientListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Connects (and keeps reconnecting until {@linkcode stop}). */
  start(): void {
    if (typeof addEventListener === "function" && !this.#unwatch) {
      addEventListener("storage", this.#onStorage);
      const doc = typeof document === "undefined" ? undefined : document;
      const unwatch = watchBrowser(this.#link, globalThis, doc);
      const onVisibility = () =>
        this.reads.setHidden(doc?.visibilityState === "hidden");
      onVisibility();
      doc?.addEventListener("visibilitychange", onVisibility);
      this.#unwatch = () => {
        removeEventListener("storage", this.#onStorage);
        doc?.removeEventListener("visibilitychange", onVisibility);
        unwatch();
      };
    }
    this.#link.start();
  }

  /** Disconnects for good. */
  stop(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#clock.clearTimeout(this.#joinRetry);
    this.#link.stop();
  }

  /** Tries to connect at once (the banner's "Reconnect now"). */
  reconnectNow(): void {
    this.#link.reconnectNow();
  }

  /**
   * Joins `room` now or on the next connection, and after every reconnect,
   * continuing from what the page rendered (`since`, in `epoch`): only
   * later events are delivered.
   */
  join(room: string, options: JoinOptions = {}): void {
    parseRoomName(room);
    if (this.#rooms.has(room)) return;
    this.#rooms.set(
      room,
      new RoomSync(room, {
        cursor: options.since ?? 0,
        epoch: options.epoch,
        messages: options.messages,
        hasMore: options.hasMore,
        online: options.online,
      }),
    );
    if (options.read !== undefined) this.reads.learn(room, options.read);
    this.#views.delete(room);
    if (this.#link.state.phase === "open") this.#sendJoin(room);
  }

  /**
   * Uses a new session token (after the person picked a name; `null`: the
   * session cookie) by reconnecting with it. Joined rooms and the outbox
   * carry over.
   */
  setToken(token: string | null): void {
    this.#link.setToken(token);
  }

  /**
   * Writes a message (a reply to `replyTo`, a `seq`, when given): validated,
   * put in the outbox (persisted), and sent as soon as the room is joined.
   * Returns the outbox entry.
   *
   * @throws {import("../protocol/errors.ts").ProtocolError} `text_invalid`
   * or `room_invalid`, before anything is stored.
   */
  send(room: string, text: string, replyTo?: number): OutboxEntry {
    const entry = this.#write(room, parseMessageText(text), { replyTo });
    // Others stop showing "typing" when the message arrives: the next
    // keystroke may signal again at once.
    this.#lastTyping.delete(room);
    return entry;
  }

  /**
   * Changes the text of the person's message `target` (through the outbox,
   * like a message); the room shows it once the server has it.
   *
   * @throws {import("../protocol/errors.ts").ProtocolError} `text_invalid`.
   */
  edit(room: string, target: number, text: string): OutboxEntry {
    return this.#write(room, parseMessageText(text), {
      change: { type: "edit", target },
    });
  }

  /** Deletes the message `target` (through the outbox). */
  remove(room: string, target: number): OutboxEntry {
    return this.#write(room, "", { change: { type: "delete", target } });
  }

  /**
   * Adds (`on`) or takes back the person's `emoji` reaction to `target`.
   *
   * @throws {import("../protocol/errors.ts").ProtocolError} `bad_request`
   * when `emoji` is not one emoji.
   */
  react(room: string, target: number, emoji: string, on = true): OutboxEntry {
    return this.#write(room, "", {
      change: { type: "react", target, emoji: parseEmoji(emoji), on },
    });
  }

  #write(
    room: string,
    text: string,
    extra: { replyTo?: number; change?: OutboxChange },
  ): OutboxEntry {
    parseRoomName(room);
    const fields: Omit<OutboxEntry, "state" | "error" | "code"> = {
      room,
      id: newMessageId(),
      text,
      createdAt: this.#clock.now(),
    };
    if (extra.replyTo !== undefined) fields.replyTo = extra.replyTo;
    if (extra.change) fields.change = extra.change;
    const entry = this.outbox.add(fields);
    this.join(room);
    this.#outboxChanged(room);
    this.#sender.flush(room);
    return this.outbox.get(entry.id) ?? entry;
  }

  /** Sends a failed message again, with its original id. */
  retry(id: string): void {
    this.#sender.retry(id);
  }

  /** Drops a message from the outbox without sending it. */
  discard(id: string): void {
    this.#sender.discard(id);
  }

  /**
   * The person sees `room`'s latest messages (the page is visible and
   * scrolled to them): the read position moves to the room's cursor, and
   * the server hears of it shortly (debounced).
   */
  markSeen(room: string): void {
    const sync = this.#rooms.get(room);
    if (sync) this.reads.mark(room, sync.cursor);
  }

  /** Tells the room we are typing (throttled). */
  typing(room: string): void {
    const now = this.#clock.now();
    const interval = this.#options.typingIntervalMs ?? 2_500;
    if (now - (this.#lastTyping.get(room) ?? -Infinity) < interval) return;
    if (this.#rooms.get(room)?.phase !== "live") return;
    this.#lastTyping.set(room, now);
    this.#link.send({ type: "typing", room });
  }

  /**
   * An older page of `room`'s history (before `before`), oldest first, also
   * merged into the room's view: over the connection when it is up, else
   * over HTTP.
   */
  async history(
    room: string,
    before: number | undefined,
    limit: number = LIMITS.historyDefault,
  ): Promise<HistoryPage> {
    const live = this.#link.state.phase === "open" &&
      this.#rooms.get(room)?.phase === "live";
    const page = live
      ? await this.#history.request(room, before, limit)
      : await this.#httpHistory(room, before, limit);
    const sync = this.#rooms.get(room);
    if (sync) {
      sync.addOlder(page.messages, page.hasMore);
      this.#changed(room);
    }
    return page;
  }

  async #httpHistory(
    room: string,
    before: number | undefined,
    limit: number,
  ): Promise<HistoryPage> {
    const base = this.#options.httpBase ?? location.origin;
    const url = new URL(
      `/api/rooms/${encodeURIComponent(room)}/messages`,
      base,
    );
    if (before !== undefined) url.searchParams.set("before", String(before));
    url.searchParams.set("limit", String(limit));
    const res = await fetch(url, { credentials: "same-origin" });
    if (!res.ok) throw new Error(`History request failed: HTTP ${res.status}`);
    const body = await res.json() as {
      messages?: ChatMessage[];
      hasMore?: boolean;
    };
    return { messages: body.messages ?? [], hasMore: body.hasMore === true };
  }

  // --- the link's reports -----------------------------------------------

  #onLinkState(state: LinkState): void {
    if (state.phase === "open") this.#everOpen = true;
    this.#emit({
      type: "status",
      status: statusOf(state, this.#everOpen),
      link: state,
      transport: state.phase === "open" ? state.transport : undefined,
    });
  }

  #onWelcome(user: User, token: string): void {
    this.#emit({ type: "welcome", user, token });
    for (const room of this.#rooms.keys()) this.#sendJoin(room);
    this.reads.up();
  }

  #onDown(): void {
    this.#clock.clearTimeout(this.#joinRetry);
    for (const sync of this.#rooms.values()) sync.down();
    this.#history.down();
    this.#sender.down();
    this.#typing.clear();
    this.reads.down();
    for (const room of this.#rooms.keys()) this.#views.delete(room);
  }

  readonly #onStorage = (event: StorageEvent): void => {
    if (event.key !== OUTBOX_KEY) return;
    this.outbox.reload();
    for (const room of this.#rooms.keys()) this.#outboxChanged(room);
    this.#sender.flush();
  };

  #onEvents(events: ServerEvent[]): void {
    for (const event of events) {
      try {
        this.#onEvent(event);
      } catch (err) {
        console.error("Chat client: failed to handle", event.type, err);
      }
    }
  }

  #onEvent(event: ServerEvent): void {
    switch (event.type) {
      case "joined":
        return this.#onJoined(event);
      case "message":
      case "edit":
      case "delete":
      case "reaction":
        return this.#onLive(event);
      case "ack":
        return this.#onAck(event.room, event.id, event.seq);
      case "presence": {
        const sync = this.#rooms.get(event.room);
        if (!sync) return;
        sync.onPresence(event.joins, event.leaves);
        this.#views.delete(event.room);
        this.#emit({
          type: "presence",
          room: event.room,
          online: sync.online,
          joins: event.joins,
          leaves: event.leaves,
        });
        return;
      }
      case "typing":
        if (event.user.id === this.user?.id) return;
        this.#typing.signal(event.room, event.user);
        this.#emit(event);
        return;
      case "history":
        this.#history.onHistory(event);
        return;
      case "read":
        // Another tab or device read further (or the person sent there).
        this.reads.learn(event.room, event.seq);
        return;
      case "unread":
        this.reads.onUnread(event.room, event);
        return;
      case "error":
        return this.#onError(event);
      case "left":
        // Only the server's own ending says why; a reply to our `leave` does not.
        if (event.reason) this.#emit(event);
        return;
      case "welcome":
      case "pong":
        return;
    }
  }

  #onJoined(event: JoinedEvent): void {
    const sync = this.#rooms.get(event.room);
    if (!sync) return;
    const fresh = sync.onJoined(event);
    if (!event.recovered) this.#sent.delete(event.room);
    if (event.read !== undefined) this.reads.learn(event.room, event.read);
    this.#views.delete(event.room);
    this.#emit({
      type: "joined",
      room: event.room,
      messages: fresh,
      online: sync.online,
      recovered: event.recovered,
      seq: sync.cursor,
    });
    for (const update of event.updates ?? []) {
      this.#emit({ type: "update", update });
      this.#settleOwn(update.user.id, update.room, update.id);
    }
    for (const m of fresh) this.#seen(m);
    this.#sender.flush(event.room);
  }

  #onLive(event: Parameters<RoomSync["onLive"]>[0]): void {
    const sync = this.#rooms.get(event.room);
    if (!sync) return;
    const result = sync.onLive(event);
    if (result === "gap") {
      // Ask for exactly what is missing: the reply carries it in order.
      this.#link.send(sync.joinFrame());
      return;
    }
    if (result !== "applied") return;
    this.#views.delete(event.room);
    if (event.type === "message") {
      const message = messageOf(event);
      this.#typing.stop(message.room, message.user.id);
      this.#emit({ type: "message", message });
      this.#seen(message);
    } else {
      this.#emit({ type: "update", update: event });
      this.#settleOwn(event.user.id, event.room, event.id);
    }
  }

  /** A stored message: no longer pending, and ours settles its entry. */
  #seen(message: ChatMessage): void {
    const sent = this.#sent.get(message.room);
    if (sent?.delete(message.id)) this.#views.delete(message.room);
    this.#settleOwn(message.user.id, message.room, message.id);
  }

  /** An event of ours stored settles its outbox entry, ack or not. */
  #settleOwn(userId: string, room: string, id: string): void {
    if (userId !== this.user?.id) return;
    if (this.outbox.get(id)?.room !== room) return;
    this.#sender.settle(id);
  }

  #onAck(room: string, id: string, seq: number): void {
    const entry = this.#sender.settle(id);
    if (!entry) return;
    // Sending a message moves the sender's read position to it (the server
    // does so too).
    if (!entry.change) this.reads.learn(room, seq);
    const sync = this.#rooms.get(room);
    // A message not in the room's messages yet: shown as sent until it
    // arrives. (A change shows when its event arrives.)
    if (
      !entry.change &&
      !sync?.messages.some((m) => m.id === id && m.room === room)
    ) {
      let sent = this.#sent.get(room);
      if (!sent) this.#sent.set(room, sent = new Map());
      sent.set(id, { entry, seq });
      this.#views.delete(room);
    }
    this.#emit({ type: "ack", room, id, seq });
  }

  #onError(event: Extract<ServerEvent, { type: "error" }>): void {
    if (!this.#sender.onError(event)) {
      if (event.ref === "history") {
        this.#history.onError(event.message);
      } else if (event.ref === "join") {
        const rule = errorRule(event.code);
        if (rule === "backoff" || rule === "later") this.#retryJoins();
      }
    }
    this.#emit({
      type: "error",
      code: event.code,
      message: event.message,
      ref: event.ref,
      ...(event.retryAfterMs === undefined
        ? {}
        : { retryAfterMs: event.retryAfterMs }),
    });
  }

  /**
   * A join the server could not serve just now (`unavailable`): the reply
   * does not say which room, so every room still joining asks again.
   */
  #retryJoins(): void {
    this.#clock.clearTimeout(this.#joinRetry);
    this.#joinRetry = this.#clock.setTimeout(() => {
      for (const sync of this.#rooms.values()) {
        if (sync.phase === "joining") this.#sendJoin(sync.room);
      }
    }, LATER_MS / 5);
  }

  // --- sending ----------------------------------------------------------

  #sendJoin(room: string): void {
    const sync = this.#rooms.get(room);
    if (sync) this.#link.send(sync.joinFrame());
  }

  // --- listeners --------------------------------------------------------

  #outboxChanged(room: string): void {
    this.#views.delete(room);
    this.#emit({ type: "outbox", room, entries: this.outbox.list(room) });
  }

  #changed(room: string): void {
    this.#views.delete(room);
    this.#emit({ type: "view", room });
  }

  #emit(event: ClientEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        console.error("Chat client listener failed", err);
      }
    }
  }
}
