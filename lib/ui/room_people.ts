/**
 * The people a room knows, for its people page: its members with a stored
 * role (every member of a private room), who is online, and the authors of
 * its latest messages; for moderators, whether each is banned. Read-only.
 *
 * Bans are read per person (there is no list of a room's bans), so a
 * banned person shows here while they are a member or among the latest
 * authors.
 *
 * @module
 */
import type { App } from "../server/app.ts";
import type { User } from "../protocol/types.ts";
import { banActive, type RoomSettings } from "../access/room_records.ts";
import type { Person } from "./people.tsx";

/** Latest messages whose authors are listed. */
const AUTHOR_MESSAGES = 100;
/** The most people listed (and bans read). */
const MAX_PEOPLE = 200;

/** Owner, then moderators, then by name. */
const ORDER = { owner: 0, moderator: 1, member: 2 } as const;

/** The people of `room` as `me` may see them. */
export async function roomPeople(
  app: App,
  room: string,
  me: User | null,
  settings: RoomSettings | null,
  moderator: boolean,
): Promise<Person[]> {
  const [members, { messages }] = await Promise.all([
    app.access.members(room),
    app.chat.latest(room, AUTHOR_MESSAGES, me),
  ]);
  const online = app.chat.online(room);
  const onlineIds = new Set(online.map((u) => u.id));
  const users = new Map<string, User>();
  // The freshest user objects (with `claimed`) first: online, then authors.
  for (const u of online) users.set(u.id, u);
  for (const m of messages.toReversed()) {
    if (!users.has(m.user.id)) users.set(m.user.id, m.user);
  }
  const roles = new Map(members.map((m) => [m.id, m.role]));
  // Members known only by record: their account names them, if any.
  const unseen = members.filter((m) => !users.has(m.id));
  const accounts = await Promise.all(
    unseen.map((m) => app.accounts.account(m.id)),
  );
  unseen.forEach((m, i) => {
    const account = accounts[i];
    // (The other person of a direct message is stored by id alone.)
    const name = m.name === m.id ? "someone who has not been here yet" : m.name;
    users.set(
      m.id,
      account
        ? { id: m.id, name: account.name, claimed: true }
        : { id: m.id, name },
    );
  });
  const people = [...users.values()].map((user): Person => ({
    user,
    role: user.id === settings?.owner
      ? "owner"
      : roles.get(user.id) ?? "member",
    online: onlineIds.has(user.id),
  })).sort((a, b) =>
    ORDER[a.role] - ORDER[b.role] || a.user.name.localeCompare(b.user.name)
  ).slice(0, MAX_PEOPLE);
  if (moderator) {
    const now = Date.now();
    await Promise.all(people.map(async (person) => {
      if (person.user.id === me?.id) return;
      const { ban } = await app.access.view(room, person.user);
      if (ban && banActive(ban, now)) {
        person.banned = ban.until === undefined ? {} : { until: ban.until };
      }
    }));
  }
  return people;
}
