/**
 * The write path of message storage: appends from every room of this isolate
 * are queued and committed together, because one SQLite commit costs far more
 * than one more row in it. A commit rewrites, per room, the head record,
 * which keeps the room's latest few messages, and adds a segment row only
 * when they no longer fit (see `segments.ts`): one or two rows for any number
 * of messages, where one row per message (plus an idempotency row and a
 * retention delete) kept a busy room at ~3 000 messages a second.
 *
 * Correctness does not depend on batching. Each commit checks the head
 * record of every room it appends to against the versionstamp at which this
 * writer knows the room's tail (`room_tail.ts`). If another isolate or
 * instance moved a head, the commit fails as a whole and the writer reads
 * the tail again and retries: a `seq` is never taken twice, never skipped,
 * and a repeated id (from the same user within a day) finds its first `seq`.
 * Every {@linkcode ARCHIVE_EVERY} messages of a room, a commit also moves
 * their ids into per-user rows (`id_archive.ts`).
 *
 * Edits, deletions and reactions are events like messages (each takes the
 * next `seq`, the same idempotency); the commit that stores one also
 * rewrites its target's fold (`folds.ts`), after checking the update against
 * it (`lib/engine/fold.ts`): the same head check makes that check atomic.
 *
 * @module
 */
import type { RoomEvent, User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { AppendResult, EventInput } from "../engine/engine.ts";
import {
  applyUpdate,
  checkTarget,
  eventOf,
  type Fold,
  targetOf,
} from "../engine/fold.ts";
import { foldKey, type RoomHead, roomKey } from "./keys.ts";
import {
  ARCHIVE_EVERY,
  archiveBudget,
  archiveIds,
  type IdEntry,
} from "./id_archive.ts";
import { withBusyRetry } from "./busy_retry.ts";
import { holdFor, RoomHolds } from "./room_holds.ts";
import { type Clock, systemClock } from "../client/clock.ts";
import { RoomTail, RoomTails } from "./room_tail.ts";
import {
  placeMessages,
  RECENT_BUDGET_BYTES,
  segmentKeyOf,
  storedSize,
} from "./segments.ts";
import { trimSegments } from "./retention.ts";
import { readTarget, type TargetState } from "./folds.ts";

export type { AppendResult };

/** Called with each room's newly committed events, in `seq` order. */
export type CommitListener = (
  room: string,
  events: RoomEvent[],
  versionstamp: string,
) => void;

/**
 * Called when a commit to `rooms` keeps losing to other writers: they should
 * hold their commits to those rooms for `holdMs` (see `room_holds.ts`).
 */
export type ContentionListener = (rooms: string[], holdMs: number) => void;

/** Options of an {@linkcode AppendWriter}. */
export interface AppendWriterOptions {
  /** How many messages to keep per room. */
  retain: number;
  /** Called when deleting messages past retention failed (it is retried later). */
  onError?: (error: unknown) => void;
  /** The clock (ms) of message times and of the day ids are recognised for. */
  now?: () => number;
  /** The clock of holds asked for by other writers (`room_holds.ts`). */
  clock?: Clock;
  /**
   * How long an append waits for others to share its commit when the
   * writer is under load ({@linkcode GATHER_MS}; 0: never waits).
   */
  gatherMs?: number;
}

interface PendingAppend {
  room: string;
  user: User;
  id: string;
  input: EventInput;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

// Deno KV's limits per atomic operation: 100 checks, 1000 mutations,
// 800 KiB of keys and values. A room costs one check, its head and at least
// one segment; archived ids have a budget of their own (`archiveBudget`).
const MAX_ROOMS = 90;
const MAX_BATCH_BYTES = 512 * 1024;
/** After this many lost attempts (and every so many after), ask for a hold. */
const ASK_HOLD_EVERY = 2;
/** Give up on a batch that kept conflicting for this long. */
const COMMIT_DEADLINE_MS = 15_000;
/** Idempotency ids held across all rooms' tails (~100 bytes each). */
const MAX_TAIL_IDS = 200_000;
/** Expired segments are deleted each time a room's head passes a multiple of this. */
const TRIM_EVERY = 256;
/** Rooms whose tails, or users whose archived ids, are read at once. */
const TAIL_READS = 8;
/**
 * What an update may add to a commit besides itself: its target's fold,
 * rewritten whole (a long text, up to a thousand reactions' user ids).
 */
const FOLD_BUDGET_BYTES = 48 * 1024;

/**
 * Under load, an append that finds the writer idle waits this long for
 * others to share its commit: one commit (and one SQLite transaction on
 * its own thread) per message is what load costs most otherwise.
 */
export const GATHER_MS = 1;
/** "Under load": the writer's last commit ended less than this long ago. */
const LOADED_WITHIN_MS = 20;

/** What identifies a target message among a batch's rooms. */
function targetKey(room: string, seq: number): string {
  return room + "\u0000" + seq;
}

/** Batched, conflict-safe appends over one KV database. */
export class AppendWriter {
  readonly #kv: Deno.Kv;
  readonly #retain: number;
  readonly #onError: (error: unknown) => void;
  readonly #now: () => number;
  readonly #pending: PendingAppend[] = [];
  readonly #tails = new RoomTails(MAX_TAIL_IDS);
  readonly #listeners: CommitListener[] = [];
  readonly #contentionListeners: ContentionListener[] = [];
  readonly #holds: RoomHolds;
  readonly #clock: Clock;
  readonly #gatherMs: number;
  #busy = false;
  /** A gathering commit is waiting for its timer. */
  #gathering = false;
  /** When the last commit ended (clock ms). */
  #lastCommit = -Infinity;
  /** Commits that failed on a conflict and were retried (for metrics). */
  conflicts = 0;

  /**
   * @param kv the database
   * @param options retention and error reporting
   */
  constructor(kv: Deno.Kv, options: AppendWriterOptions) {
    this.#kv = kv;
    this.#retain = options.retain;
    this.#onError = options.onError ?? (() => {});
    this.#now = options.now ?? Date.now;
    this.#clock = options.clock ?? systemClock;
    this.#gatherMs = options.gatherMs ?? GATHER_MS;
    this.#holds = new RoomHolds(() => {
      if (!this.#busy) this.#drain();
    }, this.#clock);
  }

  /** Registers a listener for committed messages. */
  onCommit(listener: CommitListener): void {
    this.#listeners.push(listener);
  }

  /** Registers a listener for rooms this writer keeps losing races for. */
  onContention(listener: ContentionListener): void {
    this.#contentionListeners.push(listener);
  }

  /**
   * Holds this writer's next commits to `rooms` for `ms`, because another
   * writer asked (its commits kept losing to ours). Commits already under
   * way finish; appends to other rooms go on.
   */
  hold(rooms: readonly string[], ms: number): void {
    this.#holds.hold(rooms, ms);
  }

  /**
   * Queues an append; resolves once it is durable (or found stored), or
   * rejects with the `ProtocolError` of an update its target refuses.
   */
  append(
    room: string,
    user: User,
    id: string,
    input: EventInput,
  ): Promise<AppendResult> {
    const { promise, resolve, reject } = Promise.withResolvers<AppendResult>();
    this.#pending.push({ room, user, id, input, resolve, reject });
    if (this.#busy || this.#gathering) return promise;
    if (
      this.#gatherMs > 0 &&
      this.#clock.now() - this.#lastCommit < LOADED_WITHIN_MS
    ) {
      // Busy lately: appends are coming; let the next ones share a commit.
      this.#gathering = true;
      this.#clock.setTimeout(() => {
        this.#gathering = false;
        if (!this.#busy) this.#drain();
      }, this.#gatherMs);
    } else {
      this.#drain(); // a quiet room's message goes at once
    }
    return promise;
  }

  /**
   * Learns events another writer committed (over the bus), so the next
   * commit here need not fail once to discover them.
   */
  learnCommit(room: string, events: RoomEvent[], versionstamp: string) {
    this.#tails.extend(room, events, versionstamp, null);
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    try {
      for (;;) {
        const batch = this.#takeBatch();
        if (batch.length === 0) break;
        await this.#commit(batch);
        this.#lastCommit = this.#clock.now();
      }
      // What is left waits for its rooms' holds to end.
      this.#holds.wakeAfter(this.#pending.map((item) => item.room));
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Takes the pending appends, oldest first, that fit one atomic operation,
   * leaving those to held rooms queued in order.
   */
  #takeBatch(): PendingAppend[] {
    const rooms = new Set<string>();
    const held = new Set<string>();
    const batch: PendingAppend[] = [];
    const left: PendingAppend[] = [];
    let bytes = 0;
    let full = false;
    for (const item of this.#pending) {
      if (full || held.has(item.room)) {
        left.push(item);
        continue;
      }
      const newRoom = !rooms.has(item.room);
      if (newRoom && this.#holds.isHeld(item.room)) {
        held.add(item.room);
        left.push(item);
        continue;
      }
      // A new room also rewrites its head, with up to RECENT_BUDGET_BYTES.
      bytes += storedSize(item, item.input) +
        (newRoom ? RECENT_BUDGET_BYTES + 128 : 0) +
        (item.input.type === "message" ? 0 : FOLD_BUDGET_BYTES);
      if (
        batch.length > 0 &&
        ((newRoom && rooms.size >= MAX_ROOMS) || bytes > MAX_BATCH_BYTES)
      ) {
        // Later appends to the batch's rooms must not overtake this one.
        full = true;
        left.push(item);
        continue;
      }
      rooms.add(item.room);
      batch.push(item);
    }
    this.#pending.splice(0, this.#pending.length, ...left);
    return batch;
  }

  async #commit(batch: PendingAppend[]): Promise<void> {
    const started = performance.now();
    for (let attempt = 0;; attempt++) {
      const attemptStarted = performance.now();
      try {
        if (await this.#tryCommit(batch)) return;
      } catch (error) {
        for (const item of batch) {
          this.#tails.delete(item.room);
          item.reject(error);
        }
        return;
      }
      this.conflicts++;
      if ((attempt + 1) % ASK_HOLD_EVERY === 0) {
        const rooms = [...new Set(batch.map((item) => item.room))];
        const holdMs = holdFor(performance.now() - attemptStarted);
        for (const listener of this.#contentionListeners) {
          listener(rooms, holdMs);
        }
      }
      if (performance.now() - started > COMMIT_DEADLINE_MS) {
        const error = new Error(
          "Cannot store the message: storage stayed contended",
        );
        for (const item of batch) item.reject(error);
        return;
      }
      if (attempt >= 2) {
        await new Promise((resolve) =>
          setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt))
        );
      }
      // Someone else appended: learn what, then retry.
      const rooms = new Set(batch.map((item) => item.room));
      await Promise.all(
        [...rooms].map((room) => this.#tails.catchUp(this.#kv, room)),
      );
    }
  }

  /** One attempt; `false` when the commit lost a race and must be retried. */
  async #tryCommit(batch: PendingAppend[]): Promise<boolean> {
    const tails = await this.#tailsOf(batch);
    const targets = await this.#targetsOf(batch, tails);
    const atomic = this.#kv.atomic();
    const ts = this.#now();
    const results: Array<AppendResult | ProtocolError> = [];
    const byRoom = new Map<string, RoomEvent[]>();
    /** Folds this batch changes: room + seq → [room, seq, fold]. */
    const folds = new Map<string, [string, number, Fold]>();
    /** Ids of this batch: room + user + id → seq. */
    const inBatch = new Map<string, number>();
    /** Rooms where an update was refused. */
    const refusedIn = new Set<string>();
    /** Whether anything in the batch refers to a message (an update, a reply). */
    const refers = batch.some((item) => targetOf(item.input) !== undefined);
    for (const item of batch) {
      const tail = tails.get(item.room)!;
      const key = item.room + "\u0000" + item.user.id + "\u0000" + item.id;
      const earlier = inBatch.get(key) ?? tail.find(item.user.id, item.id);
      if (earlier !== undefined) {
        results.push({ seq: earlier, duplicate: true });
        continue;
      }
      const target = targetOf(item.input);
      const state = target === undefined
        ? undefined
        : targets.get(targetKey(item.room, target));
      try {
        checkTarget(
          item.input,
          item.user,
          state?.message,
          state?.fold,
          item.id,
        );
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        results.push(error);
        refusedIn.add(item.room);
        continue;
      }
      let events = byRoom.get(item.room);
      if (!events) byRoom.set(item.room, events = []);
      const seq = tail.seq + events.length + 1;
      inBatch.set(key, seq);
      const event = eventOf(item.room, seq, item.id, item.user, ts, item.input);
      events.push(event);
      if (event.type === undefined) {
        // A later update or reply of this batch may refer to it.
        if (refers) {
          targets.set(targetKey(item.room, seq), {
            message: event,
            fold: undefined,
          });
        }
      } else {
        state!.fold = applyUpdate(state!.fold, event);
        folds.set(targetKey(item.room, event.target), [
          item.room,
          event.target,
          state!.fold,
        ]);
      }
      results.push({ seq, duplicate: false, event });
    }
    if (byRoom.size === 0 && refusedIn.size === 0) {
      this.#settle(batch, results); // repeated ids only
      return true;
    }
    // A refusal was decided on this writer's view of the room: the commit
    // checks that view is current (a target another writer just stored is
    // not missing), even when nothing else is written.
    for (const room of refusedIn) {
      if (byRoom.has(room)) continue;
      atomic.check({
        key: roomKey(room),
        versionstamp: tails.get(room)!.versionstamp,
      });
    }
    const heads = new Map<string, RoomHead>();
    const budget = archiveBudget();
    for (const [room, events] of byRoom) {
      const tail = tails.get(room)!;
      atomic.check({ key: roomKey(room), versionstamp: tail.versionstamp });
      const placed = placeMessages(tail.recent!, events);
      for (const segment of placed.segments) {
        atomic.set(segmentKeyOf(room, segment), segment);
      }
      const head: RoomHead = {
        seq: events[events.length - 1].seq,
        lastTs: ts,
        recent: placed.recent,
        archived: tail.archived,
      };
      const unarchived = head.seq - tail.archived;
      if (unarchived >= ARCHIVE_EVERY) {
        const entries: IdEntry[] = tail.unarchivedIds();
        for (const { user, id, seq } of events) {
          entries.push({ userId: user.id, id, seq });
        }
        head.archived = archiveIds(atomic, room, entries, ts, budget) ??
          tail.archived;
      }
      heads.set(room, head);
      atomic.set(roomKey(room), head);
    }
    for (const [room, seq, fold] of folds.values()) {
      atomic.set(foldKey(room, seq), fold);
    }
    const outcome = await withBusyRetry(() => atomic.commit());
    if (!outcome.ok) return false;
    for (const [room, events] of byRoom) {
      const before = tails.get(room)!.seq;
      const { recent, archived } = heads.get(room)!;
      this.#tails.extend(
        room,
        events,
        outcome.versionstamp,
        recent,
        archived,
      );
      this.#trimIfDue(
        room,
        before,
        events[events.length - 1].seq,
        archived!,
      );
    }
    this.#settle(batch, results);
    for (const [room, events] of byRoom) {
      for (const listener of this.#listeners) {
        listener(room, events, outcome.versionstamp);
      }
    }
    return true;
  }

  /** Answers each append of a batch with its result or its error. */
  #settle(
    batch: PendingAppend[],
    results: Array<AppendResult | ProtocolError>,
  ): void {
    batch.forEach((item, i) => {
      const result = results[i];
      if (result instanceof ProtocolError) item.reject(result);
      else item.resolve(result);
    });
  }

  /**
   * The messages the batch's updates and replies refer to, with their
   * folds, as stored. Read after the tails: a commit checks the head
   * versionstamp its tail was read at, and every write of a fold rewrites
   * the head, so a commit that succeeds checked its updates against folds
   * nobody changed in between. A target past the head or out of retention
   * is left out (not found).
   */
  async #targetsOf(
    batch: PendingAppend[],
    tails: Map<string, RoomTail>,
  ): Promise<Map<string, TargetState>> {
    const wanted = new Map<string, [string, number]>();
    for (const { room, input } of batch) {
      const target = targetOf(input);
      const tail = tails.get(room)!;
      if (
        target !== undefined && target <= tail.seq &&
        target > tail.seq - this.#retain
      ) {
        wanted.set(targetKey(room, target), [room, target]);
      }
    }
    const targets = new Map<string, TargetState>();
    const reads = [...wanted].map(async ([key, [room, seq]]) => {
      targets.set(
        key,
        await readTarget(this.#kv, room, seq, tails.get(room)!.recent!),
      );
    });
    await Promise.all(reads);
    return targets;
  }

  /**
   * The tails of the batch's rooms, all with `recent` known and the archived
   * ids of the batch's users read. Reading awaits storage, and a commit
   * learned meanwhile makes a room's `recent` unknown again (or moves its
   * archive): read until all is known.
   */
  async #tailsOf(batch: PendingAppend[]): Promise<Map<string, RoomTail>> {
    for (;;) {
      const tails = await this.#readTails(batch);
      const known = [...tails.values()].every((tail) => tail.recent !== null);
      if (!known) continue;
      const unknown = new Map<string, [string, RoomTail, string]>();
      for (const { room, user } of batch) {
        const tail = tails.get(room)!;
        if (!tail.knows(user.id)) {
          unknown.set(room + "\u0000" + user.id, [room, tail, user.id]);
        }
      }
      if (unknown.size === 0) return tails;
      const users = [...unknown.values()];
      for (let i = 0; i < users.length; i += TAIL_READS) {
        await Promise.all(
          users.slice(i, i + TAIL_READS).map(([room, tail, userId]) =>
            this.#tails.loadUser(this.#kv, room, tail, userId, this.#now())
          ),
        );
      }
    }
  }

  /** The tails of the batch's rooms, reading those not held or not known. */
  async #readTails(batch: PendingAppend[]): Promise<Map<string, RoomTail>> {
    const tails = new Map<string, RoomTail>();
    const missing: string[] = [];
    for (const { room } of batch) {
      if (tails.has(room) || missing.includes(room)) continue;
      let tail = this.#tails.get(room);
      if (tail?.recent === null) {
        // Learned from another writer: read how it left the head.
        await this.#tails.catchUp(this.#kv, room);
        tail = this.#tails.get(room);
      }
      if (tail) tails.set(room, tail);
      else missing.push(room);
    }
    for (let i = 0; i < missing.length; i += TAIL_READS) {
      const chunk = missing.slice(i, i + TAIL_READS);
      const loaded = await Promise.all(
        chunk.map((room) => RoomTail.load(this.#kv, room)),
      );
      chunk.forEach((room, j) => {
        tails.set(room, loaded[j]);
        this.#tails.set(room, loaded[j]);
      });
    }
    return tails;
  }

  /**
   * Deletes, in the background, the segments that fell out of retention when
   * the head passed a multiple of {@linkcode TRIM_EVERY}; reads hide them
   * until then. Messages whose ids are not archived yet are kept: a
   * restarted writer reads their ids from them.
   */
  #trimIfDue(
    room: string,
    before: number,
    head: number,
    archived: number,
  ): void {
    if (head <= this.#retain) return;
    if (Math.floor(before / TRIM_EVERY) === Math.floor(head / TRIM_EVERY)) {
      return;
    }
    const keepFrom = Math.min(head - this.#retain, archived) + 1;
    trimSegments(this.#kv, room, keepFrom).catch(this.#onError);
  }
}
