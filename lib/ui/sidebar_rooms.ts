/**
 * The room sidebar's rooms as the server renders them: the rooms the
 * person is in (those `listRooms` gives a read position), with their
 * counts, direct messages labelled with the other person. Server only.
 *
 * @module
 */
import type { App } from "../server/app.ts";
import type { RoomSummary } from "../rooms/chat_port.ts";
import type { User } from "../protocol/types.ts";
import { dmPartnerName } from "./room_labels.ts";
import type { SidebarEntry } from "./use_unread.ts";

/** Rooms listed at most (the busiest first); the browser adds those it visited. */
export const SIDEBAR_MAX = 50;

/**
 * The sidebar's entries of `listed` (the person's `listRooms`), without
 * `room` (the open one, which the island adds itself).
 */
export async function sidebarRooms(
  app: App,
  user: User,
  listed: readonly RoomSummary[],
  room: string,
): Promise<SidebarEntry[]> {
  const mine = listed.filter((r) => r.read !== undefined && r.room !== room)
    .slice(0, SIDEBAR_MAX);
  return await Promise.all(mine.map(async (r): Promise<SidebarEntry> => {
    const entry: SidebarEntry = {
      room: r.room,
      unread: r.unread ?? 0,
      mentions: r.mentions ?? 0,
    };
    // Direct messages are named dm-…: other rooms need no read for a label.
    if (r.room.startsWith("dm-")) {
      const { settings } = await app.access.view(r.room, user);
      if (settings?.dm) {
        const name = await dmPartnerName(app, r.room, settings, user);
        if (name !== null) entry.label = name;
      }
    }
    return entry;
  }));
}
