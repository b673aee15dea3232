/**
 * The engine seam: the one boundary between the chat core (rooms, presence,
 * transports) and the machinery that stores, orders and carries room events
 * between nodes. Three engines implement it:
 *
 * - **embedded** (`lib/engine/embedded.ts`, the default): a Deno KV file and
 *   a `BroadcastChannel` between the isolates of one process;
 * - **KV only** (`lib/engine/kv_only.ts`, the default on Deno Deploy): Deno
 *   KV alone, fan-out by `kv.watch` of room heads;
 * - **redis** (`lib/engine/redis/`): Redis streams, pub/sub and Lua, for any
 *   number of processes on any number of machines.
 *
 * What the core relies on, whatever the engine: `append` assigns each room's
 * next `seq` exactly once and is idempotent per (room, user, id) for 24 h;
 * reads are strongly consistent with acked appends; the feed may drop,
 * repeat or reorder events, and the core (`RoomChannel`) restores order and
 * refills gaps from `range`; an epoch changes when a room's history was lost.
 *
 * @module
 */
import type {
  ChatMessage,
  RoomEvent,
  RoomUpdate,
  User,
} from "../protocol/types.ts";
import type { Bus } from "../bus/bus.ts";
import type { Records } from "./records.ts";
import { ProtocolError } from "../protocol/errors.ts";

/**
 * What a client asks to store, validated (`lib/protocol/validate.ts`); the
 * log adds room, seq, id, user and ts. Updates are checked against their
 * target message when stored (see `fold.ts`).
 */
export type EventInput =
  /** `mentions`: the members the text mentions (set by the chat core). */
  | { type: "message"; text: string; replyTo?: number; mentions?: string[] }
  | { type: "edit"; target: number; text: string }
  /**
   * `moderator`: the room's moderator deletes someone else's message (set
   * by the chat core after checking the role, never from the network).
   */
  | { type: "delete"; target: number; moderator?: true }
  | { type: "reaction"; target: number; emoji: string; on: boolean };

/** The outcome of one append. */
export interface AppendResult {
  /** The stored event's `seq` (the earlier one, for a repeated id). */
  seq: number;
  /** `true` when the id was already stored: nothing new was written. */
  duplicate: boolean;
  /** The new event; absent for duplicates. */
  event?: RoomEvent;
}

/** A resume: what follows a cursor, split as `joined` carries it. */
export interface Resume {
  /** The messages, folded. */
  messages: ChatMessage[];
  /** The edits, deletions and reactions, in `seq` order. */
  updates: RoomUpdate[];
}

/** Appends one event; see {@linkcode EventLog.append}. */
export type Append = EventLog["append"];

/** A room's stored head. */
export interface RoomHead {
  /** The last assigned `seq` (0 before the first event). */
  seq: number;
  /** `ts` of the last event (0 before the first). */
  lastTs: number;
  /**
   * The room's epoch: an opaque string that changes only when the room's
   * stored history was lost and its `seq` restarted.
   */
  epoch: string;
}

/** A stored room, for the lobby. */
export interface StoredRoom {
  room: string;
  seq: number;
  lastTs: number;
}

/** A page of history: messages only, folded. */
export interface HistoryPage {
  /** Oldest first. */
  messages: ChatMessage[];
  /** Whether older retained messages exist. */
  hasMore: boolean;
}

/**
 * Durable, ordered, idempotent storage of room events. Reads return only
 * retained events (the latest `CHAT_HISTORY_LIMIT` of a room). Pages of
 * messages (`before`, `latest`, `resume`) are folded: each message with the
 * edits, deletion and reactions stored after it, read from what the append
 * of each update stored beside it (never by reading the room's history).
 */
export interface EventLog {
  /**
   * Stores an event as the room's next `seq`, or finds the one stored
   * earlier under the same (room, user, id). An update (or a reply) is
   * checked against its target, atomically with the append: a missing,
   * expired, deleted or non-message target is `not_found`; editing or
   * deleting another user's message is `forbidden` (a `ProtocolError`, and
   * nothing is stored). Resolves once it is durable; rejects with
   * {@linkcode EngineUnavailableError} when storage can't be reached (the
   * client retries the same id).
   */
  append(
    room: string,
    user: User,
    id: string,
    input: EventInput,
  ): Promise<AppendResult>;
  /** The room's head (a room with no events has an epoch too). */
  head(room: string): Promise<RoomHead>;
  /** Retained events with `after < seq ≤ upTo`, in order, as stored. */
  range(room: string, after: number, upTo: number): Promise<RoomEvent[]>;
  /**
   * The retained events with `after < seq ≤ upTo`: the messages folded, the
   * updates as they are.
   */
  resume(room: string, after: number, upTo: number): Promise<Resume>;
  /** The page of `limit` messages before `before` (or the latest), folded. */
  before(
    room: string,
    before: number | undefined,
    limit: number,
  ): Promise<HistoryPage>;
  /** The latest `limit` messages, folded, and the head they were read at. */
  latest(
    room: string,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; head: RoomHead }>;
  /** Every room with at least one stored event. */
  rooms(): Promise<StoredRoom[]>;
}

/**
 * Where an engine hands the events it carries to this node: the node's
 * `Hub`, which orders them per room. Calls may come in any order, repeated,
 * or not at all; the hub refills what is missing from the log.
 */
export interface FeedSink {
  /** Committed events of `room` under `epoch`, usually in `seq` order. */
  events(room: string, epoch: string, events: readonly RoomEvent[]): void;
  /** A doorbell: `room`'s events up to `seq` exist under `epoch`. */
  head(room: string, epoch: string, seq: number): void;
}

/** A node's subscriptions to rooms' live events. */
export interface RoomFeed {
  /**
   * Starts carrying `room`'s events to the sink; resolves once events
   * committed from now on will arrive (a subscription is confirmed).
   */
  open(room: string): Promise<void>;
  /** Stops carrying `room`'s events. */
  close(room: string): void;
}

/** Whether the engine can take work. */
export interface EngineHealth {
  ok: boolean;
  /** Why not, when not. */
  reason?: string;
}

/** One node's engine. */
export interface Engine {
  /** Room events: append and read. */
  readonly log: EventLog;
  /** The node bus: presence, typing and heartbeats between nodes. */
  readonly bus: Bus;
  /**
   * Records every node agrees on: accounts, rooms, roles, bans and revoked
   * sessions.
   */
  readonly records: Records;
  /**
   * Connects the live feed to this node's sink. Called once, before any
   * append: the engine also hands its own appends to the sink.
   */
  attach(sink: FeedSink): RoomFeed;
  /** The token signing secret, the same on every node. */
  secret(): Promise<Uint8Array<ArrayBuffer>>;
  /** Whether storage can be reached right now. */
  health(): Promise<EngineHealth>;
  /** Stops timers and closes connections. */
  close(): Promise<void>;
}

/**
 * Storage or the engine could not be reached; nothing was changed. Clients
 * get `unavailable` (HTTP 503) and retry with the same id.
 */
export class EngineUnavailableError extends ProtocolError {
  constructor(message: string, options?: { cause?: unknown; ref?: string }) {
    super("unavailable", message, { ref: options?.ref });
    this.name = "EngineUnavailableError";
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
