/**
 * What is stored about rooms beyond their events: settings, members with
 * roles, bans, invites (records, `lib/engine/records.ts`).
 *
 * - `["room", room]` → {@linkcode RoomSettings}; absent: a public room with no
 *   owner (rooms that came into being by being visited)
 * - `["member", room, userId]` → {@linkcode MemberRecord}: every member of a
 *   private room; in a public room (where anyone who joined is a member)
 *   only those with a role above member
 * - `["rooms-of", userId, room]` → `{}`: the private rooms a user is in, for
 *   their lobby
 * - `["private-room", room]` → `{}`: every private room, hidden from the
 *   lobby of non-members
 * - `["ban", room, userId]` → {@linkcode BanRecord}
 * - `["invite", room, id]` → {@linkcode InviteRecord}
 *
 * @module
 */

/** Who may see a room. */
export type Visibility = "public" | "private";

/** A member's powers in a room, least first. */
export type Role = "member" | "moderator" | "owner";

/** A room's settings. */
export interface RoomSettings {
  visibility: Visibility;
  /** The creator's user id (none for rooms that came by being visited, DMs). */
  owner?: string;
  createdAt: number;
  /** Members' sends closer together than this are refused (moderators exempt). */
  slowModeSeconds?: number;
  /** A direct-message room: its two users' ids, sorted. */
  dm?: [string, string];
}

/** One member of a room. */
export interface MemberRecord {
  role: Role;
  /** The member's display name when they became a member (for lists). */
  name: string;
  since: number;
}

/** A ban from a room. */
export interface BanRecord {
  /** Epoch ms the ban ends; absent: until lifted. */
  until?: number;
  /** Who banned. */
  by: string;
  at: number;
}

/** An invite to a room, as stored (revoking deletes it). */
export interface InviteRecord {
  by: string;
  expiresAt: number;
}

export const settingsKey = (room: string) => ["room", room];
export const memberKey = (room: string, userId: string) => [
  "member",
  room,
  userId,
];
export const roomsOfKey = (userId: string, room: string) => [
  "rooms-of",
  userId,
  room,
];
export const privateRoomKey = (room: string) => ["private-room", room];
export const banKey = (room: string, userId: string) => ["ban", room, userId];
export const inviteKey = (room: string, id: string) => ["invite", room, id];

/** How roles rank. */
export const ROLE_RANK: Readonly<Record<Role, number>> = {
  member: 0,
  moderator: 1,
  owner: 2,
};

/** Whether a ban is in force at `now`. */
export function banActive(ban: BanRecord | null, now: number): boolean {
  return ban !== null && (ban.until === undefined || ban.until > now);
}
