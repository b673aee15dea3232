/**
 * Opening a direct message: the room of two people, created the first time
 * with the other person's name as far as this node knows it (an account's
 * name, or the name they are online under; a guest's name lives only in
 * their token, so it may be unknown, and then their id stands in).
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { Accounts } from "../accounts/accounts.ts";
import type { Presence } from "../presence/presence.ts";
import type { RoomAccess } from "./room_access.ts";
import { dmRoomName, isUserId } from "./direct_messages.ts";

/** What opening a DM reads and writes. */
export interface DmParts {
  access: RoomAccess;
  accounts: Accounts;
  presence: Presence;
}

/** Opens (or finds) the DM room of `me` and `otherId`; resolves to its name. */
export async function openDirectMessage(
  parts: DmParts,
  me: User,
  otherId: unknown,
): Promise<string> {
  if (!isUserId(otherId) || otherId === me.id) {
    throw new ProtocolError(
      "bad_request",
      "A direct message is with someone else: give their user id (u_…)",
    );
  }
  const room = await dmRoomName(me.id, otherId);
  const account = await parts.accounts.account(otherId);
  await parts.access.openDm(room, me, {
    id: otherId,
    name: account?.name ?? parts.presence.find(otherId)?.name ?? otherId,
  });
  return room;
}
