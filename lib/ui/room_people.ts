/**
 * The people a room knows, for its people page: its members with a stored
 * role (every member of a private room), who is online, and the authors of
 * its latest messages; for moderators, also everyone banned from it, and
 * whether each is banned. Read-only.
 *
 * @module
 */
import type { App } from "../server/app.ts";
import type { User } from "../protocol/types.ts";
import type { BanRecord, RoomSettings } from "../access/room_records.ts";
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
  const [members, { messages }, bans] = await Promise.all([
    app.access.members(room),
    app.chat.latest(room, AUTHOR_MESSAGES, me),
    moderator ? app.access.bans(room) : new Map<string, BanRecord>(),
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
  // Members (and banned people) known only by record: their account names
  // them, if any.
  const unseen = [
    ...members,
    ...[...bans.keys()].map((id) => ({ id, name: id })),
  ].filter((m, i, all) =>
    !users.has(m.id) && all.findIndex((o) => o.id === m.id) === i
  );
  const accounts = await Promise.all(
    unseen.map((m) => app.accounts.account(m.id)),
  );
  unseen.forEach((m, i) => {
    const account = accounts[i];
    // (The other person of a direct message, and a banned person, may be
    // known by id alone.)
    const name = m.name === m.id ? "someone not seen here lately" : m.name;
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
  for (const person of people) {
    const ban = bans.get(person.user.id);
    if (ban) {
      person.banned = ban.until === undefined ? {} : { until: ban.until };
    }
  }
  return people;
}
