/**
 * The long-poll transport: for each joined room a loop of
 * `GET /api/rooms/:room/messages?since=N&wait=S`, each answered as soon as
 * there is something new; HTTP `POST` for everything the client sends.
 *
 * Presence comes from the `online` list of each answer (diffed into
 * `presence` events), so it may lag by up to one wait; typing signals are
 * sent but not received (the endpoint carries messages only).
 *
 * @module
 */
import type { ServerEvent, User } from "../../protocol/types.ts";
import type { TransportFactory, TransportHandlers } from "../transport.ts";
import { HttpError, type PollReply } from "./http_api.ts";
import { HttpTransport, type HttpTransportOptions } from "./http_transport.ts";

/** Options of {@linkcode longPollTransport}. */
export interface LongPollTransportOptions extends HttpTransportOptions {
  /** Seconds each poll may wait on the server (0–30; default 20). */
  waitS?: number;
}

interface RoomLoop {
  abort: AbortController;
  online: Map<string, User>;
  /** The room's epoch as last seen: every poll resumes in it. */
  epoch: string | undefined;
}

class LongPollTransport extends HttpTransport {
  readonly kind = "longpoll";
  readonly #rooms = new Map<string, RoomLoop>();
  readonly #waitS: number;

  constructor(handlers: TransportHandlers, options: LongPollTransportOptions) {
    super(handlers, options);
    this.#waitS = options.waitS ?? 20;
  }

  protected join(
    room: string,
    since: number | undefined,
    epoch: string | undefined,
  ): void {
    this.leave(room);
    const loop: RoomLoop = {
      abort: new AbortController(),
      online: new Map(),
      epoch,
    };
    this.#rooms.set(room, loop);
    this.#run(room, since, loop).catch((error) => {
      if (loop.abort.signal.aborted) return;
      if (error instanceof HttpError && !error.lost) {
        this.emit({
          type: "error",
          code: error.code as "bad_request",
          message: error.message,
          ref: "join",
        });
        this.#rooms.delete(room);
      } else {
        this.fail(`long poll of ${room} failed: ${error}`);
      }
    });
  }

  protected leave(room: string): void {
    const loop = this.#rooms.get(room);
    if (!loop) return;
    this.#rooms.delete(room);
    loop.abort.abort();
  }

  protected shutdown(): void {
    for (const room of [...this.#rooms.keys()]) this.leave(room);
  }

  protected healthy(): boolean {
    return true; // a failed poll closes the transport at once
  }

  async #run(
    room: string,
    since: number | undefined,
    loop: RoomLoop,
  ): Promise<void> {
    const signal = loop.abort.signal;
    // The join: the missed messages (or the latest page) without waiting.
    let seq: number;
    if (since === undefined) {
      const page = await this.api.history(room, undefined, 50);
      seq = page.messages.at(-1)?.seq ?? 0;
      const first = await this.api.poll(room, seq, undefined, 0, signal);
      if (signal.aborted) return;
      this.#setOnline(loop, first.online ?? []);
      this.emit({
        type: "joined",
        room,
        seq: first.seq,
        epoch: first.epoch,
        messages: [...page.messages, ...first.messages],
        updates: first.updates ?? [],
        online: [...loop.online.values()],
        recovered: first.recovered !== false,
      });
      seq = first.seq;
      loop.epoch = first.epoch;
    } else {
      const first = await this.api.poll(room, since, loop.epoch, 0, signal);
      if (signal.aborted) return;
      this.#setOnline(loop, first.online ?? []);
      this.emit({
        type: "joined",
        room,
        seq: first.seq,
        epoch: first.epoch,
        messages: first.messages,
        updates: first.updates ?? [],
        online: [...loop.online.values()],
        recovered: first.recovered !== false,
      });
      seq = first.seq;
      loop.epoch = first.epoch;
    }
    while (!signal.aborted) {
      const reply: PollReply = await this.api.poll(
        room,
        seq,
        loop.epoch,
        this.#waitS,
        signal,
      );
      if (signal.aborted) return;
      if (reply.recovered === false) {
        this.#setOnline(loop, reply.online ?? []);
        this.emit({
          type: "joined",
          room,
          seq: reply.seq,
          epoch: reply.epoch,
          messages: reply.messages,
          updates: reply.updates ?? [],
          online: [...loop.online.values()],
          recovered: false,
        });
      } else {
        // Messages and updates share the room's `seq`: delivered in its order.
        const events: ServerEvent[] = [
          ...reply.messages.map((m) => ({ type: "message" as const, ...m })),
          ...(reply.updates ?? []),
        ];
        this.emit(...events.sort((a, b) => seqOf(a) - seqOf(b)));
        this.#presence(room, loop, reply.online);
      }
      seq = reply.seq;
      loop.epoch = reply.epoch;
    }
  }

  #setOnline(loop: RoomLoop, online: User[]): void {
    loop.online = new Map(online.map((u) => [u.id, u]));
  }

  /** Turns a fresh `online` list into a `presence` diff. */
  #presence(room: string, loop: RoomLoop, online: User[] | undefined): void {
    if (!online) return;
    const next = new Map(online.map((u) => [u.id, u]));
    const joins = online.filter((u) => loop.online.get(u.id)?.name !== u.name);
    const leaves = [...loop.online.values()].filter((u) => !next.has(u.id));
    loop.online = next;
    if (joins.length > 0 || leaves.length > 0) {
      this.emit({ type: "presence", room, joins, leaves });
    }
  }
}

function seqOf(event: ServerEvent): number {
  return "seq" in event ? event.seq : 0;
}

/** A transport factory for long polling + HTTP POST. */
export function longPollTransport(
  options: LongPollTransportOptions = {},
): TransportFactory {
  return (handlers) => new LongPollTransport(handlers, options);
}
