/**
 * The chat client the islands use: one connection (over a pluggable
 * {@linkcode Transport}), `hello` with the session, joined rooms resumed with
 * `since` after every reconnect, reconnects with exponential backoff and
 * jitter, and an {@linkcode Outbox} that sends what was written while
 * disconnected once the room is joined again, with the original ids.
 *
 * Delivery to listeners: per room, every message once and in `seq` order.
 * A gap (a `seq` that skips ahead) makes the client re-join with `since`.
 *
 * @module
 */
import type {
  ChatMessage,
  ClientFrame,
  ServerEvent,
  User,
} from "../protocol/types.ts";
import { LIMITS } from "../protocol/limits.ts";
import { parseMessageText, parseRoomName } from "../protocol/validate.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import { newMessageId } from "./ids.ts";
import {
  Outbox,
  OUTBOX_KEY,
  type OutboxEntry,
  type StorageLike,
} from "./outbox.ts";
import type {
  Transport,
  TransportClose,
  TransportFactory,
} from "./transport.ts";
import { webSocketTransport } from "./ws_transport.ts";

/** The connection as the person should see it. */
export type ConnectionStatus =
  /** First connection attempt under way. */
  | "connecting"
  /** Connected and greeted. */
  | "connected"
  /** Lost; trying again (after `retryInMs`). */
  | "reconnecting"
  /** The browser says there is no network; waiting for it. */
  | "offline"
  /** {@linkcode ChatClient.stop} was called. */
  | "stopped";

/** What the client tells its listeners. */
export type ClientEvent =
  | {
    type: "status";
    status: ConnectionStatus;
    retryInMs?: number;
    transport?: string;
  }
  | { type: "welcome"; user: User; token: string }
  | {
    type: "joined";
    room: string;
    /** Messages not delivered before (after `since`), oldest first. */
    messages: ChatMessage[];
    online: User[];
    /**
     * `false` when the server no longer had everything after `since`: the
     * room's timeline should be replaced by `messages`.
     */
    recovered: boolean;
    /** The room's head `seq` as of this reply. */
    seq: number;
  }
  | { type: "message"; message: ChatMessage }
  | {
    type: "presence";
    room: string;
    online: User[];
    joins: User[];
    leaves: User[];
  }
  | { type: "typing"; room: string; user: User }
  | { type: "outbox"; room: string; entries: OutboxEntry[] }
  | { type: "ack"; room: string; id: string; seq: number }
  | { type: "error"; code: string; message: string; ref?: string };

/** A listener of {@linkcode ClientEvent}s. */
export type ClientListener = (event: ClientEvent) => void;

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
  /** A sent message without an ack after this long is marked failed (default 10 s). */
  ackTimeoutMs?: number;
  /** How often to ping an idle connection (default 25 s). */
  pingIntervalMs?: number;
  /** A connection silent this long after a ping is dropped (default 10 s). */
  pongTimeoutMs?: number;
  /** Least time between two `typing` signals per room (default 2.5 s). */
  typingIntervalMs?: number;
  /** Base URL for HTTP fallbacks (history while disconnected); this origin by default. */
  httpBase?: string;
}

interface RoomState {
  /** Last `seq` delivered to listeners (0: none). */
  seq: number;
  /** The epoch `seq` counts in (unknown before the first `joined`). */
  epoch?: string;
  joined: boolean;
  /** A re-join is in flight: live messages wait for its reply. */
  resyncing: boolean;
  online: Map<string, User>;
}

interface PendingHistory {
  resolve(page: { messages: ChatMessage[]; hasMore: boolean }): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

function defaultStorage(): StorageLike | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // access denied (e.g. some privacy modes)
  }
}

function isOnline(): boolean {
  return typeof navigator === "undefined" || navigator.onLine !== false;
}

/**
 * A connection to the chat server.
 *
 * @example
 * ```ts ignore
 * import { ChatClient } from "./client.ts";
 * const client = new ChatClient({ token });
 * client.on((event) => console.log(event));
 * client.join("general", 0);
 * client.start();
 * client.send("general", "hello");
 * ```
 */
export class ChatClient {
  readonly outbox: Outbox;
  readonly #factory: TransportFactory;
  readonly #backoff: Backoff;
  readonly #listeners = new Set<ClientListener>();
  readonly #rooms = new Map<string, RoomState>();
  readonly #history = new Map<string, PendingHistory[]>();
  readonly #ackTimers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #lastTyping = new Map<string, number>();
  readonly #options: ChatClientOptions;
  #transport: Transport | null = null;
  #status: ConnectionStatus = "stopped";
  #greeted = false;
  #user: User | null = null;
  #token: string | null;
  #name: string | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;
  #everConnected = false;

  constructor(options: ChatClientOptions = {}) {
    this.#options = options;
    this.#factory = options.transport ?? webSocketTransport();
    this.#backoff = new Backoff(options.backoff);
    this.#token = options.token ?? null;
    this.#name = options.name;
    this.outbox = new Outbox(
      options.storage === undefined ? defaultStorage() : options.storage,
    );
  }

  /** The connection status. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** The user the server greeted us as (after `welcome`). */
  get user(): User | null {
    return this.#user;
  }

  /** The current session token (the server may issue a new one in `welcome`). */
  get token(): string | null {
    return this.#token;
  }

  /** Who is online in `room`, as last reported. */
  online(room: string): User[] {
    return [...(this.#rooms.get(room)?.online.values() ?? [])];
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: ClientListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Connects (and keeps reconnecting until {@linkcode stop}). */
  start(): void {
    if (this.#status !== "stopped") return;
    if (typeof addEventListener === "function") {
      addEventListener("online", this.#onOnline);
      addEventListener("offline", this.#onOffline);
      addEventListener("storage", this.#onStorage);
    }
    this.#connect();
  }

  /** Disconnects for good. */
  stop(): void {
    if (typeof removeEventListener === "function") {
      removeEventListener("online", this.#onOnline);
      removeEventListener("offline", this.#onOffline);
      removeEventListener("storage", this.#onStorage);
    }
    clearTimeout(this.#retryTimer);
    this.#setStatus("stopped");
    this.#transport?.close(1000, "bye");
  }

  /**
   * Joins `room` now or on the next connection, and after every reconnect.
   * `since` is the last `seq` the page already shows (0: none), in `epoch`
   * (the room's epoch when the page was rendered); only later messages are
   * delivered.
   */
  join(room: string, since = 0, epoch?: string): void {
    parseRoomName(room);
    const state = this.#rooms.get(room);
    if (state) {
      state.seq = Math.max(state.seq, since);
      return;
    }
    this.#rooms.set(room, {
      seq: since,
      epoch,
      joined: false,
      resyncing: false,
      online: new Map(),
    });
    if (this.#greeted) this.#sendJoin(room);
  }

  /**
   * Uses a new session token (after the person picked a name) by
   * reconnecting with it. Joined rooms and the outbox carry over.
   */
  setToken(token: string): void {
    this.#token = token;
    if (this.#transport) this.#transport.close(4000, "new session");
  }

  /**
   * Writes a message: validated, put in the outbox (persisted), and sent as
   * soon as the room is joined. Returns the outbox entry.
   *
   * @throws {import("../protocol/errors.ts").ProtocolError} `text_invalid`
   * or `room_invalid`, before anything is stored.
   */
  send(room: string, text: string): OutboxEntry {
    parseRoomName(room);
    const clean = parseMessageText(text);
    const entry = this.outbox.add({
      room,
      id: newMessageId(),
      text: clean,
      createdAt: Date.now(),
    });
    this.join(room, this.#rooms.get(room)?.seq ?? 0);
    // Others stop showing "typing" when the message arrives: the next
    // keystroke may signal again at once.
    this.#lastTyping.delete(room);
    this.#trySend(entry);
    this.#emitOutbox(room);
    return this.outbox.get(entry.id) ?? entry;
  }

  /** Sends a failed message again, with its original id. */
  retry(id: string): void {
    const entry = this.outbox.get(id);
    if (!entry) return;
    this.outbox.setState(id, "queued");
    this.#trySend(this.outbox.get(id)!);
    this.#emitOutbox(entry.room);
  }

  /** Drops a message from the outbox without sending it. */
  discard(id: string): void {
    const entry = this.outbox.get(id);
    if (!entry) return;
    this.#clearAckTimer(id);
    this.outbox.remove(id);
    this.#emitOutbox(entry.room);
  }

  /** Tells the room we are typing (throttled). */
  typing(room: string): void {
    const now = Date.now();
    const interval = this.#options.typingIntervalMs ?? 2_500;
    if (now - (this.#lastTyping.get(room) ?? -Infinity) < interval) return;
    if (!this.#rooms.get(room)?.joined) return;
    this.#lastTyping.set(room, now);
    this.#send({ type: "typing", room });
  }

  /**
   * An older page of `room`'s history (before `before`), oldest first: over
   * the connection when it is up, else over HTTP.
   */
  history(
    room: string,
    before: number | undefined,
    limit: number = LIMITS.historyDefault,
  ): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
    if (this.#greeted && this.#rooms.get(room)?.joined) {
      return new Promise((resolve, reject) => {
        const queue = this.#history.get(room) ?? [];
        this.#history.set(room, queue);
        const pending: PendingHistory = {
          resolve,
          reject,
          timer: setTimeout(() => {
            const i = queue.indexOf(pending);
            if (i !== -1) queue.splice(i, 1);
            reject(new Error("History request timed out"));
          }, 10_000),
        };
        queue.push(pending);
        const frame: ClientFrame = before === undefined
          ? { type: "history", room, limit }
          : { type: "history", room, before, limit };
        if (!this.#send(frame)) {
          queue.pop();
          clearTimeout(pending.timer);
          reject(new Error("Not connected"));
        }
      });
    }
    return this.#httpHistory(room, before, limit);
  }

  async #httpHistory(
    room: string,
    before: number | undefined,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
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

  // --- connection lifecycle -------------------------------------------------

  #connect(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#setStatus(this.#everConnected ? "reconnecting" : "connecting");
    let transport: Transport | null = null;
    const current = () => transport !== null && this.#transport === transport;
    let closed = false;
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
        if (this.#transport === transport || transport === null) {
          this.#onClose(info);
        }
      },
    };
    try {
      transport = this.#factory(handlers);
    } catch (err) {
      // E.g. a URL the browser refuses: retry like any failed attempt.
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
    this.#send(frame);
  }

  #onClose(info: TransportClose): void {
    this.#transport = null;
    this.#greeted = false;
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    for (const state of this.#rooms.values()) {
      state.joined = false;
      state.resyncing = false;
    }
    for (const [room, queue] of this.#history) {
      for (const p of queue.splice(0)) {
        clearTimeout(p.timer);
        p.reject(new Error("Connection lost"));
      }
      this.#history.delete(room);
    }
    for (const id of [...this.#ackTimers.keys()]) this.#clearAckTimer(id);
    const touched = new Set<string>();
    for (const e of this.outbox.list()) {
      if (e.state === "sending") {
        this.outbox.setState(e.id, "queued");
        touched.add(e.room);
      }
    }
    for (const room of touched) this.#emitOutbox(room);
    if (this.#status === "stopped") return;
    if (info.code === 1008 && info.wasOpen) {
      this.#emit({
        type: "error",
        code: "forbidden",
        message: info.reason || "Refused by the server",
      });
    }
    let delay = this.#backoff.next();
    if (info.code === 1013) delay = Math.max(delay, 5_000); // overloaded: later
    if (info.code === 4000) delay = 0; // our own reconnect (new token, dead link)
    if (!isOnline()) {
      this.#setStatus("offline");
      return; // the "online" event reconnects
    }
    this.#setStatus("reconnecting", delay);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  readonly #onOnline = (): void => {
    if (this.#status === "offline" || this.#status === "reconnecting") {
      this.#backoff.reset();
      this.#connect();
    }
  };

  readonly #onOffline = (): void => {
    if (this.#status === "reconnecting") this.#setStatus("offline");
  };

  readonly #onStorage = (event: StorageEvent): void => {
    if (event.key !== OUTBOX_KEY) return;
    this.outbox.reload();
    for (const room of this.#rooms.keys()) this.#emitOutbox(room);
    if (this.#greeted) this.#flush();
  };

  #startPing(): void {
    clearInterval(this.#pingTimer);
    this.#pingTimer = setInterval(() => {
      if (!this.#send({ type: "ping" })) return;
      clearTimeout(this.#pongTimer);
      this.#pongTimer = setTimeout(
        () => this.#transport?.close(4000, "no reply to ping"),
        this.#options.pongTimeoutMs ?? 10_000,
      );
    }, this.#options.pingIntervalMs ?? 25_000);
  }

  // --- server events --------------------------------------------------------

  #onEvents(events: ServerEvent[]): void {
    clearTimeout(this.#pongTimer);
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
      case "welcome":
        this.#user = event.user;
        this.#token = event.token;
        this.#greeted = true;
        this.#everConnected = true;
        this.#backoff.reset();
        this.#setStatus("connected");
        this.#emit({ type: "welcome", user: event.user, token: event.token });
        this.#startPing();
        for (const room of this.#rooms.keys()) this.#sendJoin(room);
        return;
      case "joined":
        return this.#onJoined(event);
      case "message": {
        const { type: _, ...message } = event;
        return this.#onMessage(message);
      }
      case "ack":
        return this.#onAck(event.room, event.id, event.seq);
      case "presence": {
        const state = this.#rooms.get(event.room);
        if (!state) return;
        for (const u of event.leaves) state.online.delete(u.id);
        for (const u of event.joins) state.online.set(u.id, u);
        this.#emit({
          type: "presence",
          room: event.room,
          online: [...state.online.values()],
          joins: event.joins,
          leaves: event.leaves,
        });
        return;
      }
      case "typing":
        if (event.user.id !== this.#user?.id) this.#emit(event);
        return;
      case "history": {
        const p = this.#history.get(event.room)?.shift();
        if (p) {
          clearTimeout(p.timer);
          p.resolve({ messages: event.messages, hasMore: event.hasMore });
        }
        return;
      }
      case "error":
        return this.#onError(event);
      case "left":
      case "pong":
        return;
    }
  }

  #onJoined(event: Extract<ServerEvent, { type: "joined" }>): void {
    const state = this.#rooms.get(event.room);
    if (!state) return;
    state.joined = true;
    state.resyncing = false;
    state.epoch = event.epoch;
    state.online = new Map(event.online.map((u) => [u.id, u]));
    const fresh = event.recovered
      ? event.messages.filter((m) => m.seq > state.seq)
      : event.messages;
    state.seq = Math.max(
      event.recovered ? state.seq : 0,
      event.seq,
      ...fresh.map((m) => m.seq),
    );
    this.#emit({
      type: "joined",
      room: event.room,
      messages: fresh,
      online: event.online,
      recovered: event.recovered,
      seq: state.seq,
    });
    for (const m of fresh) this.#settleOwn(m);
    this.#flush(event.room);
  }

  #onMessage(message: ChatMessage): void {
    const state = this.#rooms.get(message.room);
    if (!state || state.resyncing) return;
    if (message.seq <= state.seq) return; // already delivered
    if (message.seq > state.seq + 1) {
      // A gap: ask for exactly what is missing (the reply carries it in order).
      state.resyncing = true;
      this.#sendJoin(message.room);
      return;
    }
    state.seq = message.seq;
    this.#emit({ type: "message", message });
    this.#settleOwn(message);
  }

  /** A stored message of ours settles its outbox entry, ack or not. */
  #settleOwn(message: ChatMessage): void {
    if (message.user.id !== this.#user?.id) return;
    if (this.outbox.get(message.id)?.room !== message.room) return;
    this.#onAck(message.room, message.id, message.seq);
  }

  #onAck(room: string, id: string, seq: number): void {
    this.#clearAckTimer(id);
    if (!this.outbox.remove(id)) return;
    this.#emit({ type: "ack", room, id, seq });
    this.#emitOutbox(room);
  }

  #onError(event: Extract<ServerEvent, { type: "error" }>): void {
    const entry = event.ref ? this.outbox.get(event.ref) : undefined;
    if (entry) {
      this.#clearAckTimer(entry.id);
      if (event.code === "rate_limited") {
        const wait = Math.max(250, event.retryAfterMs ?? 1_000);
        this.outbox.setState(entry.id, "queued");
        setTimeout(() => {
          const now = this.outbox.get(entry.id);
          if (now?.state === "queued") this.#trySend(now);
        }, wait);
      } else if (event.code === "not_joined") {
        // The server lost our subscription: join again; the entry follows.
        this.outbox.setState(entry.id, "queued");
        const state = this.#rooms.get(entry.room);
        if (state) {
          state.joined = false;
          this.#sendJoin(entry.room);
        }
      } else {
        this.outbox.setState(entry.id, "failed", event.message, event.code);
      }
      this.#emitOutbox(entry.room);
    } else if (event.ref === "hello" && event.code === "unauthenticated") {
      // The token is no longer valid (e.g. the signing key changed): start a
      // new identity with the same name rather than failing for good.
      this.#token = null;
      this.#name = this.#user?.name ?? this.#name;
      this.#hello();
    } else if (event.ref === "history") {
      for (const queue of this.#history.values()) {
        const p = queue.shift();
        if (p) {
          clearTimeout(p.timer);
          p.reject(new Error(event.message));
          break;
        }
      }
    }
    this.#emit({
      type: "error",
      code: event.code,
      message: event.message,
      ref: event.ref,
    });
  }

  // --- sending ----------------------------------------------------------------

  #send(frame: ClientFrame): boolean {
    return this.#transport?.send(frame) ?? false;
  }

  #sendJoin(room: string): void {
    const state = this.#rooms.get(room)!;
    const frame: ClientFrame = { type: "join", room };
    if (state.seq > 0) {
      frame.since = state.seq;
      if (state.epoch !== undefined) frame.epoch = state.epoch;
    }
    this.#send(frame);
  }

  /** Sends every sendable outbox entry of `room` (all joined rooms if omitted). */
  #flush(room?: string): void {
    for (const entry of this.outbox.list(room)) {
      const retryable = entry.state === "queued" ||
        (entry.state === "failed" && entry.code === "timeout");
      if (retryable && this.#rooms.get(entry.room)?.joined) {
        if (entry.state === "failed") this.outbox.setState(entry.id, "queued");
        this.#trySend(this.outbox.get(entry.id)!);
      }
    }
    if (room) this.#emitOutbox(room);
  }

  #trySend(entry: OutboxEntry): void {
    if (entry.state !== "queued" || !this.#greeted) return;
    if (!this.#rooms.get(entry.room)?.joined) return;
    if (
      !this.#send({
        type: "send",
        room: entry.room,
        id: entry.id,
        text: entry.text,
      })
    ) return;
    this.outbox.setState(entry.id, "sending");
    this.#clearAckTimer(entry.id);
    this.#ackTimers.set(
      entry.id,
      setTimeout(() => {
        this.#ackTimers.delete(entry.id);
        if (this.outbox.get(entry.id)?.state !== "sending") return;
        this.outbox.setState(
          entry.id,
          "failed",
          "No confirmation from the server",
          "timeout",
        );
        this.#emitOutbox(entry.room);
      }, this.#options.ackTimeoutMs ?? 10_000),
    );
  }

  #clearAckTimer(id: string): void {
    clearTimeout(this.#ackTimers.get(id));
    this.#ackTimers.delete(id);
  }

  // --- listeners --------------------------------------------------------------

  #setStatus(status: ConnectionStatus, retryInMs?: number): void {
    if (this.#status === status && retryInMs === undefined) return;
    this.#status = status;
    this.#emit({
      type: "status",
      status,
      retryInMs,
      transport: this.#transport?.kind,
    });
  }

  #emitOutbox(room: string): void {
    this.#emit({ type: "outbox", room, entries: this.outbox.list(room) });
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
