/**
 * Who is told of a new message while away: the decision behind Web Push,
 * made once per message by the node that stored it (so each message makes
 * at most one push per subscription, however many devices are open).
 *
 * For a message in room R by S the candidates are the other person of a
 * direct message, the users the message mentions, and the members whose
 * level in R is `all`; then S, those whose level in R is `none`, and those
 * with a connection joined to R and not hidden (on any node: the attention
 * registry) are taken out. Sending happens after the ack and never delays
 * it; a failure is logged by the sender and costs nothing else.
 *
 * @module
 */
import type { ChatMessage, NotifyLevel } from "../protocol/types.ts";
import { type PushPayload, pushPayload } from "../push/payload.ts";

/** Sends pushes to a user's subscriptions. */
export interface PushSender {
  send(userId: string, payload: PushPayload): Promise<void>;
}

/** Where the notifier reads levels and who is looking. */
export interface NotifierSources {
  /** Levels of these users in the room (the default for those never in it). */
  levels(
    room: string,
    userIds: readonly string[],
  ): Promise<Map<string, NotifyLevel>>;
  /** Members of the room whose level is `all`. */
  notifyAll(room: string): Promise<string[]>;
  /** Whether the user has a visible connection joined to the room, on any node. */
  attentive(room: string, userId: string): boolean;
}

/** How long a room's `all` members are used before being read again. */
export const NOTIFY_ALL_CACHE_MS = 30_000;

/** Decides who is pushed for each stored message, and pushes. */
export class Notifier {
  readonly #sources: NotifierSources;
  readonly #push: PushSender;
  readonly #onError: (error: unknown) => void;
  readonly #now: () => number;
  /** room → its `all` members and when they were read. */
  readonly #notifyAll = new Map<string, { ids: string[]; at: number }>();

  constructor(
    sources: NotifierSources,
    push: PushSender,
    onError: (error: unknown) => void,
    now: () => number = Date.now,
  ) {
    this.#sources = sources;
    this.#push = push;
    this.#onError = onError;
    this.#now = now;
  }

  /**
   * A message was stored: pushes it to whoever should hear of it. The
   * promise (when there is work) settles once the pushes are handed to the
   * sender; the chat does not wait for it, and it never rejects.
   *
   * @param dm the two user ids when the room is a direct message
   */
  stored(
    message: ChatMessage,
    dm?: readonly string[],
  ): Promise<void> | undefined {
    // Most messages name nobody in a room where nobody wants everything:
    // decided without a promise or a set.
    if (dm === undefined && !message.mentions) {
      const cached = this.#notifyAll.get(message.room);
      if (cached?.ids.length === 0 && this.#fresh(cached)) return;
    }
    return this.#notify(message, dm);
  }

  async #notify(
    message: ChatMessage,
    dm: readonly string[] | undefined,
  ): Promise<void> {
    try {
      const recipients = await this.#recipients(message, dm);
      if (recipients.length === 0) return;
      const payload = pushPayload(message, { direct: dm !== undefined });
      await Promise.all(recipients.map((id) => this.#push.send(id, payload)));
    } catch (error) {
      this.#onError(error);
    }
  }

  /** A member's level in `room` changed on this node: read `all` again. */
  levelChanged(room: string): void {
    this.#notifyAll.delete(room);
  }

  async #recipients(
    message: ChatMessage,
    dm: readonly string[] | undefined,
  ): Promise<string[]> {
    const { room } = message;
    const named = new Set<string>([
      ...(dm ?? []),
      ...(message.mentions ?? []),
    ]);
    const everything = await this.#everything(room);
    const candidates = new Set([...named, ...everything]);
    candidates.delete(message.user.id);
    if (candidates.size === 0) return [];
    for (const id of candidates) {
      if (this.#sources.attentive(room, id)) candidates.delete(id);
    }
    if (candidates.size === 0) return [];
    // Levels: `all` members are known; the named ones may have said `none`.
    const ask = [...candidates].filter((id) => !everything.includes(id));
    const levels = ask.length > 0
      ? await this.#sources.levels(room, ask)
      : new Map<string, NotifyLevel>();
    return [...candidates].filter((id) => levels.get(id) !== "none");
  }

  async #everything(room: string): Promise<string[]> {
    const cached = this.#notifyAll.get(room);
    if (cached && this.#fresh(cached)) return cached.ids;
    const ids = await this.#sources.notifyAll(room);
    if (this.#notifyAll.size >= 10_000) this.#notifyAll.clear();
    this.#notifyAll.set(room, { ids, at: this.#now() });
    return ids;
  }

  #fresh(cached: { at: number }): boolean {
    return this.#now() - cached.at < NOTIFY_ALL_CACHE_MS;
  }
}
