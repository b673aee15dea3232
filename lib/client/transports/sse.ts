/**
 * The SSE transport: one `EventSource` per joined room on
 * `GET /api/rooms/:room/events` (token in `?token=`, since `EventSource`
 * cannot set headers), HTTP `POST` for everything the client sends.
 *
 * The stream's `joined` event and the backlog that follows it (messages,
 * and the `edit`, `delete` and `reaction` events after the cursor) become
 * one WebSocket-style `joined` event with `messages` and `updates`, so the
 * client handles both transports alike. A stream error closes the whole transport (1006)
 * instead of letting `EventSource` reconnect by itself: the client then
 * reconnects with backoff and resumes every room with `since`, as it does
 * after a dropped socket.
 *
 * @module
 */
import type {
  ChatMessage,
  RoomUpdate,
  ServerEvent,
  User,
} from "../../protocol/types.ts";
import type { TransportFactory, TransportHandlers } from "../transport.ts";
import { HttpTransport, type HttpTransportOptions } from "./http_transport.ts";

/** Options of {@linkcode sseTransport}. */
export interface SseTransportOptions extends HttpTransportOptions {
  /** `EventSource`, replaceable in tests. */
  EventSource?: typeof EventSource;
  /**
   * A stream that has not delivered its `joined` event after this long is
   * taken as blocked (a buffering proxy) and the transport closes (10 s).
   */
  openTimeoutMs?: number;
}

interface JoinedData {
  room: string;
  seq: number;
  epoch: string;
  online: User[];
  recovered: boolean;
  /** The person's read position, when the server says. */
  read?: number;
}

interface RoomStream {
  source: EventSource;
  /** The `joined` event, while its backlog is still arriving. */
  pending:
    | { joined: JoinedData; messages: ChatMessage[]; updates: RoomUpdate[] }
    | null;
  started: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

class SseTransport extends HttpTransport {
  readonly kind = "sse";
  readonly #rooms = new Map<string, RoomStream>();
  readonly #EventSource: typeof EventSource;
  readonly #openTimeoutMs: number;

  constructor(handlers: TransportHandlers, options: SseTransportOptions) {
    super(handlers, options);
    this.#EventSource = options.EventSource ?? EventSource;
    this.#openTimeoutMs = options.openTimeoutMs ?? 10_000;
  }

  protected join(
    room: string,
    since: number | undefined,
    epoch: string | undefined,
  ): void {
    this.leave(room); // a re-join restarts from `since`
    const url = this.api.url(
      `/api/rooms/${encodeURIComponent(room)}/events`,
      {
        since,
        epoch: since === undefined ? undefined : epoch,
        token: this.api.token ?? undefined,
      },
    );
    const source = new this.#EventSource(url.href);
    const stream: RoomStream = {
      source,
      pending: null,
      started: false,
      timer: setTimeout(
        () => this.fail(`no events from ${room} in time`),
        this.#openTimeoutMs,
      ),
    };
    this.#rooms.set(room, stream);
    const parse = (event: Event): unknown => {
      try {
        return JSON.parse((event as MessageEvent<string>).data);
      } catch {
        return null;
      }
    };
    source.addEventListener("joined", (event) => {
      const joined = parse(event) as JoinedData | null;
      if (!joined) return;
      clearTimeout(stream.timer);
      stream.started = true;
      const cursor = Number((event as MessageEvent).lastEventId);
      stream.pending = { joined, messages: [], updates: [] };
      if (!(cursor < joined.seq)) this.#release(stream);
    });
    source.addEventListener("message", (event) => {
      const message = parse(event) as ChatMessage | null;
      if (!message) return;
      if (stream.pending) {
        stream.pending.messages.push(message);
        if (message.seq >= stream.pending.joined.seq) this.#release(stream);
      } else if (stream.started) {
        this.emit({ type: "message", ...message });
      }
    });
    for (const type of ["edit", "delete", "reaction"]) {
      source.addEventListener(type, (event) => {
        const data = parse(event) as Omit<RoomUpdate, "type"> | null;
        if (typeof data?.target !== "number") return;
        // The event's name is its type, whether or not the data repeats it.
        const update = { ...data, type } as RoomUpdate;
        if (stream.pending) {
          stream.pending.updates.push(update);
          if (update.seq >= stream.pending.joined.seq) this.#release(stream);
        } else if (stream.started) {
          this.emit(update);
        }
      });
    }
    for (const type of ["presence", "typing"]) {
      source.addEventListener(type, (event) => {
        const data = parse(event) as ServerEvent | null;
        if (data?.type === type && stream.started) this.emit(data);
      });
    }
    // The room ended the stream (a ban): say so, and do not reconnect it.
    source.addEventListener("left", (event) => {
      const data = parse(event) as ServerEvent | null;
      if (data?.type !== "left") return;
      this.leave(room);
      this.emit(data);
    });
    // `reset` needs nothing: the `joined` after it says recovered: false.
    source.onerror = () => {
      if (this.#rooms.get(room) === stream) {
        this.fail(`event stream of ${room} lost`);
      }
    };
  }

  protected leave(room: string): void {
    const stream = this.#rooms.get(room);
    if (!stream) return;
    this.#rooms.delete(room);
    clearTimeout(stream.timer);
    stream.source.close();
  }

  protected shutdown(): void {
    for (const room of [...this.#rooms.keys()]) this.leave(room);
  }

  protected healthy(): boolean {
    for (const stream of this.#rooms.values()) {
      if (stream.source.readyState !== this.#EventSource.OPEN) return false;
    }
    return true;
  }

  #release(stream: RoomStream): void {
    const pending = stream.pending;
    if (!pending) return;
    stream.pending = null;
    this.emit({
      type: "joined",
      room: pending.joined.room,
      seq: pending.joined.seq,
      epoch: pending.joined.epoch,
      messages: pending.messages,
      updates: pending.updates,
      online: pending.joined.online,
      recovered: pending.joined.recovered,
      ...(pending.joined.read === undefined
        ? {}
        : { read: pending.joined.read }),
    });
  }
}

/** A transport factory for SSE + HTTP POST. */
export function sseTransport(
  options: SseTransportOptions = {},
): TransportFactory {
  return (handlers) => new SseTransport(handlers, options);
}
