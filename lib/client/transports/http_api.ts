/**
 * The plain-HTTP half of the SSE and long-poll transports: sessions, posts,
 * typing, history and polls, each with the session token sent explicitly
 * (`Authorization: Bearer`) when the client has one, else with the page's
 * session cookie (which page scripts cannot read).
 *
 * @module
 */
import type {
  ChatMessage,
  ErrorCode,
  RoomUpdate,
  UnreadCounts,
  User,
} from "../../protocol/types.ts";

/** A `fetch` (replaceable in tests). */
export type Fetch = typeof fetch;

/** An error reply `{"error":{"code","message"}}`, or a failed request. */
export class HttpError extends Error {
  /** The contract's code, or `"internal"` for 5xx without a body. */
  readonly code: ErrorCode | string;
  /** HTTP status; 0 when the request did not complete (network). */
  readonly status: number;
  readonly retryAfterMs?: number;

  constructor(
    code: string,
    message: string,
    status: number,
    retryAfterMs?: number,
  ) {
    super(message);
    this.name = "HttpError";
    this.code = code;
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }

  /** The server could not be reached or failed: the channel is lost. */
  get lost(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

/** A long-poll answer. */
export interface PollReply {
  room: string;
  seq: number;
  epoch: string;
  messages: ChatMessage[];
  /** Edits, deletions and reactions after `since`, in `seq` order. */
  updates?: RoomUpdate[];
  recovered?: false;
  online?: User[];
}

/** A room of `GET /api/rooms`: the counts only where the person is in it. */
export interface ListedRoom extends Partial<UnreadCounts> {
  room: string;
}

/** The HTTP endpoints a comet transport uses. */
export class HttpApi {
  readonly base: string;
  readonly #fetch: Fetch;
  /** The session token; set after `hello`. */
  token: string | null = null;

  constructor(base: string, fetchImpl?: Fetch) {
    this.base = base;
    // Called as a plain function: browsers refuse `fetch` with another `this`.
    this.#fetch = fetchImpl ?? ((input, init) => fetch(input, init));
  }

  /** An absolute URL on the server. */
  url(path: string, query?: Record<string, string | number | undefined>): URL {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /**
   * `POST /api/session`: resumes `token` (renaming it when `name` is given)
   * or starts a new identity named `name`.
   */
  session(
    name: string | undefined,
    token: string | undefined,
  ): Promise<{ user: User; token: string }> {
    return this.#request("/api/session", {
      method: "POST",
      body: name === undefined ? {} : { name },
      token,
    });
  }

  /**
   * `POST …/messages` of a message (`{"id","text","replyTo?"}`) or, with
   * its `type`, an edit, deletion or reaction: the stored `seq`.
   */
  async post(room: string, body: Record<string, unknown>): Promise<number> {
    const reply = await this.#request<{ seq: number }>(
      roomPath(room, "messages"),
      { method: "POST", body },
    );
    return reply.seq;
  }

  /** `POST …/typing`. */
  async typing(room: string): Promise<void> {
    await this.#request(roomPath(room, "typing"), { method: "POST" });
  }

  /** `GET …/messages?before=&limit=`. */
  history(
    room: string,
    before: number | undefined,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
    return this.#request(roomPath(room, "messages"), {
      query: { before, limit },
    });
  }

  /** `POST …/read` `{"seq"}`: the person has read `room` up to `seq`. */
  async markRead(room: string, seq: number): Promise<void> {
    await this.#request(roomPath(room, "read"), {
      method: "POST",
      body: { seq },
    });
  }

  /** `GET /api/rooms`: with an identity, the person's rooms carry their counts. */
  async rooms(): Promise<ListedRoom[]> {
    const reply = await this.#request<{ rooms?: ListedRoom[] }>(
      "/api/rooms",
      {},
    );
    return Array.isArray(reply.rooms) ? reply.rooms : [];
  }

  /** `GET …/messages?since=&epoch=&wait=`: a long poll. */
  poll(
    room: string,
    since: number,
    epoch: string | undefined,
    waitS: number,
    signal?: AbortSignal,
  ): Promise<PollReply> {
    return this.#request(roomPath(room, "messages"), {
      query: { since, epoch, wait: waitS },
      signal,
    });
  }

  async #request<T>(
    path: string,
    init: {
      method?: string;
      body?: unknown;
      query?: Record<string, string | number | undefined>;
      token?: string;
      signal?: AbortSignal;
    },
  ): Promise<T> {
    const headers: Record<string, string> = {};
    const token = init.token ?? this.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.#fetch(this.url(path, init.query), {
        method: init.method ?? "GET",
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        // A token travels in the header, and then the cookie stays out of it.
        credentials: token ? "omit" : "same-origin",
        cache: "no-store",
        signal: init.signal,
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new HttpError("network", `Cannot reach the server: ${error}`, 0);
    }
    if (res.status === 204) return undefined as T;
    const body = await res.json().catch(() => null) as
      | (T & {
        error?: { code?: string; message?: string; retryAfterMs?: number };
      })
      | null;
    if (!res.ok || body === null) {
      throw new HttpError(
        body?.error?.code ?? (res.status >= 500 ? "internal" : "bad_request"),
        body?.error?.message ?? `HTTP ${res.status}`,
        res.status,
        body?.error?.retryAfterMs,
      );
    }
    return body;
  }
}

function roomPath(room: string, what: string): string {
  return `/api/rooms/${encodeURIComponent(room)}/${what}`;
}
