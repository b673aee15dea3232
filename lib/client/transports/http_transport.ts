/**
 * What the SSE and long-poll transports share: they speak the WebSocket
 * protocol to {@linkcode ChatClient} (client frames in, server events out)
 * and map it onto HTTP. `hello` becomes `POST /api/session` (→ `welcome`),
 * `send`, `edit`, `delete` and `react` a `POST …/messages` (→ `ack` or
 * `error` with the id as `ref`),
 * `typing` a `POST …/typing`, `history` a `GET …/messages`, `ping` a local
 * `pong` while the channel is healthy, `read` a `POST …/read`. Subclasses
 * carry `join`/`leave`.
 *
 * HTTP has no `watch`: the watched rooms' counts are read from
 * `GET /api/rooms` instead, when the list is given, on every `ping` (every
 * 20 s, and when the tab is focused, shown or back online) and when the
 * page is shown again, and handed over as the `unread` events the server
 * would have pushed; the joined rooms' positions from the same reply as
 * `read` events (another tab may have read them). `visibility` has no
 * endpoint: over HTTP a page never counts as away.
 *
 * A request the server cannot answer (network, 5xx) closes the transport
 * with 1006, like a dropped socket: the client reconnects and resumes.
 *
 * @module
 */
import type {
  ClientFrame,
  ErrorCode,
  ServerEvent,
} from "../../protocol/types.ts";
import { LIMITS, PROTOCOL_VERSION } from "../../protocol/limits.ts";
import type { Transport, TransportHandlers } from "../transport.ts";
import { type Fetch, HttpApi, HttpError } from "./http_api.ts";

/** Options shared by the HTTP transports. */
export interface HttpTransportOptions {
  /** The server's origin; the page's own by default. */
  base?: string;
  /** `fetch`, replaceable in tests. */
  fetch?: Fetch;
}

/** The page's origin, when there is a page. */
export function defaultBase(): string {
  return typeof location === "undefined" ? "http://localhost" : location.origin;
}

/** Base of the SSE and long-poll transports. */
export abstract class HttpTransport implements Transport {
  abstract readonly kind: string;
  protected readonly api: HttpApi;
  readonly #handlers: TransportHandlers;
  #closed = false;
  /** Whether `hello` was answered: rooms can be joined. */
  #welcomed = false;
  /** The chain of posts in flight. */
  #posts: Promise<void> = Promise.resolve();
  /** Rooms joined: their positions come with the polled counts. */
  readonly #joined = new Set<string>();
  /** Rooms whose counts are polled (the last `watch`). */
  #watched: readonly string[] = [];
  #polling = false;

  constructor(handlers: TransportHandlers, options: HttpTransportOptions) {
    this.#handlers = handlers;
    this.api = new HttpApi(options.base ?? defaultBase(), options.fetch);
    // Plain HTTP has no handshake: the channel is "open" at once.
    queueMicrotask(() => {
      if (!this.#closed) handlers.onOpen();
    });
  }

  /** Whether the transport has closed. */
  get closed(): boolean {
    return this.#closed;
  }

  send(frame: ClientFrame): boolean {
    if (this.#closed) return false;
    switch (frame.type) {
      case "hello":
        void this.#hello(frame.name, frame.token);
        break;
      case "join":
        if (!this.#welcomed) return false; // no hello yet
        this.#joined.add(frame.room);
        this.join(frame.room, frame.since, frame.epoch);
        break;
      case "leave":
        this.#joined.delete(frame.room);
        this.leave(frame.room);
        queueMicrotask(() => this.emit({ type: "left", room: frame.room }));
        break;
      case "send":
      case "edit":
      case "delete":
      case "react": {
        // One post at a time: events are stored in the order written, as
        // over one WebSocket. A message's body has no `type`.
        const { room, id } = frame;
        const { room: _, ...rest } = frame;
        const body: Record<string, unknown> = rest;
        if (frame.type === "send") delete body.type;
        this.#posts = this.#posts.then(() => this.#post(room, id, body));
        break;
      }
      case "typing":
        this.api.typing(frame.room).catch(() => {
          // Typing is best effort.
        });
        break;
      case "history":
        void this.#history(frame.room, frame.before, frame.limit);
        break;
      case "ping":
        queueMicrotask(() => {
          if (this.healthy()) this.emit({ type: "pong" });
        });
        void this.#pollCounts();
        break;
      case "read":
        // Best effort, like the frame: the next position seen goes again.
        this.api.markRead(frame.room, frame.seq).catch(() => {});
        break;
      case "watch":
        this.#watched = frame.rooms;
        void this.#pollCounts();
        break;
      case "visibility":
        if (!frame.hidden) void this.#pollCounts();
        break;
    }
    return true;
  }

  close(code = 1000, reason = ""): void {
    if (this.#closed) return;
    this.#closed = true;
    this.shutdown();
    this.#handlers.onClose({ code, reason, wasOpen: true });
  }

  /**
   * Subscribes to `room` from `since` (the latest page without it), counted
   * in `epoch` when the client knows the room's.
   */
  protected abstract join(
    room: string,
    since: number | undefined,
    epoch: string | undefined,
  ): void;
  /** Ends the subscription to `room`. */
  protected abstract leave(room: string): void;
  /** Stops every subscription (the transport is closing). */
  protected abstract shutdown(): void;
  /** Whether every subscription is alive (answers `ping`). */
  protected abstract healthy(): boolean;

  /** Hands events to the client, in order. */
  protected emit(...events: ServerEvent[]): void {
    if (!this.#closed && events.length > 0) this.#handlers.onEvents(events);
  }

  /** The channel is lost: the client reconnects and resumes. */
  protected fail(reason: string): void {
    this.close(1006, reason);
  }

  async #hello(name?: string, token?: string): Promise<void> {
    // A bare hello speaks for the page's session cookie, as over the
    // WebSocket: requests then carry the cookie, never a token in script.
    const bare = name === undefined && token === undefined;
    try {
      const session = bare
        ? await this.api.session(undefined, undefined).catch((error) => {
          // No cookie session yet: a new guest (whose cookie is set).
          if (error instanceof HttpError && error.status === 400) {
            return this.api.session(guestName(), undefined);
          }
          throw error;
        })
        : await this.api.session(name, token);
      this.api.token = bare ? null : session.token;
      this.#welcomed = true;
      this.emit({
        type: "welcome",
        user: session.user,
        token: bare ? "" : session.token,
        protocol: PROTOCOL_VERSION,
        limits: {
          maxFrameBytes: LIMITS.maxFrameBytes,
          maxTextChars: LIMITS.maxTextChars,
          maxNameChars: LIMITS.maxNameChars,
          historyMax: LIMITS.historyMax,
        },
        node: "",
      });
    } catch (error) {
      if (error instanceof HttpError && !error.lost) {
        // As on the WebSocket: the client starts a new identity.
        this.emit({
          type: "error",
          code: token ? "unauthenticated" : error.code as ErrorCode,
          message: error.message,
          ref: "hello",
        });
      } else {
        this.fail(String(error));
      }
    }
  }

  /** The counts of watched rooms, and positions of joined ones, as events. */
  async #pollCounts(): Promise<void> {
    if (!this.#welcomed || this.#polling) return;
    if (this.#watched.length === 0 && this.#joined.size === 0) return;
    this.#polling = true;
    try {
      const events: ServerEvent[] = [];
      for (
        const { room, seq, read, unread, mentions } of await this.api.rooms()
      ) {
        if (read === undefined) continue; // not one of the person's rooms
        if (this.#joined.has(room)) {
          events.push({ type: "read", room, seq: read });
        }
        if (
          this.#watched.includes(room) && seq !== undefined &&
          unread !== undefined && mentions !== undefined
        ) {
          events.push({ type: "unread", room, seq, read, unread, mentions });
        }
      }
      this.emit(...events);
    } catch {
      // Counts are best effort: the next ping asks again.
    } finally {
      this.#polling = false;
    }
  }

  async #post(
    room: string,
    id: string,
    body: Record<string, unknown>,
  ): Promise<void> {
    if (this.#closed) return; // the client re-sends it on the next transport
    try {
      const seq = await this.api.post(room, body);
      this.emit({ type: "ack", id, room, seq });
    } catch (error) {
      this.#report(error, id);
    }
  }

  async #history(
    room: string,
    before: number | undefined,
    limit: number,
  ): Promise<void> {
    try {
      const page = await this.api.history(room, before, limit);
      this.emit({
        type: "history",
        room,
        messages: page.messages,
        hasMore: page.hasMore,
      });
    } catch (error) {
      this.#report(error, "history");
    }
  }

  /** An error the client can act on (with `ref`), or a lost channel. */
  #report(error: unknown, ref: string): void {
    if (!(error instanceof HttpError) || error.lost) {
      return this.fail(String(error));
    }
    const event: ServerEvent = {
      type: "error",
      code: error.code as ErrorCode,
      message: error.message,
      ref,
    };
    if (error.retryAfterMs !== undefined) {
      event.retryAfterMs = error.retryAfterMs;
    }
    this.emit(event);
  }
}

function guestName(): string {
  return `guest-${Math.floor(1000 + Math.random() * 9000)}`;
}
