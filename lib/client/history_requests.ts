/**
 * Older pages over the connection, matched to their replies. A `history`
 * reply names its room but an `error` with `ref: "history"` does not, and a
 * server may answer requests out of order (the HTTP transports run them
 * concurrently), so only one request is on the wire at a time: every reply
 * belongs to it. Others wait their turn in order.
 *
 * @module
 */
import type {
  ChatMessage,
  ClientFrame,
  ServerEvent,
} from "../protocol/types.ts";
import type { Clock, TimerId } from "./clock.ts";

/** One page of older messages, oldest first. */
export interface HistoryPage {
  messages: ChatMessage[];
  hasMore: boolean;
}

interface Request {
  frame: Extract<ClientFrame, { type: "history" }>;
  resolve(page: HistoryPage): void;
  reject(error: Error): void;
  timer: TimerId;
  /** Timed out while on the wire: its reply, when it comes, is dropped. */
  abandoned: boolean;
}

/** Options of {@linkcode HistoryRequests}. */
export interface HistoryRequestsOptions {
  clock: Clock;
  /** Puts a frame on the connection; `false` when there is none. */
  send(frame: ClientFrame): boolean;
  /** A request unanswered this long is rejected (default 10 s). */
  timeoutMs?: number;
}

/**
 * History requests of one client.
 *
 * @example
 * ```ts ignore
 * const requests = new HistoryRequests({ clock, send: (f) => link.send(f) });
 * const page = await requests.request("general", 120, 50);
 * ```
 */
export class HistoryRequests {
  readonly #options: HistoryRequestsOptions;
  readonly #queue: Request[] = [];
  #inFlight: Request | null = null;

  constructor(options: HistoryRequestsOptions) {
    this.#options = options;
  }

  /** Asks for the page of `room` before `before` (the latest without it). */
  request(
    room: string,
    before: number | undefined,
    limit: number,
  ): Promise<HistoryPage> {
    const frame: Extract<ClientFrame, { type: "history" }> =
      before === undefined
        ? { type: "history", room, limit }
        : { type: "history", room, before, limit };
    return new Promise((resolve, reject) => {
      const request: Request = {
        frame,
        resolve,
        reject,
        abandoned: false,
        timer: this.#options.clock.setTimeout(
          () => this.#timeout(request),
          this.#options.timeoutMs ?? 10_000,
        ),
      };
      this.#queue.push(request);
      this.#pump();
    });
  }

  /** A `history` reply: `true` when it answered a request. */
  onHistory(event: Extract<ServerEvent, { type: "history" }>): boolean {
    const request = this.#inFlight;
    if (!request || request.frame.room !== event.room) return false;
    this.#settle(request);
    if (!request.abandoned) {
      request.resolve({ messages: event.messages, hasMore: event.hasMore });
    }
    return true;
  }

  /** An `error` with `ref: "history"`: it answers the request on the wire. */
  onError(message: string): void {
    const request = this.#inFlight;
    if (!request) return;
    this.#settle(request);
    if (!request.abandoned) request.reject(new Error(message));
  }

  /** The connection is gone: every request fails (the caller may retry). */
  down(): void {
    const all = [...(this.#inFlight ? [this.#inFlight] : []), ...this.#queue];
    this.#inFlight = null;
    this.#queue.length = 0;
    for (const request of all) {
      this.#options.clock.clearTimeout(request.timer);
      if (!request.abandoned) request.reject(new Error("Connection lost"));
    }
  }

  #settle(request: Request): void {
    this.#options.clock.clearTimeout(request.timer);
    this.#inFlight = null;
    this.#pump();
  }

  #pump(): void {
    while (!this.#inFlight && this.#queue.length > 0) {
      const next = this.#queue.shift()!;
      if (this.#options.send(next.frame)) {
        this.#inFlight = next;
      } else {
        this.#options.clock.clearTimeout(next.timer);
        next.reject(new Error("Not connected"));
      }
    }
  }

  #timeout(request: Request): void {
    request.reject(new Error("History request timed out"));
    if (request === this.#inFlight) {
      // Its reply may still come: it keeps the wire until then, so it is
      // never taken for the next request's.
      request.abandoned = true;
      return;
    }
    const i = this.#queue.indexOf(request);
    if (i !== -1) this.#queue.splice(i, 1);
  }
}
