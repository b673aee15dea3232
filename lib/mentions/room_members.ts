/**
 * The names `@mentions` are matched against, per room, as this node knows
 * them: the members' stored names (`UserRooms.names`), read at most every
 * {@linkcode MEMBERS_CACHE_MS} and only for messages that have an `@`, plus
 * whoever joins through this node meanwhile. A member who joined elsewhere
 * seconds ago may not be mentionable here yet, unless they are online (the
 * caller adds the online list, which every node knows at once).
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import { MentionIndex } from "./find_mentions.ts";

/** How long a room's stored names are used before they are read again. */
export const MEMBERS_CACHE_MS = 30_000;
/** Rooms whose names are kept at most (the least recently read go first). */
const MAX_CACHED_ROOMS = 1_000;

interface Cached {
  users: Map<string, User>;
  at: number;
}

/** Mentions in messages, by the members of their room. */
export class RoomMembers {
  readonly #load: (room: string) => Promise<User[]>;
  readonly #now: () => number;
  readonly #cache = new Map<string, Cached>();

  /** @param load the stored names of a room's members */
  constructor(load: (room: string) => Promise<User[]>, now = Date.now) {
    this.#load = load;
    this.#now = now;
  }

  /** Notes a member's (possibly new) name, seen joining on this node. */
  joined(room: string, user: User): void {
    this.#cache.get(room)?.users.set(user.id, user);
  }

  /** The ids of the members `text` mentions (`online` counts as members). */
  async mentions(
    room: string,
    text: string,
    online: readonly User[],
  ): Promise<string[]> {
    if (!text.includes("@")) return [];
    const users = new Map(await this.#members(room));
    for (const user of online) users.set(user.id, user);
    return new MentionIndex(users.values()).find(text);
  }

  async #members(room: string): Promise<Map<string, User>> {
    const cached = this.#cache.get(room);
    if (cached && this.#now() - cached.at < MEMBERS_CACHE_MS) {
      return cached.users;
    }
    const users = new Map(
      (await this.#load(room)).map((user) => [user.id, user]),
    );
    this.#cache.delete(room);
    if (this.#cache.size >= MAX_CACHED_ROOMS) {
      this.#cache.delete(this.#cache.keys().next().value!);
    }
    this.#cache.set(room, { users, at: this.#now() });
    return users;
  }
}
