/**
 * Who may do what in a room: read it (join, SSE, long poll, history, the
 * page), post to it, moderate it, and the changes owners and moderators
 * make (members, roles, bans, slow mode), over the engine's records
 * (`room_records.ts`), so every node agrees.
 *
 * Reads of a room for one user are one `getMany` (settings, membership,
 * ban); a join reads it fresh. Posts, the hot path, use the view read last
 * (at a join, or a post), which the node that changed the room drops at once
 * on every node (the `access` bus message); a node that missed that message
 * reads again after {@linkcode VIEW_CACHE_MS}. Reading on every post, or
 * every 2 s, cost the latency benchmark's p99 at 25 k deliveries/s 128 ms
 * against 44 ms (`deno task bench --only=latency --servers=ours-parallel`).
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { Records } from "../engine/records.ts";
import { foldName } from "../accounts/names.ts";
import {
  banActive,
  banKey,
  type BanRecord,
  memberKey,
  type MemberRecord,
  privateRoomKey,
  type Role,
  ROLE_RANK,
  type RoomSettings,
  roomsOfKey,
  settingsKey,
  type Visibility,
} from "./room_records.ts";

/**
 * How long a post may rely on a room view read earlier, should the bus have
 * dropped the change that would have dropped it.
 */
export const VIEW_CACHE_MS = 60_000;
/** The longest slow mode, and the longest timed ban. */
export const MAX_SLOW_MODE_S = 6 * 3600;
export const MAX_BAN_MINUTES = 366 * 24 * 60;
/** The most private rooms (or rooms of one user) read at once. */
const MAX_LISTED = 100_000;
/**
 * Views kept per node (a few hundred bytes each): one per member of each
 * room with posters here. Past it the oldest go first, so a busy node keeps
 * reading only the views of people who post rarely.
 */
const VIEW_CACHE_SIZE = 50_000;

/** A room as one user sees it. */
export interface RoomView {
  settings: RoomSettings | null;
  member: MemberRecord | null;
  ban: BanRecord | null;
  /** The user's role: `null` when they may not see the room at all. */
  role: Role | null;
}

/** Options of {@linkcode RoomAccess}. */
export interface RoomAccessOptions {
  /** `CHAT_ADMINS`: claimed names that act as owner everywhere. */
  admins: readonly string[];
  now?: () => number;
}

/** Room permissions over the engine's records. */
export class RoomAccess {
  readonly #records: Records;
  readonly #admins: Set<string>;
  readonly #now: () => number;
  readonly #views = new Map<string, { view: RoomView; at: number }>();
  /** Room → how many changes of it this node heard (see `changes`). */
  readonly #changes = new Map<string, number>();

  constructor(records: Records, options: RoomAccessOptions) {
    this.#records = records;
    this.#admins = new Set(options.admins.map(foldName));
    this.#now = options.now ?? Date.now;
  }

  /** Whether `user` is an instance administrator (a claimed name in `CHAT_ADMINS`). */
  isAdmin(user: User | null): boolean {
    return user?.claimed === true && this.#admins.has(foldName(user.name));
  }

  /** How `user` (or nobody) sees `room`, read now. */
  async view(room: string, user: User | null): Promise<RoomView> {
    const [settings, member, ban] = await this.#records.getMany<unknown>(
      user
        ? [settingsKey(room), memberKey(room, user.id), banKey(room, user.id)]
        : [settingsKey(room)],
    );
    const view: RoomView = {
      settings: (settings?.value ?? null) as RoomSettings | null,
      member: (member?.value ?? null) as MemberRecord | null,
      ban: (ban?.value ?? null) as BanRecord | null,
      role: null,
    };
    view.role = this.#roleOf(view, user);
    if (user) this.#remember(room, user.id, view);
    return view;
  }

  #roleOf(view: RoomView, user: User | null): Role | null {
    if (this.isAdmin(user)) return "owner";
    if (!user) return view.settings?.visibility === "private" ? null : "member";
    if (banActive(view.ban, this.#now())) return null;
    if (view.settings?.owner === user.id) return "owner";
    if (view.member) return view.member.role;
    return view.settings?.visibility === "private" ? null : "member";
  }

  /**
   * Throws unless `user` may read `room`: a private room answers
   * `unauthenticated` without a user and `forbidden` to non-members, a ban
   * `forbidden`. Resolves to the view it read.
   */
  async checkRead(
    room: string,
    user: User | null,
    options: { cached?: boolean } = {},
  ): Promise<RoomView> {
    const view = (options.cached && user && this.#cached(room, user.id)) ||
      await this.view(room, user);
    if (view.role !== null) return view;
    if (!user) {
      throw new ProtocolError(
        "unauthenticated",
        `Cannot open room "${room}": it is private; sign in first`,
      );
    }
    throw forbidden(room, banActive(view.ban, this.#now()));
  }

  /**
   * Throws unless `user` may post to `room` now: read access, and the room's
   * slow mode (moderators exempt), which is checked across every node.
   * Resolves to the view it used.
   */
  async checkPost(room: string, user: User): Promise<RoomView> {
    const view = this.#cached(room, user.id) ?? await this.view(room, user);
    if (view.role === null) throw forbidden(room, view.ban !== null);
    const slow = view.settings?.slowModeSeconds ?? 0;
    if (slow > 0 && ROLE_RANK[view.role] < ROLE_RANK.moderator) {
      await this.#slowMode(room, user, slow * 1000);
    }
    return view;
  }

  async #slowMode(room: string, user: User, gapMs: number): Promise<void> {
    const key = ["last-send", room, user.id];
    const last = await this.#records.get<{ at: number }>(key);
    const now = this.#now();
    const wait = last ? last.value.at + gapMs - now : 0;
    const ok = wait <= 0 && await this.#records.write({
      checks: [{ key, version: last?.version ?? null }],
      set: [{ key, value: { at: now }, expireInMs: gapMs }],
    });
    if (!ok) {
      throw new ProtocolError(
        "slow_mode",
        `Cannot post to "${room}" yet: slow mode allows one message every ${
          gapMs / 1000
        } s`,
        { retryAfterMs: Math.max(1, wait > 0 ? wait : gapMs) },
      );
    }
  }

  /** Throws `forbidden` unless `user` moderates `room` (or owns it). */
  async checkModerator(room: string, user: User): Promise<RoomView> {
    const view = await this.checkRead(room, user);
    if (ROLE_RANK[view.role!] < ROLE_RANK.moderator) {
      throw new ProtocolError(
        "forbidden",
        `Cannot moderate "${room}": only its moderators and owner can`,
      );
    }
    return view;
  }

  /**
   * Creates `room` with `user` as its owner; `name_taken` when it exists
   * already (settings stored, or `hasEvents`: it came by being visited).
   */
  async create(
    room: string,
    user: User,
    visibility: Visibility,
    hasEvents: boolean,
  ): Promise<RoomSettings> {
    const settings: RoomSettings = {
      visibility,
      owner: user.id,
      createdAt: this.#now(),
    };
    const ok = !hasEvents && await this.#records.write({
      checks: [{ key: settingsKey(room), version: null }],
      set: [
        { key: settingsKey(room), value: settings },
        ...this.#memberSets(room, user, "owner", visibility),
        ...(visibility === "private"
          ? [{ key: privateRoomKey(room), value: {} }]
          : []),
      ],
    });
    if (!ok) {
      throw new ProtocolError(
        "name_taken",
        `Cannot create room "${room}": it exists`,
      );
    }
    return settings;
  }

  /** The records that make `user` a member of `room` with `role`. */
  #memberSets(
    room: string,
    user: User,
    role: Role,
    visibility: Visibility,
  ): Array<{ key: string[]; value: unknown }> {
    const member: MemberRecord = { role, name: user.name, since: this.#now() };
    return [
      { key: memberKey(room, user.id), value: member },
      ...(visibility === "private"
        ? [{ key: roomsOfKey(user.id, room), value: {} }]
        : []),
    ];
  }

  /** Makes `user` a member of `room` (an invite redeemed), keeping a higher role. */
  async addMember(room: string, user: User): Promise<void> {
    const view = await this.view(room, user);
    if (view.member) return;
    const visibility = view.settings?.visibility ?? "public";
    if (visibility === "public") return; // anyone who joins is a member
    await this.#records.write({
      set: this.#memberSets(room, user, "member", visibility),
    });
    this.forget(room);
  }

  /**
   * Sets `targetId`'s role in `room` (owners only). Demoting to member in a
   * public room drops the record: the role is the default there.
   */
  async setRole(
    room: string,
    actor: User,
    targetId: string,
    role: Exclude<Role, "owner">,
  ): Promise<void> {
    const view = await this.checkRead(room, actor);
    if (view.role !== "owner") {
      throw new ProtocolError(
        "forbidden",
        `Cannot change roles in "${room}": only its owner can`,
      );
    }
    if (targetId === view.settings?.owner) {
      throw new ProtocolError("forbidden", `Cannot change the owner's role`);
    }
    const current = await this.#records.get<MemberRecord>(
      memberKey(room, targetId),
    );
    const priv = view.settings?.visibility === "private";
    if (!current && priv) {
      throw new ProtocolError(
        "not_found",
        `Cannot change the role of ${targetId}: not a member of "${room}"`,
      );
    }
    if (!priv && role === "member") {
      await this.#records.write({ delete: [memberKey(room, targetId)] });
    } else {
      await this.#records.write({
        set: [{
          key: memberKey(room, targetId),
          value: {
            role,
            name: current?.value.name ?? targetId,
            since: current?.value.since ?? this.#now(),
          },
        }],
      });
    }
    this.forget(room);
  }

  /** Bans `targetId` from `room` (moderators), for `minutes` or until lifted. */
  async ban(
    room: string,
    actor: User,
    targetId: string,
    minutes: number | undefined,
  ): Promise<BanRecord> {
    const view = await this.checkModerator(room, actor);
    const target = await this.#records.get<MemberRecord>(
      memberKey(room, targetId),
    );
    const targetRank = targetId === view.settings?.owner
      ? ROLE_RANK.owner
      : ROLE_RANK[target?.value.role ?? "member"];
    if (targetId === actor.id || targetRank >= ROLE_RANK[view.role!]) {
      throw new ProtocolError(
        "forbidden",
        `Cannot ban ${targetId} from "${room}": not below you in the room`,
      );
    }
    const now = this.#now();
    const ban: BanRecord = {
      by: actor.id,
      at: now,
      ...(minutes === undefined ? {} : { until: now + minutes * 60_000 }),
    };
    await this.#records.write({
      set: [{
        key: banKey(room, targetId),
        value: ban,
        ...(ban.until === undefined ? {} : { expireInMs: ban.until - now }),
      }],
    });
    this.forget(room);
    return ban;
  }

  /** Lifts a ban (moderators). */
  async unban(room: string, actor: User, targetId: string): Promise<void> {
    await this.checkModerator(room, actor);
    await this.#records.write({ delete: [banKey(room, targetId)] });
    this.forget(room);
  }

  /** Sets `room`'s slow mode (moderators); 0 turns it off. */
  async setSlowMode(room: string, actor: User, seconds: number): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      await this.checkModerator(room, actor);
      const current = await this.#records.get<RoomSettings>(settingsKey(room));
      const settings: RoomSettings = {
        ...(current?.value ??
          { visibility: "public", createdAt: this.#now() }),
        slowModeSeconds: seconds,
      };
      if (seconds === 0) delete settings.slowModeSeconds;
      const ok = await this.#records.write({
        checks: [{ key: settingsKey(room), version: current?.version ?? null }],
        set: [{ key: settingsKey(room), value: settings }],
      });
      if (ok) {
        this.forget(room);
        return;
      }
    }
    throw new ProtocolError("unavailable", "Cannot set slow mode: try again");
  }

  /** The members with a stored record (every member of a private room). */
  async members(room: string): Promise<Array<MemberRecord & { id: string }>> {
    const entries = await this.#records.list<MemberRecord>(["member", room]);
    return entries.map((e) => ({ ...e.value, id: e.key[2] }));
  }

  /** The bans of `room` in force, by banned user id. */
  async bans(room: string): Promise<Map<string, BanRecord>> {
    const now = this.#now();
    const entries = await this.#records.list<BanRecord>(
      ["ban", room],
      MAX_LISTED,
    );
    return new Map(
      entries.filter((e) => banActive(e.value, now)).map((
        e,
      ) => [e.key[2], e.value]),
    );
  }

  /** The private rooms `userId` is a member of. */
  async privateRoomsOf(userId: string): Promise<string[]> {
    const entries = await this.#records.list(["rooms-of", userId], MAX_LISTED);
    return entries.map((e) => e.key[2]);
  }

  /**
   * Creates (the first time) the private room of a direct message between
   * `a` and `b` (whose name, when not known, is its id).
   */
  async openDm(room: string, a: User, b: User): Promise<void> {
    const bId = b.id;
    const ids = [a.id, bId].sort() as [string, string];
    const settings: RoomSettings = {
      visibility: "private",
      createdAt: this.#now(),
      dm: ids,
    };
    const member = (id: string, name: string) => ({
      key: memberKey(room, id),
      value: { role: "member", name, since: this.#now() },
    });
    await this.#records.write({
      checks: [{ key: settingsKey(room), version: null }],
      set: [
        { key: settingsKey(room), value: settings },
        member(a.id, a.name),
        member(bId, b.name),
        { key: roomsOfKey(a.id, room), value: {} },
        { key: roomsOfKey(bId, room), value: {} },
        { key: privateRoomKey(room), value: {} },
      ],
    });
  }

  /**
   * The private rooms `user` may not see (none for administrators).
   *
   * @param memberOf the user's private rooms, when the caller reads them
   *   anyway (`privateRoomsOf`): not read twice
   */
  async hiddenRooms(
    user: User | null,
    memberOf?: Promise<readonly string[]>,
  ): Promise<Set<string>> {
    if (this.isAdmin(user)) return new Set();
    const [all, mine] = await Promise.all([
      this.#records.list(["private-room"], MAX_LISTED),
      user ? memberOf ?? this.privateRoomsOf(user.id) : [],
    ]);
    const hidden = new Set(all.map((e) => e.key[1]));
    for (const room of mine) hidden.delete(room);
    return hidden;
  }

  /** Drops what this node remembers of `room` (it changed). */
  forget(room: string): void {
    const prefix = room + "\u0000";
    for (const key of this.#views.keys()) {
      if (key.startsWith(prefix)) this.#views.delete(key);
    }
    this.#changes.set(room, this.changes(room) + 1);
  }

  /**
   * How many changes of `room` this node has heard: a join compares it
   * before its check and before its reply, since a ban heard in between
   * could not yet end the subscription it was making.
   */
  changes(room: string): number {
    return this.#changes.get(room) ?? 0;
  }

  #cached(room: string, userId: string): RoomView | undefined {
    const entry = this.#views.get(room + "\u0000" + userId);
    if (!entry || this.#now() - entry.at > VIEW_CACHE_MS) return undefined;
    return entry.view;
  }

  #remember(room: string, userId: string, view: RoomView): void {
    const key = room + "\u0000" + userId;
    // Re-inserted at the end: the Map's order is the order of last reads.
    this.#views.delete(key);
    if (this.#views.size >= VIEW_CACHE_SIZE) {
      this.#views.delete(this.#views.keys().next().value!);
    }
    this.#views.set(key, { view, at: this.#now() });
  }
}

function forbidden(room: string, banned: boolean): ProtocolError {
  return new ProtocolError(
    "forbidden",
    banned
      ? `Cannot open room "${room}": you are banned from it`
      : `Cannot open room "${room}": it is private`,
  );
}
