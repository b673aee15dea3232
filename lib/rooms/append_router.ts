/**
 * One writer per process: under `deno serve --parallel` every isolate opens
 * the same SQLite file, and two isolates appending to one room make each
 * other's commits fail (the head check) and wait on SQLite's write lock. So
 * isolates forward appends over the bus to one writer (the lowest isolate id
 * alive, {@linkcode Membership.writer}), which commits them with its own and
 * answers with the `seq`s.
 *
 * Forwarding is only ever an optimisation. Appends are idempotent per (room,
 * user, id), so an append whose request or answer the bus dropped, or whose
 * writer died, is simply appended here after a timeout: storage's head check
 * keeps `seq`s right whoever writes. The writer's copy of the committed
 * message (`msgs`, for this isolate's subscribers) answers too, after
 * {@linkcode STORED_GRACE_MS}, so a dropped answer costs that grace, not the
 * timeout. Only the answer tells whether this request stored the message or
 * found it stored by another (the writer's own send of the same id, another
 * isolate's); the copy comes first (the writer posts it with its commit,
 * the answer a few microtasks later), so answering from it at once called a
 * duplicate "stored" (`201` twice for one id).
 *
 * @module
 */
import type { RoomEvent, User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { Bus } from "../bus/bus.ts";
import type { ForwardedAppend, ForwardedResult } from "../bus/messages.ts";
import type { Membership } from "../bus/membership.ts";
import type { Append, AppendResult, EventInput } from "../engine/engine.ts";

/** Options of an {@linkcode AppendRouter}. */
export interface AppendRouterOptions {
  bus: Bus;
  membership: Membership;
  /** This isolate's own storage writer. */
  append: Append;
  /**
   * Whether to forward at all. Off on Deno Deploy, whose instances share a
   * bus across regions: a writer far away would cost a round trip.
   */
  forward: boolean;
  /** How long to wait for the writer before appending here. */
  timeoutMs: number;
}

/**
 * How long the writer's copy of a message waits for the writer's answer
 * before it answers a forwarded append as stored: the answer follows the copy
 * on the bus, so it only misses this when it was dropped.
 */
export const STORED_GRACE_MS = 50;

interface Waiting {
  append: ForwardedAppend;
  sentAt: number;
  /** The writer's copy of the message was seen (its answer is due). */
  seen: boolean;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** Routes this isolate's appends to the process's writer. */
export class AppendRouter {
  readonly #bus: Bus;
  readonly #membership: Membership;
  readonly #append: Append;
  readonly #forward: boolean;
  readonly #timeoutMs: number;
  /** Forwarded appends awaiting an answer, oldest first. */
  readonly #waiting = new Map<number, Waiting>();
  /** The same, by room + user id + client id (what a stored message names). */
  readonly #waitingByKey = new Map<string, number>();
  /** Requests of this task, posted together: writer → appends. */
  readonly #outbox = new Map<string, ForwardedAppend[]>();
  /** Answers of this task, posted together: requesting isolate → results. */
  readonly #answers = new Map<string, ForwardedResult[]>();
  /** The writer's copies awaiting their grace, oldest first: one timer for all. */
  readonly #copies: Array<{ req: number; due: number; event: RoomEvent }> = [];
  #copyTimer: ReturnType<typeof setTimeout> | undefined;
  #flushScheduled = false;
  #closed = false;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #req = 0;
  /** Appends sent to another isolate's writer. */
  forwarded = 0;
  /** Forwarded appends that timed out and were appended here. */
  fellBack = 0;

  constructor(options: AppendRouterOptions) {
    this.#bus = options.bus;
    this.#membership = options.membership;
    this.#append = options.append;
    this.#forward = options.forward;
    this.#timeoutMs = options.timeoutMs;
    const node = options.membership.node;
    this.#bus.on("append", ({ node: from, to, appends }) => {
      if (to === node) {
        for (const append of appends) this.#serve(from, append);
      }
    });
    this.#bus.on("appended", ({ to, results }) => {
      if (to === node) { for (const result of results) this.#answered(result); }
    });
    this.#bus.on("msgs", ({ rooms }) => {
      if (this.#waiting.size === 0) return;
      for (const [, messages] of rooms) this.#stored(messages);
    });
  }

  /** Appends through the writer; resolves once the event is durable. */
  append(
    room: string,
    user: User,
    id: string,
    input: EventInput,
  ): Promise<AppendResult> {
    const writer = this.#forward && !this.#closed
      ? this.#membership.writer()
      : this.#membership.node;
    if (writer === this.#membership.node) {
      return this.#append(room, user, id, input);
    }
    const req = ++this.#req;
    const append: ForwardedAppend = { req, room, user, id, input };
    const { promise, resolve, reject } = Promise.withResolvers<AppendResult>();
    this.#waiting.set(req, {
      append,
      sentAt: Date.now(),
      seen: false,
      resolve,
      reject,
    });
    this.#waitingByKey.set(keyOf(room, user.id, id), req);
    let outbox = this.#outbox.get(writer);
    if (!outbox) this.#outbox.set(writer, outbox = []);
    outbox.push(append);
    this.forwarded++;
    this.#scheduleFlush();
    this.#sweep ??= setInterval(() => this.#expire(), this.#timeoutMs / 2);
    return promise;
  }

  /**
   * Stops forwarding: whatever is still waiting, and every later append, is
   * appended here.
   */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    clearTimeout(this.#copyTimer);
    this.#copies.length = 0;
    for (const req of [...this.#waiting.keys()]) this.#fallBack(req);
  }

  /** Appends a peer's forwarded message and queues the answer. */
  #serve(from: string, append: ForwardedAppend): void {
    const answer = (result: ForwardedResult) => {
      let answers = this.#answers.get(from);
      if (!answers) this.#answers.set(from, answers = []);
      answers.push(result);
      this.#scheduleFlush();
    };
    this.#append(append.room, append.user, append.id, append.input).then(
      ({ seq, duplicate, event }) =>
        answer({ req: append.req, seq, duplicate, event }),
      (error: unknown) => {
        const failed: ForwardedResult = {
          req: append.req,
          error: error instanceof Error ? error.message : String(error),
        };
        // The protocol's refusals (forbidden, not_found) keep their code.
        if (error instanceof ProtocolError) failed.code = error.code;
        answer(failed);
      },
    );
  }

  /**
   * Answers forwarded appends from the writer's copy of what it stored,
   * unless the writer's answer comes within {@linkcode STORED_GRACE_MS}.
   */
  #stored(events: RoomEvent[]): void {
    const due = Date.now() + STORED_GRACE_MS;
    for (const event of events) {
      const req = this.#waitingByKey.get(
        keyOf(event.room, event.user.id, event.id),
      );
      const waiting = req === undefined ? undefined : this.#waiting.get(req);
      if (req === undefined || !waiting || waiting.seen) continue;
      waiting.seen = true;
      this.#copies.push({ req, due, event });
    }
    this.#armCopies();
  }

  /** Answers the copies whose grace is over (the answer did not come). */
  #armCopies(): void {
    if (this.#copyTimer !== undefined || this.#copies.length === 0) return;
    this.#copyTimer = setTimeout(() => {
      this.#copyTimer = undefined;
      const now = Date.now();
      let over = 0;
      while (over < this.#copies.length && this.#copies[over].due <= now) {
        const { req, event } = this.#copies[over++];
        this.#answered({ req, seq: event.seq, duplicate: false, event });
      }
      this.#copies.splice(0, over);
      this.#armCopies();
    }, Math.max(0, this.#copies[0].due - Date.now()));
  }

  #answered(result: ForwardedResult): void {
    const waiting = this.#take(result.req);
    if (!waiting) return; // already answered, or fell back after a timeout
    if ("error" in result) {
      waiting.reject(
        result.code === undefined
          ? new Error(result.error)
          : new ProtocolError(result.code, result.error, {
            ref: waiting.append.id,
          }),
      );
    } else {
      waiting.resolve({
        seq: result.seq,
        duplicate: result.duplicate,
        event: result.event,
      });
    }
    if (this.#waiting.size === 0) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  /** Removes a forwarded append from those waiting, and returns it. */
  #take(req: number): Waiting | undefined {
    const waiting = this.#waiting.get(req);
    if (!waiting) return undefined;
    this.#waiting.delete(req);
    const { room, user, id } = waiting.append;
    const key = keyOf(room, user.id, id);
    // Another request of the same id may have taken the key since.
    if (this.#waitingByKey.get(key) === req) this.#waitingByKey.delete(key);
    return waiting;
  }

  /** Posts the requests and answers of this task, one bus message per peer. */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      const node = this.#membership.node;
      for (const [to, appends] of this.#outbox) {
        this.#bus.post({ k: "append", node, to, appends });
      }
      this.#outbox.clear();
      for (const [to, results] of this.#answers) {
        this.#bus.post({ k: "appended", to, results });
      }
      this.#answers.clear();
    });
  }

  /** Appends here what the writer did not answer in time. */
  #expire(): void {
    const deadline = Date.now() - this.#timeoutMs;
    for (const [req, waiting] of this.#waiting) {
      // Oldest first: stop at the first one still in time.
      if (waiting.sentAt > deadline) break;
      this.#fallBack(req);
    }
    if (this.#waiting.size === 0) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  #fallBack(req: number): void {
    const waiting = this.#take(req);
    if (!waiting) return;
    this.fellBack++;
    const { room, user, id, input } = waiting.append;
    this.#append(room, user, id, input).then(waiting.resolve, waiting.reject);
  }
}

/** What identifies an append among those waiting (as stored messages name it). */
function keyOf(room: string, userId: string, id: string): string {
  return room + "\u0000" + userId + "\u0000" + id;
}
