/**
 * The room page's read state, kept out of the island: where the "New
 * messages" divider goes, opening the page there, telling the client when
 * the newest messages are actually seen (the page visible and the log
 * scrolled to the bottom), watching the sidebar's other rooms, their
 * badges, and the unread count in the page title.
 *
 * The title counts like Slack's: every unread message of the person's
 * rooms, this one's included while it is not seen (the tab hidden or the
 * log scrolled up), as `(N) #room · Comet Chat`.
 *
 * @module
 */
import type { RefObject } from "preact";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import type { ChatClient } from "../client/client.ts";
import { countUnread } from "../client/read_tracker.ts";
import type { ChatMessage } from "../protocol/types.ts";
import type { UnreadCount } from "./unread_badge.tsx";

/** A room of the sidebar as the server lists it (one the person is in). */
export interface SidebarEntry extends Partial<UnreadCount> {
  room: string;
  /** A direct message's other person. */
  label?: string;
}

/** Within this many pixels of the bottom counts as "at the bottom". */
const BOTTOM_SLACK_PX = 48;

/**
 * Whether the log is scrolled to its newest messages. The log scroller is
 * `flex-direction: column-reverse`: `scrollTop` is 0 at the bottom and
 * negative above it.
 */
export function isAtBottom(el: HTMLElement): boolean {
  return el.scrollTop > -BOTTOM_SLACK_PX;
}

/**
 * The `seq` of the first message the person has not read: someone else's,
 * not deleted, after `read`; `null` when there is none.
 */
export function firstUnread(
  messages: readonly ChatMessage[],
  read: number,
  meId: string | undefined,
): number | null {
  return messages.find((m) => m.seq > read && !m.deleted && m.user.id !== meId)
    ?.seq ?? null;
}

/**
 * The page title with the unread count in front when there is one.
 *
 * @example
 * ```ts
 * import { titleWithCount } from "./use_unread.ts";
 * console.assert(titleWithCount("#general · Comet Chat", 3) === "(3) #general · Comet Chat");
 * ```
 */
export function titleWithCount(title: string, unread: number): string {
  return unread > 0 ? `(${unread}) ${title}` : title;
}

/** What {@linkcode useUnread} works from. */
export interface UnreadOptions {
  client: ChatClient | null;
  room: string;
  /** The log scroller. */
  scroller: RefObject<HTMLElement>;
  /** The room's messages shown. */
  messages: readonly ChatMessage[];
  meId: string | undefined;
  /**
   * The read position the page was rendered with (the head when the person
   * is not in the room: nothing rendered is new to them).
   */
  read: number;
  /** The page title without a count. */
  title: string;
  /** The rooms this browser visited, and their labels. */
  visited: readonly string[];
  visitedLabels: Readonly<Record<string, string>>;
  /** The person's rooms as the server rendered them, with their counts then. */
  server: readonly SidebarEntry[];
}

/** What the sidebar shows. */
export interface SidebarState {
  /** The other rooms, sorted. */
  rooms: string[];
  labels: Record<string, string>;
  counts: Record<string, UnreadCount>;
}

/** The room page's read state (see the module doc); the sidebar's rooms. */
export function useUnread(options: UnreadOptions): SidebarState {
  const { client, room, scroller, server } = options;
  const rooms = [...new Set([...server.map((e) => e.room), ...options.visited])]
    .filter((r) => r !== room).sort();
  const labels: Record<string, string> = { ...options.visitedLabels };
  const counts: Record<string, UnreadCount> = {};
  for (const e of server) {
    if (e.label) labels[e.room] = e.label;
    counts[e.room] = { unread: e.unread ?? 0, mentions: e.mentions ?? 0 };
  }
  let total = 0;
  for (const r of rooms) {
    const fresh = client?.reads.counts(r);
    if (fresh) counts[r] = fresh;
    total += counts[r]?.unread ?? 0;
  }
  const read = Math.max(client?.reads.position(room) ?? 0, options.read);
  total += countUnread(options.messages, read, options.meId).unread;

  // Opens at the divider when the unread messages go above the screen
  // (before anything marks them seen).
  useLayoutEffect(() => {
    const el = scroller.current;
    const divider = el?.querySelector(".sep--unseen");
    if (
      el && divider &&
      divider.getBoundingClientRect().top < el.getBoundingClientRect().top
    ) {
      divider.scrollIntoView({ block: "start" });
    }
  }, []);

  const key = rooms.join();
  useEffect(() => client?.reads.watch(rooms.slice(0, 100)), [client, key]);

  const seen = useRef(() => {});
  seen.current = () => {
    const el = scroller.current;
    if (client && el && isAtBottom(el) && !document.hidden) {
      client.markSeen(room);
    }
  };
  // New messages shown at the bottom are seen as they come.
  useEffect(() => seen.current());
  useEffect(() => {
    const el = scroller.current;
    const check = () => seen.current();
    el?.addEventListener("scroll", check, { passive: true });
    document.addEventListener("visibilitychange", check);
    return () => {
      el?.removeEventListener("scroll", check);
      document.removeEventListener("visibilitychange", check);
    };
  }, []);

  useEffect(() => {
    document.title = titleWithCount(options.title, total);
  }, [options.title, total]);

  return { rooms, labels, counts };
}
