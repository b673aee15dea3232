/**
 * The room sidebar: the person's rooms (the server's list of rooms they are
 * in, and those this browser visited, kept in `localStorage`, see
 * `visited_rooms.ts`), each a plain link with its unread and mention
 * badges, the current one marked `aria-current="page"`, and the lobby. A column on wide screens; on
 * phones it is hidden behind {@linkcode SidebarToggle}, which only the live
 * page has (without JavaScript phones keep the header's link to the lobby).
 *
 * @module
 */
import type { JSX } from "preact";
import { UnreadBadge, type UnreadCount } from "./unread_badge.tsx";

/** The sidebar's element id, which the toggle controls. */
export const SIDEBAR_ID = "room-sidebar";

/** Props of {@linkcode RoomSidebar}. */
export interface RoomSidebarProps {
  /** The room shown. */
  room: string;
  /** Other rooms to list (the visited ones); the current one is added. */
  rooms: readonly string[];
  /** Labels of rooms that have one (a direct message's other person). */
  labels?: Readonly<Record<string, string>>;
  /** Unread counts of the other rooms, where known. */
  counts?: Readonly<Record<string, UnreadCount>>;
  /** Phones: shown over the room (the toggle is pressed). */
  open?: boolean;
}

/** The list of rooms, sorted by name so entries stay put while switching. */
export function RoomSidebar(props: RoomSidebarProps): JSX.Element {
  const rooms = [...new Set([props.room, ...props.rooms])].sort();
  return (
    <nav
      class={props.open ? "sidebar sidebar--open" : "sidebar"}
      id={SIDEBAR_ID}
      aria-label="Rooms"
    >
      <a href="/" class="sidebar-home">All rooms</a>
      <h2 class="sidebar-heading">Your rooms</h2>
      <ul class="sidebar-rooms">
        {rooms.map((r) => (
          <li key={r}>
            <a
              href={`/rooms/${r}`}
              aria-current={r === props.room ? "page" : undefined}
            >
              {props.labels?.[r]
                ? (
                  <>
                    <span aria-hidden="true" class="sidebar-hash">@</span>
                    {props.labels[r]}
                    <span class="sr-only">(direct message)</span>
                  </>
                )
                : (
                  <>
                    <span aria-hidden="true" class="sidebar-hash">#</span>
                    {r}
                  </>
                )}
              {r !== props.room && <UnreadBadge counts={props.counts?.[r]} />}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Props of {@linkcode SidebarToggle}. */
export interface SidebarToggleProps {
  open: boolean;
  onToggle: () => void;
}

/** The phones' button that shows or hides the sidebar. */
export function SidebarToggle(props: SidebarToggleProps): JSX.Element {
  return (
    <button
      type="button"
      class="sidebar-toggle icon-button"
      aria-controls={SIDEBAR_ID}
      aria-expanded={props.open ? "true" : "false"}
      aria-label="Rooms"
      title="Rooms"
      onClick={props.onToggle}
    >
      <span aria-hidden="true">☰</span>
    </button>
  );
}
