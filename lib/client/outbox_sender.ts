/**
 * Sending the outbox: each entry (a message, or an edit, deletion or
 * reaction) goes out once its room is joined, waits
 * for its ack (or its own message coming back), and after an error follows
 * the error code's rule from `lib/protocol/close_codes.ts`: `unavailable`
 * is sent again with the same id after a backoff, `rate_limited` after the
 * wait the server asked for, `not_joined` after joining again, anything
 * else fails and waits for the person (retry or discard). The server
 * stores a repeated id once, so sending again never doubles a message.
 *
 * @module
 */
import { errorRule, LATER_MS } from "../protocol/close_codes.ts";
import type { ClientFrame, ServerEvent } from "../protocol/types.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import type { Clock, TimerId } from "./clock.ts";
import type { Outbox, OutboxEntry } from "./outbox.ts";

/** Options of {@linkcode OutboxSender}. */
export interface OutboxSenderOptions {
  outbox: Outbox;
  clock: Clock;
  /** Puts a frame on the connection; `false` when there is none. */
  send(frame: ClientFrame): boolean;
  /** Whether `room` is joined on the current connection. */
  joined(room: string): boolean;
  /** The server lost our subscription to `room`: join it again. */
  rejoin(room: string): void;
  /** `room`'s entries changed. */
  onChange(room: string): void;
  /** A sent entry without an ack after this long fails (default 10 s). */
  ackTimeoutMs?: number;
  /** Delays between automatic resends after `unavailable`. */
  backoff?: BackoffOptions;
}

/** The frame that carries an entry: a `send`, or the change it holds. */
export function frameOf(entry: OutboxEntry): ClientFrame {
  const { room, id, text, change } = entry;
  switch (change?.type) {
    case undefined: {
      const frame: ClientFrame = { type: "send", room, id, text };
      if (entry.replyTo !== undefined) frame.replyTo = entry.replyTo;
      return frame;
    }
    case "edit":
      return { type: "edit", room, id, target: change.target, text };
    case "delete":
      return { type: "delete", room, id, target: change.target };
    case "react":
      return {
        type: "react",
        room,
        id,
        target: change.target,
        emoji: change.emoji,
        on: change.on,
      };
  }
}

/** The failure code of an entry whose ack never came. */
export const ACK_TIMEOUT = "timeout";

/** Drives the outbox's entries over the connection. */
export class OutboxSender {
  readonly #options: OutboxSenderOptions;
  /** The one timer of each entry: its ack timeout or its resend. */
  readonly #timers = new Map<string, TimerId>();
  /** Resend delays of entries the server found `unavailable`. */
  readonly #backoffs = new Map<string, Backoff>();

  constructor(options: OutboxSenderOptions) {
    this.#options = options;
  }

  /**
   * Sends every sendable entry of `room` (every room when omitted): queued
   * ones, and those that failed only for want of an ack.
   */
  flush(room?: string): void {
    const { outbox } = this.#options;
    for (const entry of outbox.list(room)) {
      if (entry.state === "failed" && entry.code === ACK_TIMEOUT) {
        if (!this.#options.joined(entry.room)) continue;
        outbox.setState(entry.id, "queued");
      }
      this.#trySend(entry.id);
    }
  }

  /** Sends a failed entry again, with its original id. */
  retry(id: string): void {
    const entry = this.#options.outbox.get(id);
    if (!entry) return;
    this.#forget(id);
    this.#options.outbox.setState(id, "queued");
    this.#trySend(id);
    this.#options.onChange(entry.room);
  }

  /** Drops an entry without sending it. */
  discard(id: string): void {
    const entry = this.#options.outbox.get(id);
    if (!entry) return;
    this.#forget(id);
    this.#options.outbox.remove(id);
    this.#options.onChange(entry.room);
  }

  /**
   * The server stored `id` (an ack, or its message seen): the entry leaves
   * the outbox. Returns it, or `undefined` when it was not there.
   */
  settle(id: string): OutboxEntry | undefined {
    const entry = this.#options.outbox.get(id);
    if (!entry) return undefined;
    this.#forget(id);
    this.#options.outbox.remove(id);
    this.#options.onChange(entry.room);
    return entry;
  }

  /**
   * An `error` event: `true` when it referred to an entry (and was handled
   * by its code's rule).
   */
  onError(event: Extract<ServerEvent, { type: "error" }>): boolean {
    const { outbox, clock } = this.#options;
    const entry = event.ref ? outbox.get(event.ref) : undefined;
    if (!entry) return false;
    this.#forget(entry.id, false);
    const rule = errorRule(event.code);
    if (rule === "later" || rule === "backoff") {
      let backoff = this.#backoffs.get(entry.id);
      if (!backoff) {
        backoff = new Backoff(this.#options.backoff);
        this.#backoffs.set(entry.id, backoff);
      }
      const wait = rule === "later"
        ? Math.max(250, event.retryAfterMs ?? LATER_MS)
        : backoff.next();
      outbox.setState(entry.id, "queued");
      this.#timers.set(
        entry.id,
        clock.setTimeout(() => {
          this.#timers.delete(entry.id);
          this.#trySend(entry.id);
        }, wait),
      );
    } else if (rule === "rejoin") {
      outbox.setState(entry.id, "queued"); // sent after the join
      this.#options.rejoin(entry.room);
    } else {
      this.#backoffs.delete(entry.id);
      outbox.setState(entry.id, "failed", event.message, event.code);
    }
    this.#options.onChange(entry.room);
    return true;
  }

  /** The connection is gone: entries on their way wait for the next one. */
  down(): void {
    const { outbox } = this.#options;
    for (const id of [...this.#timers.keys()]) this.#forget(id, false);
    const touched = new Set<string>();
    for (const entry of outbox.list()) {
      if (entry.state === "sending") {
        outbox.setState(entry.id, "queued");
        touched.add(entry.room);
      }
    }
    for (const room of touched) this.#options.onChange(room);
  }

  #trySend(id: string): void {
    const { outbox, clock } = this.#options;
    const entry = outbox.get(id);
    if (entry?.state !== "queued" || this.#timers.has(id)) return;
    if (!this.#options.joined(entry.room)) return;
    const sent = this.#options.send(frameOf(entry));
    if (!sent) return;
    outbox.setState(id, "sending");
    this.#timers.set(
      id,
      clock.setTimeout(() => {
        this.#timers.delete(id);
        if (outbox.get(id)?.state !== "sending") return;
        outbox.setState(
          id,
          "failed",
          "No confirmation from the server",
          ACK_TIMEOUT,
        );
        this.#options.onChange(entry.room);
      }, this.#options.ackTimeoutMs ?? 10_000),
    );
    this.#options.onChange(entry.room);
  }

  /** Clears an entry's timer, and its resend backoff unless told not to. */
  #forget(id: string, dropBackoff = true): void {
    this.#options.clock.clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    if (dropBackoff) this.#backoffs.delete(id);
  }
}
