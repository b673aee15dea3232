/**
 * One Server-Sent Events stream: a room subscription whose sink writes
 * `text/event-stream` bytes into a `ReadableStream` (the response body).
 *
 * The stream opens with a `retry:` hint, then (only when `since` was older
 * than retained history) a `reset` event, then a `joined` event, then the
 * backlog as `message`, `edit`, `delete` and `reaction` events (`id: <seq>`,
 * in `seq` order), then live events in `seq` order. The queue is
 * bounded in bytes: a reader that falls that far behind is disconnected and
 * resumes with `Last-Event-ID` when it reconnects.
 *
 * @module
 */
import type { RoomEvent, User } from "../protocol/types.ts";
import type { JoinResult, RoomJoiner } from "../rooms/chat_port.ts";
import { RoomSubscription } from "../rooms/room_subscription.ts";
import {
  encode,
  formatEvent,
  PING,
  retryHint,
  roomEvent,
  storedEvent,
} from "./sse_format.ts";

/** Why a stream ended. */
export type SseCloseReason =
  | "client"
  | "slow"
  | "shutdown"
  | "error"
  | "banned"
  | "revoked";

/** Options for {@linkcode SseStream}. */
export interface SseStreamOptions {
  room: string;
  /** The listener; counts as present in the room. `null` reads anonymously. */
  user: User | null;
  /** The hash of the listener's token (`tokenHash`): revoking it ends the stream. */
  tokenHash?: string;
  /** Bytes queued for the client after which it is cut off as too slow. */
  maxQueuedBytes: number;
  /** The reconnect delay suggested to the client (`retry:`). */
  retryMs: number;
  /** Called once when the stream ends, whatever the reason. */
  onClose?: (stream: SseStream, reason: SseCloseReason) => void;
}

type Phase = "new" | "joining" | "open" | "closed";

/** One SSE listener of one room. */
export class SseStream {
  /** The response body. */
  readonly readable: ReadableStream<Uint8Array>;
  readonly subscription: RoomSubscription;
  readonly #chat: RoomJoiner;
  readonly #options: SseStreamOptions;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #phase: Phase = "new";
  /** Whether the chat service holds the subscription (join completed). */
  #joined = false;
  /** The queue bound: the option plus the backlog, which may be large. */
  #limit: number;

  constructor(chat: RoomJoiner, options: SseStreamOptions) {
    this.#chat = chat;
    this.#options = options;
    this.#limit = options.maxQueuedBytes;
    this.subscription = new RoomSubscription(options.room, options.user, {
      roomEvent: (outgoing) => this.#push(storedEvent(outgoing)),
      event: (outgoing) => this.#push(roomEvent(outgoing)),
      // Like a slow client: the EventSource resumes with Last-Event-ID.
      lost: () => this.close("slow"),
      // A `left` event, then the end: reconnecting would be refused.
      removed: (room, reason) => {
        this.#push(
          encode(
            formatEvent("left", JSON.stringify({ type: "left", room, reason })),
          ),
        );
        this.close("banned");
      },
    });
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => this.close("client"),
    }, {
      // Count bytes, and let none wait below zero: `desiredSize` is then
      // minus the bytes the client has not taken yet.
      highWaterMark: 0,
      size: (chunk) => chunk.byteLength,
    });
  }

  /** The hash of the listener's token, if it has one. */
  get tokenHash(): string | undefined {
    return this.#options.tokenHash;
  }

  /** Whether the stream has ended. */
  get closed(): boolean {
    return this.#phase === "closed";
  }

  /** Bytes queued and not yet taken by the HTTP server. */
  get queuedBytes(): number {
    return this.#phase === "closed" ? 0 : -(this.#controller.desiredSize ?? 0);
  }

  /**
   * Joins the room and queues the preamble and the messages after `since`
   * (the latest page without it; `recovered: false` when `epoch` is not the
   * room's). Rejects if the room cannot be read.
   */
  async open(since: number | undefined, epoch?: string): Promise<void> {
    if (this.#phase !== "new") throw new Error("SseStream opened twice");
    this.#phase = "joining";
    try {
      await this.#chat.join(
        this.subscription,
        since,
        (reply) => this.#preamble(reply),
        epoch,
      );
    } catch (error) {
      this.#joined = true;
      this.close("error");
      throw error;
    }
    this.#joined = true;
    if (this.closed) {
      this.#chat.leave(this.subscription); // cancelled while joining
    } else {
      this.#phase = "open";
    }
  }

  /** Sends a keep-alive comment. */
  ping(): void {
    this.#push(PING);
  }

  /** Ends the stream and leaves the room; safe to call more than once. */
  close(reason: SseCloseReason): void {
    if (this.#phase === "closed") return;
    const wasJoined = this.#joined;
    this.#phase = "closed";
    if (wasJoined) this.#chat.leave(this.subscription);
    if (reason !== "client") {
      try {
        if (reason === "slow") {
          // Drop what is queued: the client resumes with Last-Event-ID.
          this.#controller.error("sse: client too slow, stream closed");
        } else {
          this.#controller.close();
        }
      } catch {
        // Already cancelled by the client.
      }
    }
    this.#options.onClose?.(this, reason);
  }

  #preamble(reply: JoinResult): void {
    if (this.closed) return; // cancelled while joining
    const { room, seq, epoch, messages, updates, online, recovered } = reply;
    let text = "";
    if (!recovered) {
      text += formatEvent(
        "reset",
        JSON.stringify({ type: "reset", room, seq }),
      );
    }
    // `id:` marks everything before the first event that follows as seen,
    // so a reconnect during the backlog resumes inside it.
    const first = Math.min(
      messages[0]?.seq ?? Infinity,
      updates[0]?.seq ?? Infinity,
    );
    const cursor = first === Infinity ? seq : first - 1;
    text += formatEvent(
      "joined",
      JSON.stringify({ type: "joined", room, seq, epoch, online, recovered }),
      cursor,
    );
    // Messages and updates in `seq` order, each with its `id:`, so the
    // last one seen is where a reconnect resumes.
    const events: RoomEvent[] = [...messages, ...updates].sort((a, b) =>
      a.seq - b.seq
    );
    for (const event of events) {
      text += formatEvent(
        event.type ?? "message",
        JSON.stringify(event),
        event.seq,
      );
    }
    const bytes = encode(text);
    this.#limit += bytes.byteLength;
    this.#controller.enqueue(retryHint(this.#options.retryMs));
    this.#controller.enqueue(bytes);
  }

  #push(bytes: Uint8Array): void {
    if (this.#phase !== "open" && this.#phase !== "joining") return;
    this.#controller.enqueue(bytes);
    if (this.queuedBytes > this.#limit) this.close("slow");
  }
}
