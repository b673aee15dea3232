/**
 * Who is typing, per room: a `typing` signal shows its user for a few
 * seconds (senders repeat it while they type), and their message arriving
 * ends it at once.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import type { Clock, TimerId } from "./clock.ts";

interface Shown {
  user: User;
  timer: TimerId;
}

/** Typing users of every room, each shown until their signal expires. */
export class TypingTracker {
  readonly #clock: Clock;
  readonly #shownMs: number;
  readonly #onChange: (room: string) => void;
  readonly #rooms = new Map<string, Map<string, Shown>>();

  /** `onChange` is told whenever a room's list changes. */
  constructor(
    clock: Clock,
    onChange: (room: string) => void,
    shownMs = 4_000,
  ) {
    this.#clock = clock;
    this.#onChange = onChange;
    this.#shownMs = shownMs;
  }

  /** Who is typing in `room`, in the order they started. */
  list(room: string): User[] {
    return [...(this.#rooms.get(room)?.values() ?? [])].map((s) => s.user);
  }

  /** `user` is typing in `room` (again). */
  signal(room: string, user: User): void {
    let shown = this.#rooms.get(room);
    if (!shown) this.#rooms.set(room, shown = new Map());
    const had = shown.get(user.id);
    this.#clock.clearTimeout(had?.timer);
    shown.set(user.id, {
      user,
      timer: this.#clock.setTimeout(
        () => this.stop(room, user.id),
        this.#shownMs,
      ),
    });
    if (!had || had.user.name !== user.name) this.#onChange(room);
  }

  /** `userId` stopped typing in `room` (their message came, or time is up). */
  stop(room: string, userId: string): void {
    const shown = this.#rooms.get(room);
    const had = shown?.get(userId);
    if (!shown || !had) return;
    this.#clock.clearTimeout(had.timer);
    shown.delete(userId);
    this.#onChange(room);
  }

  /** Forgets everyone (the connection is gone: nobody's signals arrive). */
  clear(): void {
    for (const [room, shown] of this.#rooms) {
      for (const userId of [...shown.keys()]) this.stop(room, userId);
    }
  }
}
