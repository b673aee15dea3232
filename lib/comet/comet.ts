/**
 * The comet transports of one isolate (SSE and long polling): the open
 * streams with their shared keep-alive timer, and long-poll presence with its
 * shared sweep timer.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import type { ChatPort } from "../rooms/chat_port.ts";
import { KeepAlive } from "./keepalive.ts";
import { PollPresence, type PresenceCounter } from "./poll_presence.ts";
import { SseStream } from "./sse_stream.ts";
import { longPoll, type LongPollResult } from "./long_poll.ts";
import type { ConnectionCaps } from "../throttle/connection_caps.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { LATER_MS } from "../protocol/close_codes.ts";

/** Tunables of the comet transports. */
export interface CometOptions {
  /** Keep-alive comment period (the contract: at least every 15 s). */
  pingMs: number;
  /** The `retry:` reconnect hint. */
  retryMs: number;
  /** How long a long-poll client counts as present after a poll. */
  pollPresenceMs: number;
  /** How often expired long-poll presence is swept. */
  pollSweepMs: number;
  /** Unread bytes after which an SSE stream is closed as too slow. */
  maxQueuedBytes: number;
}

/** The defaults; `maxQueuedBytes` follows `CHAT_SLOW_CLIENT_BYTES`. */
export const COMET_DEFAULTS: Omit<CometOptions, "maxQueuedBytes"> = {
  pingMs: 10_000,
  retryMs: 2_000,
  pollPresenceMs: 30_000,
  pollSweepMs: 5_000,
};

/** SSE headers that keep proxies from buffering or transforming the stream. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

/** What the comet transports use of the isolate. */
export interface CometContext {
  /** The rooms. */
  chat: ChatPort;
  /** Where long-poll clients count as present. */
  presence: PresenceCounter;
  /** This isolate's id (the `x-chat-node` header). */
  node: string;
  /** SSE streams closed for not keeping up. */
  slowClientsClosed: { inc(): void };
  /**
   * Connections per user and per address, shared with the WebSockets: a
   * stream counts against both while it is open (long polls do not: each
   * is one request).
   */
  caps: Pick<
    ConnectionCaps,
    "addUser" | "removeUser" | "addAddress" | "removeAddress"
  >;
  /** Called with errors nobody else can handle (a keep-alive ping's). */
  onError: (error: unknown) => void;
}

/** SSE and long polling on one isolate. */
export class Comet {
  readonly #context: CometContext;
  readonly #options: CometOptions;
  /** Open SSE streams, pinged by one timer. */
  readonly streams: KeepAlive<SseStream>;
  /** Long-poll presence, expired by one timer. */
  readonly pollers: PollPresence;
  #waiting = 0;
  /** Aborted at shutdown: wakes every waiting poll. */
  readonly #shutdown = new AbortController();

  constructor(context: CometContext, options: CometOptions) {
    this.#context = context;
    this.#options = options;
    this.streams = new KeepAlive(options.pingMs, context.onError);
    this.pollers = new PollPresence(context.presence, {
      windowMs: options.pollPresenceMs,
      sweepMs: options.pollSweepMs,
    });
  }

  /** Long polls waiting for a message now. */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Opens an SSE stream on `room` from `since` (the latest page without it)
   * in `epoch` (when the client knows one) and returns the response whose
   * body it is. A user or an `address` (`""`: unknown) holding as many
   * connections as allowed is refused with `429 rate_limited`.
   */
  async openStream(
    room: string,
    user: User | null,
    since: number | undefined,
    epoch?: string,
    tokenHash?: string,
    address = "",
  ): Promise<Response> {
    const { caps } = this.#context;
    if (!caps.addAddress(address)) throw tooManyConnections();
    if (user && !caps.addUser(user.id)) {
      caps.removeAddress(address);
      throw tooManyConnections();
    }
    const stream = new SseStream(this.#context.chat, {
      room,
      user,
      tokenHash,
      maxQueuedBytes: this.#options.maxQueuedBytes,
      retryMs: this.#options.retryMs,
      // Called once, however the stream ends (a failed open included).
      onClose: (closed, reason) => {
        this.streams.delete(closed);
        caps.removeAddress(address);
        if (user) caps.removeUser(user.id);
        if (reason === "slow") this.#context.slowClientsClosed.inc();
      },
    });
    await stream.open(since, epoch);
    if (!stream.closed) this.streams.add(stream);
    return new Response(stream.readable, {
      headers: { ...SSE_HEADERS, "x-chat-node": this.#context.node },
    });
  }

  /**
   * A long poll; `user` (when known) counts as present while polling. The
   * answer also lists who is online (an extension: a poller has no other
   * way to learn it).
   */
  async poll(
    room: string,
    user: User | null,
    since: number,
    epoch: string | undefined,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<LongPollResult & { online: User[] }> {
    let end: (() => void) | undefined;
    this.#waiting++;
    try {
      const result = await longPoll(this.#context.chat, {
        room,
        user,
        // Present only once the room let the user in.
        onJoined: () => {
          if (user) end = this.pollers.begin(room, user);
        },
        since,
        epoch,
        waitMs,
        signal: signal
          ? AbortSignal.any([signal, this.#shutdown.signal])
          : this.#shutdown.signal,
      });
      return { ...result, online: this.#context.chat.online(room) };
    } finally {
      this.#waiting--;
      end?.();
    }
  }

  /** Ends the streams whose listener's token was revoked. */
  closeRevoked(tokenHash: string): void {
    for (const stream of this.streams.members()) {
      if (stream.tokenHash === tokenHash) stream.close("revoked");
    }
  }

  /**
   * Ends every stream, answers every waiting poll and stops the timers, so
   * that a graceful shutdown is not held up by open responses.
   */
  close(): void {
    this.#shutdown.abort();
    for (const stream of this.streams.members()) stream.close("shutdown");
    this.streams.stop();
    this.pollers.stop();
  }
}

/** The answer to a stream over a cap: the WebSocket's `4029`, as HTTP. */
function tooManyConnections(): ProtocolError {
  return new ProtocolError(
    "rate_limited",
    "Too many connections: close another tab or stream first",
    { retryAfterMs: LATER_MS },
  );
}
