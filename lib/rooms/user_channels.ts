/**
 * Events for one user's connections wherever they are: a read position
 * moved on one tab reaches the user's other tabs and devices, on this node
 * at once and on the others over the bus. Each node keeps only its own
 * connections, by user id, so delivering costs a lookup, not a scan, and an
 * idle connection costs one map entry (the connection is its own follower).
 *
 * @module
 */
import type { Bus } from "../bus/bus.ts";
import type { UserEvent } from "../bus/messages.ts";

/** A connection that receives its user's events. */
export interface UserFollower {
  /** Unique among every node's followers (events name the one they came from). */
  readonly followerId: string;
  userEvent(event: UserEvent): void;
}

/** A node's connections by user. */
export class UserChannels {
  readonly #bus: Bus;
  /** user id → their follower, or several. */
  readonly #followers = new Map<string, UserFollower | Set<UserFollower>>();

  constructor(bus: Bus) {
    this.#bus = bus;
    bus.on("user", ({ user, event, from }) => this.#deliver(user, event, from));
  }

  /** `follower` receives `userId`'s events until {@linkcode unfollow}. */
  follow(userId: string, follower: UserFollower): void {
    const current = this.#followers.get(userId);
    if (current === undefined) this.#followers.set(userId, follower);
    else if (current instanceof Set) current.add(follower);
    else this.#followers.set(userId, new Set([current, follower]));
  }

  /** `follower` no longer receives `userId`'s events. */
  unfollow(userId: string, follower: UserFollower): void {
    const current = this.#followers.get(userId);
    if (current === follower) this.#followers.delete(userId);
    else if (current instanceof Set) {
      current.delete(follower);
      if (current.size === 0) this.#followers.delete(userId);
    }
  }

  /** Delivers `event` to every connection of `userId` but `from`, on every node. */
  publish(userId: string, event: UserEvent, from?: string): void {
    this.#bus.postToPeers(
      from === undefined
        ? { k: "user", user: userId, event }
        : { k: "user", user: userId, event, from },
    );
    this.#deliver(userId, event, from);
  }

  #deliver(userId: string, event: UserEvent, from: string | undefined): void {
    const current = this.#followers.get(userId);
    if (current === undefined) return;
    for (const follower of current instanceof Set ? current : [current]) {
      if (follower.followerId !== from) follower.userEvent(event);
    }
  }
}
