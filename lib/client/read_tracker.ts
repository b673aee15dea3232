/**
 * Read positions and unread counts on the client: where the person has
 * read each room up to (kept on the server, so every tab and device
 * agrees), the `read` frames that move it, the `watch` list of the
 * sidebar's rooms whose exact counts the server pushes as `unread` frames,
 * and the page's visibility (a hidden page counts as away for Web Push).
 *
 * The position moves locally at once (the page's counts and title follow
 * without waiting), and the frame goes out at most once per room every
 * `debounceMs`, with the highest position reached: scrolling through a
 * busy room costs one frame a second, not one per message. A frame is
 * only sent for a position above what the server already has (what it
 * said in `joined`, `read` and `unread`, or what was sent).
 *
 * Like the other state machines it sends nothing itself: it is given
 * `send`, and told when the connection is up and down.
 *
 * @module
 */
import type {
  ChatMessage,
  ClientFrame,
  UnreadCounts,
} from "../protocol/types.ts";
import type { Clock, TimerId } from "./clock.ts";

/** Options of {@linkcode ReadTracker}. */
export interface ReadTrackerOptions {
  clock: Clock;
  /** Sends a frame; `false` when not connected (nothing sent). */
  send: (frame: ClientFrame) => boolean;
  /** A room's position or counts changed. */
  onChange: (room: string) => void;
  /** Least time between two `read` frames of one room (default 750 ms). */
  debounceMs?: number;
}

/** Unread messages and mentions of one room. */
export interface Unread {
  unread: number;
  mentions: number;
}

/**
 * What of `messages` is unread after `read`: other people's messages
 * (deleted ones excluded), and of them those that mention `meId`. The same
 * rule as the server's counts, for the room the page shows.
 *
 * @example
 * ```ts
 * import { countUnread } from "./read_tracker.ts";
 * const m = (seq: number, user: string, mentions?: string[]) => ({
 *   room: "r", seq, id: `${seq}`, user: { id: user, name: user }, text: "", ts: 0, mentions,
 * });
 * const counts = countUnread([m(1, "b"), m(2, "b", ["a"]), m(3, "a")], 1, "a");
 * console.assert(counts.unread === 1 && counts.mentions === 1);
 * ```
 */
export function countUnread(
  messages: readonly ChatMessage[],
  read: number,
  meId: string | undefined,
): Unread {
  let unread = 0;
  let mentions = 0;
  for (const m of messages) {
    if (m.seq <= read || m.deleted || m.user.id === meId) continue;
    unread++;
    if (meId !== undefined && m.mentions?.includes(meId)) mentions++;
  }
  return { unread, mentions };
}

/**
 * Read positions, watched rooms' counts and visibility for one connection.
 *
 * @example
 * ```ts
 * import { ReadTracker } from "./read_tracker.ts";
 * import { FakeClock } from "./fake_clock.ts";
 * const sent: unknown[] = [];
 * const clock = new FakeClock();
 * const reads = new ReadTracker({ clock, send: (f) => sent.push(f) > 0, onChange: () => {} });
 * reads.up();
 * reads.mark("general", 7);
 * clock.advance(1_000);
 * console.assert(JSON.stringify(sent) === '[{"type":"read","room":"general","seq":7}]');
 * ```
 */
export class ReadTracker {
  readonly #clock: Clock;
  readonly #send: (frame: ClientFrame) => boolean;
  readonly #onChange: (room: string) => void;
  readonly #debounceMs: number;
  /** The position the page shows: the server's, or ours when further. */
  readonly #positions = new Map<string, number>();
  /** The position the server has: heard from it, or sent to it. */
  readonly #server = new Map<string, number>();
  readonly #counts = new Map<string, UnreadCounts>();
  readonly #timers = new Map<string, TimerId>();
  #watched: string[] = [];
  #hidden = false;
  #up = false;

  constructor(options: ReadTrackerOptions) {
    this.#clock = options.clock;
    this.#send = options.send;
    this.#onChange = options.onChange;
    this.#debounceMs = options.debounceMs ?? 750;
  }

  /** The person's read position in `room` (0: none known). */
  position(room: string): number {
    return this.#positions.get(room) ?? 0;
  }

  /** The latest counts of a watched room, once the server sent them. */
  counts(room: string): UnreadCounts | undefined {
    return this.#counts.get(room);
  }

  /** The rooms watched. */
  get watched(): readonly string[] {
    return this.#watched;
  }

  /**
   * The server has the position at `seq` (`joined.read`, a `read` event, a
   * message the person sent): it moves there unless already further.
   */
  learn(room: string, seq: number): void {
    if (seq > (this.#server.get(room) ?? 0)) this.#server.set(room, seq);
    this.#moveTo(room, seq);
  }

  /** A watched room's counts from an `unread` event. */
  onUnread(room: string, counts: UnreadCounts): void {
    if (!this.#watched.includes(room)) return; // unwatched meanwhile
    const { seq, read, unread, mentions } = counts;
    this.#counts.set(room, { seq, read, unread, mentions });
    this.learn(room, read);
    this.#onChange(room);
  }

  /**
   * The person has seen `room` up to `seq`: the position moves at once,
   * and the server hears of it within `debounceMs`.
   */
  mark(room: string, seq: number): void {
    if (!this.#moveTo(room, seq)) return;
    this.#schedule(room);
  }

  /**
   * The sidebar's rooms (the open one left out by the caller): sent now
   * when it changed, and again after every reconnect.
   */
  watch(rooms: readonly string[]): void {
    const next = [...new Set(rooms)].sort();
    if (next.join() === this.#watched.join()) return;
    this.#watched = next;
    for (const room of this.#counts.keys()) {
      if (!next.includes(room)) this.#counts.delete(room);
    }
    if (this.#up) this.#send({ type: "watch", rooms: next });
  }

  /** The page was hidden or shown. */
  setHidden(hidden: boolean): void {
    if (hidden === this.#hidden) return;
    this.#hidden = hidden;
    if (this.#up) this.#send({ type: "visibility", hidden });
  }

  /**
   * Connected and greeted: the server knows nothing of this connection, so
   * it hears the watch list, a hidden page, and positions not sent yet.
   */
  up(): void {
    this.#up = true;
    if (this.#watched.length > 0) {
      this.#send({ type: "watch", rooms: [...this.#watched] });
    }
    if (this.#hidden) this.#send({ type: "visibility", hidden: true });
    for (const room of this.#positions.keys()) this.#schedule(room);
  }

  /** The connection is gone: frames wait for the next one. */
  down(): void {
    this.#up = false;
    for (const timer of this.#timers.values()) this.#clock.clearTimeout(timer);
    this.#timers.clear();
  }

  /** Moves the shown position forward; whether it moved. */
  #moveTo(room: string, seq: number): boolean {
    if (seq <= this.position(room)) return false;
    this.#positions.set(room, seq);
    this.#onChange(room);
    return true;
  }

  #schedule(room: string): void {
    if (!this.#up || this.#timers.has(room)) return;
    if (this.position(room) <= (this.#server.get(room) ?? 0)) return;
    this.#timers.set(
      room,
      this.#clock.setTimeout(() => {
        this.#timers.delete(room);
        const seq = this.position(room);
        if (seq <= (this.#server.get(room) ?? 0)) return;
        if (this.#send({ type: "read", room, seq })) {
          this.#server.set(room, seq);
        }
      }, this.#debounceMs),
    );
  }
}
