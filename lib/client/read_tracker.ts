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

/** Read positions, watched rooms' counts and visibility for one connection. */
export interface ReadTracker {
  /** The person's read position in `room` (0: none known). */
  position(room: string): number;
  /** The latest counts of a watched room, once the server sent them. */
  counts(room: string): UnreadCounts | undefined;
  /**
   * The server has the position at `seq` (`joined.read`, a `read` event, a
   * message the person sent): it moves there unless already further.
   */
  learn(room: string, seq: number): void;
  /** A watched room's counts from an `unread` event. */
  onUnread(room: string, counts: UnreadCounts): void;
  /**
   * The person has seen `room` up to `seq`: the position moves at once,
   * and the server hears of it within `debounceMs`.
   */
  mark(room: string, seq: number): void;
  /**
   * The sidebar's rooms (the open one left out by the caller): sent now
   * when the list changed, and again after every reconnect.
   */
  watch(rooms: readonly string[]): void;
  /** The page was hidden or shown. */
  setHidden(hidden: boolean): void;
  /**
   * Connected and greeted: the server knows nothing of this connection, so
   * it hears the watch list, a hidden page, and positions not sent yet.
   */
  up(): void;
  /** The connection is gone: frames wait for the next one. */
  down(): void;
}

/**
 * A {@linkcode ReadTracker}. A closure rather than a class: its state's
 * names minify, where `#private` fields' do not (the room page's 30 KB).
 *
 * @example
 * ```ts
 * import { readTracker } from "./read_tracker.ts";
 * import { FakeClock } from "./fake_clock.ts";
 * const sent: unknown[] = [];
 * const clock = new FakeClock();
 * const reads = readTracker({ clock, send: (f) => sent.push(f) > 0, onChange: () => {} });
 * reads.up();
 * reads.mark("general", 7);
 * clock.advance(1_000);
 * console.assert(JSON.stringify(sent) === '[{"type":"read","room":"general","seq":7}]');
 * ```
 */
export function readTracker(options: ReadTrackerOptions): ReadTracker {
  const { clock, send, onChange } = options;
  const debounceMs = options.debounceMs ?? 750;
  /** The position the page shows: the server's, or ours when further. */
  const positions = new Map<string, number>();
  /** The position the server has: heard from it, or sent to it. */
  const server = new Map<string, number>();
  const counts = new Map<string, UnreadCounts>();
  const timers = new Map<string, TimerId>();
  let watched: string[] = [];
  let hidden = false;
  let up = false;

  const position = (room: string) => positions.get(room) ?? 0;
  const atServer = (room: string) => server.get(room) ?? 0;
  /** Moves the shown position forward; whether it moved. */
  const moveTo = (room: string, seq: number): boolean => {
    if (seq <= position(room)) return false;
    positions.set(room, seq);
    onChange(room);
    return true;
  };
  const learn = (room: string, seq: number) => {
    if (seq > atServer(room)) server.set(room, seq);
    moveTo(room, seq);
  };
  const schedule = (room: string) => {
    if (!up || timers.has(room) || position(room) <= atServer(room)) return;
    timers.set(
      room,
      clock.setTimeout(() => {
        timers.delete(room);
        const seq = position(room);
        if (seq > atServer(room) && send({ type: "read", room, seq })) {
          server.set(room, seq);
        }
      }, debounceMs),
    );
  };

  return {
    position,
    counts: (room) => counts.get(room),
    learn,
    onUnread(room, { seq, read, unread, mentions }) {
      if (!watched.includes(room)) return; // unwatched meanwhile
      counts.set(room, { seq, read, unread, mentions });
      learn(room, read);
      onChange(room);
    },
    mark(room, seq) {
      if (moveTo(room, seq)) schedule(room);
    },
    watch(rooms) {
      const next = [...new Set(rooms)].sort();
      if (next.join() === watched.join()) return;
      watched = next;
      for (const room of counts.keys()) {
        if (!next.includes(room)) counts.delete(room);
      }
      if (up) send({ type: "watch", rooms: next });
    },
    setHidden(value) {
      if (value === hidden) return;
      hidden = value;
      if (up) send({ type: "visibility", hidden });
    },
    up() {
      up = true;
      if (watched.length > 0) send({ type: "watch", rooms: [...watched] });
      if (hidden) send({ type: "visibility", hidden: true });
      for (const room of positions.keys()) schedule(room);
    },
    down() {
      up = false;
      for (const timer of timers.values()) clock.clearTimeout(timer);
      timers.clear();
    },
  };
}
