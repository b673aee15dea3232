/**
 * How pages name rooms that have no name meant for people: a direct
 * message's room is `dm-<hash>`, so pages show it as "Direct message with
 * <the other person>". Read-only, over what the app already keeps.
 *
 * @module
 */
import type { App } from "../server/app.ts";
import type { User } from "../protocol/types.ts";
import type { RoomSettings } from "../access/room_records.ts";

/** Messages looked through for the other person's name. */
const NAME_SEARCH_MESSAGES = 50;

/**
 * The display name of the other person of a direct-message room, or `null`
 * when nothing names them yet. Opening a DM stores only the opener's name
 * (the other is known by id), so this looks, in order, at the member
 * record, the other's account (a claimed name), the rooms they are online
 * in and their messages there.
 */
export async function dmPartnerName(
  app: App,
  room: string,
  settings: RoomSettings,
  me: User,
): Promise<string | null> {
  const otherId = settings.dm?.find((id) => id !== me.id);
  if (!otherId) return null;
  const member = (await app.access.members(room)).find((m) => m.id === otherId);
  if (member && member.name !== otherId) return member.name;
  const account = await app.accounts.account(otherId);
  if (account) return account.name;
  for (const anywhere of app.presence.rooms()) {
    const online = app.presence.online(anywhere).find((u) => u.id === otherId);
    if (online) return online.name;
  }
  const { messages } = await app.chat.latest(room, NAME_SEARCH_MESSAGES, me);
  return messages.findLast((m) => m.user.id === otherId)?.user.name ?? null;
}

/** A direct message's heading, with the other person's name when known. */
export function dmTitle(name: string | null): string {
  return name === null ? "Direct message" : `Direct message with ${name}`;
}
