/**
 * Per-room sync: the cursor (the last `seq` applied, in one epoch), the
 * join or resume that moves it, gap checks on live events, and the room's
 * folded messages as they stand after every message, edit, deletion and
 * reaction applied. One instance per joined room, fed by the client; it
 * sends nothing itself, it says what to send.
 *
 * Every stored event of a room takes the next `seq`, so a live event is new
 * exactly when its `seq` is the cursor + 1; one further ahead is a gap, and
 * the room is joined again with `since` = the cursor, whose reply carries
 * what was missed (messages and updates) in order.
 *
 * @module
 */
import type {
  ChatMessage,
  ClientFrame,
  RoomUpdate,
  ServerEvent,
  User,
} from "../protocol/types.ts";
import { applyUpdate } from "./fold.ts";
import { mergeMessages } from "./timeline.ts";

/** Where a room's subscription stands. */
export type SyncPhase =
  /** No connection, or not joined on it yet. */
  | "waiting"
  /** `join` sent: live events wait for its reply. */
  | "joining"
  /** Joined: live events apply in `seq` order. */
  | "live";

/** A `joined` event as it reaches the room. */
export type JoinedEvent = Extract<ServerEvent, { type: "joined" }>;

/** A live room event: a message or an update. */
export type LiveEvent =
  | Extract<ServerEvent, { type: "message" }>
  | RoomUpdate;

/** What a live event did. */
export type LiveResult =
  /** Applied: the cursor moved. */
  | "applied"
  /** Already applied (or older): ignored. */
  | "duplicate"
  /** A `join` is in flight: its reply brings it. */
  | "held"
  /** Events are missing before it: send {@linkcode RoomSync.joinFrame} now. */
  | "gap";

/** What the room page showed when it was rendered. */
export interface RoomSeed {
  /** The last `seq` the page accounts for (0: none). */
  cursor: number;
  /** The epoch `cursor` counts in. */
  epoch?: string;
  /** The messages it shows, ascending. */
  messages?: readonly ChatMessage[];
  /** Whether older messages exist before them. */
  hasMore?: boolean;
  online?: readonly User[];
}

/** A message as the `message` event carries it, without the event's type. */
export function messageOf(
  event: Extract<ServerEvent, { type: "message" }>,
): ChatMessage {
  const { type: _, ...message } = event;
  return message;
}

/**
 * One room's sync state machine.
 *
 * @example
 * ```ts
 * import { RoomSync } from "./room_sync.ts";
 * const sync = new RoomSync("general", { cursor: 7, epoch: "e1" });
 * console.assert(sync.joinFrame().since === 7);
 * ```
 */
export class RoomSync {
  readonly room: string;
  #phase: SyncPhase = "waiting";
  #cursor: number;
  #epoch: string | undefined;
  #messages: readonly ChatMessage[];
  #hasMore: boolean;
  #online: Map<string, User>;
  #onlineStale = true;

  constructor(room: string, seed: RoomSeed = { cursor: 0 }) {
    this.room = room;
    this.#cursor = seed.cursor;
    this.#epoch = seed.epoch;
    this.#messages = seed.messages ?? [];
    this.#hasMore = seed.hasMore ?? false;
    this.#online = new Map((seed.online ?? []).map((u) => [u.id, u]));
  }

  get phase(): SyncPhase {
    return this.#phase;
  }

  /** The last `seq` applied. */
  get cursor(): number {
    return this.#cursor;
  }

  /** The epoch the cursor counts in, once known. */
  get epoch(): string | undefined {
    return this.#epoch;
  }

  /** The folded messages, ascending by `seq` (a new array on every change). */
  get messages(): readonly ChatMessage[] {
    return this.#messages;
  }

  /** Whether older messages exist before {@linkcode messages}. */
  get hasMore(): boolean {
    return this.#hasMore;
  }

  /** Who is online, as last reported. */
  get online(): User[] {
    return [...this.#online.values()];
  }

  /** Whether {@linkcode online} may be out of date (not joined right now). */
  get onlineStale(): boolean {
    return this.#onlineStale;
  }

  /**
   * The `join` to send (after `welcome`, or at a gap): from the cursor, in
   * its epoch. Live events are held until the reply.
   */
  joinFrame(): Extract<ClientFrame, { type: "join" }> {
    this.#phase = "joining";
    const frame: Extract<ClientFrame, { type: "join" }> = {
      type: "join",
      room: this.room,
    };
    if (this.#cursor > 0) {
      frame.since = this.#cursor;
      if (this.#epoch !== undefined) frame.epoch = this.#epoch;
    }
    return frame;
  }

  /** The connection is gone: the next one joins again. */
  down(): void {
    this.#phase = "waiting";
    this.#onlineStale = true;
  }

  /**
   * Applies a `joined` reply: the missed messages and updates after the
   * cursor (or, when the server could not resume, its latest page instead
   * of ours). Returns the messages that are new to the page.
   */
  onJoined(event: JoinedEvent): ChatMessage[] {
    this.#phase = "live";
    this.#epoch = event.epoch;
    this.#online = new Map(event.online.map((u) => [u.id, u]));
    this.#onlineStale = false;
    const updates = event.updates ?? [];
    let fresh: ChatMessage[];
    if (event.recovered) {
      fresh = event.messages.filter((m) => m.seq > this.#cursor);
      this.#messages = mergeMessages(this.#messages, fresh);
      const seqs = [...fresh, ...updates].map((e) => e.seq);
      // A reply too long for one frame ends before the head; the rest comes
      // as live events. A reply with nothing new moves to the head.
      this.#cursor = seqs.length > 0
        ? Math.max(this.#cursor, ...seqs)
        : Math.max(this.#cursor, event.seq);
    } else {
      fresh = event.messages;
      this.#messages = event.messages;
      this.#hasMore = true;
      this.#cursor = event.seq;
    }
    // Every update, even one the messages already show: applying is idempotent.
    for (const update of updates) {
      this.#messages = applyUpdate(this.#messages, update);
    }
    return fresh;
  }

  /** A live message or update. */
  onLive(event: LiveEvent): LiveResult {
    if (this.#phase !== "live") return "held";
    if (event.seq <= this.#cursor) return "duplicate";
    if (event.seq > this.#cursor + 1) {
      this.#phase = "joining";
      return "gap";
    }
    this.#cursor = event.seq;
    if (event.type === "message") {
      this.#messages = mergeMessages(this.#messages, [messageOf(event)]);
    } else {
      this.#messages = applyUpdate(this.#messages, event);
    }
    return "applied";
  }

  /** Joins and leaves reported while joined. */
  onPresence(joins: readonly User[], leaves: readonly User[]): void {
    for (const u of leaves) this.#online.delete(u.id);
    for (const u of joins) this.#online.set(u.id, u);
  }

  /** An older page (from `history`): prepended, merged by `seq`. */
  addOlder(messages: readonly ChatMessage[], hasMore: boolean): void {
    this.#messages = mergeMessages(this.#messages, messages);
    this.#hasMore = hasMore;
  }
}
