/**
 * A room's unread messages and mentions as badges (the sidebar, the lobby):
 * the count of unread messages, and apart from it, in the accent colour,
 * "@" and the mentions, which matter more. The numbers are hidden from
 * assistive technology, which reads one phrase instead ("3 unread, 1
 * mention") as part of the link's name.
 *
 * @module
 */
import type { JSX } from "preact";

/** A room's counts. */
export interface UnreadCount {
  unread: number;
  mentions: number;
}

/**
 * The counts in words.
 *
 * @example
 * ```ts
 * import { unreadText } from "./unread_badge.tsx";
 * console.assert(unreadText({ unread: 3, mentions: 1 }) === "3 unread, 1 mention");
 * ```
 */
export function unreadText({ unread, mentions }: UnreadCount): string {
  const words = [`${unread} unread`];
  if (mentions > 0) words.push(`${mentions} mention${mentions > 1 ? "s" : ""}`);
  return words.join(", ");
}

/** The badges, or nothing when nothing is unread. */
export function UnreadBadge(
  props: { counts?: UnreadCount },
): JSX.Element | null {
  const counts = props.counts;
  if (!counts || counts.unread + counts.mentions === 0) return null;
  return (
    <span class="unread">
      <span class="sr-only">({unreadText(counts)})</span>
      {counts.mentions > 0 && (
        <span class="badge badge--mention" aria-hidden="true">
          @{counts.mentions}
        </span>
      )}
      {counts.unread > 0 && (
        <span class="badge" aria-hidden="true">{counts.unread}</span>
      )}
    </span>
  );
}
