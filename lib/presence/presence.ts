/**
 * Who is online in each room, across isolates, with one entry per user
 * however many tabs, transports or isolates they use.
 *
 * Each isolate owns its local connections' presence and announces changes on
 * the bus, numbered by a per-isolate version. Every isolate keeps the global
 * view: room → user → set of isolates. A receiver that sees a version jump
 * (a dropped or reordered announcement) asks that isolate for its full state.
 * Heartbeats carry the version too. When the bus counts an isolate gone (it
 * said `bye`, or was silent for three heartbeats) its users are forgotten, so
 * a dead isolate leaves no ghosts for long.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import type { RegistryBus } from "../bus/scoped_bus.ts";

/** Receives the diffs of a room's global presence. */
export type PresenceListener = (
  room: string,
  joins: User[],
  leaves: User[],
) => void;

/**
 * A user in a room, as this isolate sees it. One object serves the global
 * view and this isolate's own count: an idle socket is one entry per
 * registry (a local and a global entry, each in its own per-room map, cost
 * an idle socket about 80 bytes more per registry).
 */
interface Entry {
  user: User;
  /** Which isolates hold the user: this one exactly while it counts them. */
  nodes: Nodes;
  /** This isolate's connections of the user (0 on other isolates' users). */
  connections: number;
  /** Pending "left" announcement, cancelled if the user comes back in time. */
  graceTimer?: ReturnType<typeof setTimeout>;
}

/** A set of isolate ids, kept as a bare id while it has just one. */
type Nodes = string | Set<string>;

function hasNode(nodes: Nodes, node: string): boolean {
  return typeof nodes === "string" ? nodes === node : nodes.has(node);
}

/** `nodes` with `node` added (may return a new value). */
function withNode(nodes: Nodes, node: string): Nodes {
  if (typeof nodes !== "string") return nodes.add(node);
  return nodes === node ? nodes : new Set([nodes, node]);
}

/** `nodes` without `node` (which it holds), or null when none is left. */
function withoutNode(nodes: Nodes, node: string): Nodes | null {
  if (typeof nodes === "string") return null;
  nodes.delete(node);
  return nodes.size === 0 ? null : nodes;
}

/** Options for {@linkcode Presence}. */
export interface PresenceOptions {
  node: string;
  bus: RegistryBus;
  /** How long a user stays after their last local connection closes. */
  graceMs: number;
  onChange: PresenceListener;
}

/** The presence registry of one isolate. */
export class Presence {
  readonly #node: string;
  readonly #bus: RegistryBus;
  readonly #graceMs: number;
  readonly #onChange: PresenceListener;
  /**
   * room → user id → the user's entry. This isolate holds a user exactly
   * while its id is among the entry's nodes (announcements of its own
   * changes apply here at once), grace periods included.
   */
  readonly #global = new Map<string, Map<string, Entry>>();
  /** Peer node → the last presence version applied from it. */
  readonly #versions = new Map<string, number>();
  #ver = 0;
  #closed = false;

  constructor(options: PresenceOptions) {
    this.#node = options.node;
    this.#bus = options.bus;
    this.#graceMs = options.graceMs;
    this.#onChange = options.onChange;
    const bus = options.bus;
    bus.on(
      "pres",
      (m) => this.#onAnnouncement(m.node, m.ver, m.room, m.user, m.on),
    );
    bus.on("hb", (m) => this.#onHeartbeat(m.node, m.ver));
    bus.on("sync", (m) => {
      if (m.target === "*" || m.target === this.#node) this.#sendFull();
    });
    bus.on("full", (m) => this.#onFull(m.node, m.ver, m.rooms));
    bus.onGone((node) => this.#forgetNode(node));
    bus.post({ k: "sync", node: this.#node, target: "*" });
  }

  /** The users online in `room`, across all isolates. */
  online(room: string): User[] {
    const users = this.#global.get(room);
    return users ? [...users.values()].map((entry) => entry.user) : [];
  }

  /** Whether `userId` is online in `room`. */
  has(room: string, userId: string): boolean {
    return this.#global.get(room)?.has(userId) ?? false;
  }

  /** How many users are online in `room`. */
  count(room: string): number {
    return this.#global.get(room)?.size ?? 0;
  }

  /** The user `userId` as they show in some room they are online in, if any. */
  find(userId: string): User | undefined {
    for (const users of this.#global.values()) {
      const entry = users.get(userId);
      if (entry) return entry.user;
    }
    return undefined;
  }

  /** Rooms with anyone online. */
  rooms(): string[] {
    return [...this.#global.keys()];
  }

  /** A local connection of `user` entered `room`. */
  add(room: string, user: User): void {
    if (this.#closed) return;
    const entry = this.#global.get(room)?.get(user.id);
    if (entry && hasNode(entry.nodes, this.#node)) {
      entry.connections++;
      if (entry.graceTimer !== undefined) {
        clearTimeout(entry.graceTimer);
        entry.graceTimer = undefined;
      }
      // Applied at once: the entry shows the new name and listeners hear it.
      if (!sameShown(entry.user, user)) this.#announce(room, user, true);
      return;
    }
    this.#announce(room, user, true);
    this.#global.get(room)!.get(user.id)!.connections = 1;
  }

  /** A local connection of `user` left `room`. */
  remove(room: string, user: User): void {
    if (this.#closed) return;
    const entry = this.#global.get(room)?.get(user.id);
    if (!entry || !hasNode(entry.nodes, this.#node)) return;
    if (entry.connections === 0 || --entry.connections > 0) return;
    const leave = () => {
      entry.graceTimer = undefined;
      this.#announce(room, entry.user, false);
    };
    if (this.#graceMs === 0) leave();
    else entry.graceTimer = setTimeout(leave, this.#graceMs);
  }

  /** Sends a heartbeat (with the version); called on a timer. */
  tick(): void {
    this.#bus.post({ k: "hb", node: this.#node, ver: this.#ver });
  }

  /** Announces this isolate's departure so peers drop its users at once. */
  close(): void {
    this.#closed = true;
    for (const users of this.#global.values()) {
      for (const entry of users.values()) clearTimeout(entry.graceTimer);
    }
    this.#bus.post({ k: "bye", node: this.#node });
  }

  #announce(room: string, user: User, on: boolean): void {
    this.#ver++;
    this.#bus.post({
      k: "pres",
      node: this.#node,
      ver: this.#ver,
      room,
      user,
      on,
    });
    this.#apply(this.#node, room, user, on);
  }

  #onAnnouncement(
    node: string,
    ver: number,
    room: string,
    user: User,
    on: boolean,
  ): void {
    if (ver !== (this.#versions.get(node) ?? 0) + 1) {
      // Missed or reordered: the full state is the only safe answer.
      this.#bus.post({ k: "sync", node: this.#node, target: node });
      return;
    }
    this.#versions.set(node, ver);
    this.#apply(node, room, user, on);
  }

  #onHeartbeat(node: string, ver: number): void {
    if (this.#versions.get(node) !== ver) {
      this.#bus.post({ k: "sync", node: this.#node, target: node });
    }
  }

  #onFull(node: string, ver: number, rooms: Array<[string, User[]]>): void {
    if (ver < (this.#versions.get(node) ?? 0)) return; // stale answer
    this.#versions.set(node, ver);
    const next = new Map(rooms.map(([room, users]) => [room, users]));
    // Remove what the node no longer has, then add what it has.
    for (const [room, users] of this.#global) {
      const keep = new Set((next.get(room) ?? []).map((u) => u.id));
      for (const entry of [...users.values()]) {
        if (hasNode(entry.nodes, node) && !keep.has(entry.user.id)) {
          this.#apply(node, room, entry.user, false);
        }
      }
    }
    for (const [room, users] of next) {
      for (const user of users) this.#apply(node, room, user, true);
    }
  }

  #sendFull(): void {
    const rooms: Array<[string, User[]]> = [];
    for (const [room, users] of this.#global) {
      const mine: User[] = [];
      for (const entry of users.values()) {
        if (hasNode(entry.nodes, this.#node)) mine.push(entry.user);
      }
      if (mine.length > 0) rooms.push([room, mine]);
    }
    this.#bus.post({ k: "full", node: this.#node, ver: this.#ver, rooms });
  }

  #forgetNode(node: string): void {
    this.#versions.delete(node);
    for (const [room, users] of this.#global) {
      for (const entry of [...users.values()]) {
        if (hasNode(entry.nodes, node)) {
          this.#apply(node, room, entry.user, false);
        }
      }
    }
  }

  #apply(node: string, room: string, user: User, on: boolean): void {
    let users = this.#global.get(room);
    const entry = users?.get(user.id);
    if (on) {
      if (!users) this.#global.set(room, users = new Map());
      if (!entry) {
        users.set(user.id, { user, nodes: node, connections: 0 });
        this.#onChange(room, [user], []);
      } else {
        entry.nodes = withNode(entry.nodes, node);
        if (!sameShown(entry.user, user)) {
          entry.user = user;
          // A rename (or a claim) shows as a fresh join.
          this.#onChange(room, [user], []);
        }
      }
      return;
    }
    if (!users || !entry || !hasNode(entry.nodes, node)) return;
    const rest = withoutNode(entry.nodes, node);
    if (rest !== null) {
      entry.nodes = rest;
    } else {
      users.delete(user.id);
      if (users.size === 0) this.#global.delete(room);
      this.#onChange(room, [], [entry.user]);
    }
  }
}

/** Whether two objects of one user show the same: name, and guest or not. */
function sameShown(a: User, b: User): boolean {
  return a.name === b.name && a.claimed === b.claimed;
}
