/**
 * A user's exact unread and mention counts in one room, kept from the room's
 * events in `seq` order. Because `seq` is one total order per room, the
 * counts are exact: the messages of other users after the read position,
 * less the deleted ones; a message of the user's own moves the position to
 * it (whoever writes a message has read what came before it).
 *
 * The same state answers `GET /api/rooms` (built from a resume of the room
 * after the stored position) and feeds a watched room's `unread` frames
 * (then fed each live event).
 *
 * @module
 */
import {
  type ChatMessage,
  isMessage,
  type RoomEvent,
  type UnreadCounts,
} from "../protocol/types.ts";

/** One user's counts in one room. */
export class UnreadState {
  readonly #userId: string;
  #read: number;
  #head: number;
  /** Unread messages of others: seq → whether it mentions the user. */
  readonly #unread = new Map<number, boolean>();
  #mentions = 0;
  /** Whether events before the ones applied were never seen (see `capped`). */
  readonly #capped: boolean;

  /**
   * @param read the stored read position
   * @param capped whether the events this state will see start later than
   *   `read` (a long backlog counted over its latest events only)
   */
  constructor(userId: string, read: number, capped = false) {
    this.#userId = userId;
    this.#read = read;
    this.#head = read;
    this.#capped = capped;
  }

  /** The read position: the stored one, or the user's latest message. */
  get read(): number {
    return this.#read;
  }

  /**
   * Applies the next stored event (or a folded message: a deleted one is
   * not counted). Returns whether the counts changed.
   */
  apply(event: RoomEvent): boolean {
    if (event.seq > this.#head) this.#head = event.seq;
    if (event.seq <= this.#read) return false;
    if (isMessage(event)) return this.#message(event);
    if (event.type !== "delete") return false;
    const mentioned = this.#unread.get(event.target);
    if (mentioned === undefined) return false;
    this.#unread.delete(event.target);
    if (mentioned) this.#mentions--;
    return true;
  }

  #message(message: ChatMessage): boolean {
    if (message.user.id === this.#userId) return this.readTo(message.seq);
    if (message.deleted) return false;
    const mentioned = message.mentions?.includes(this.#userId) ?? false;
    this.#unread.set(message.seq, mentioned);
    if (mentioned) this.#mentions++;
    return true;
  }

  /** Moves the read position forward to `seq`; whether the counts changed. */
  readTo(seq: number): boolean {
    if (seq <= this.#read) return false;
    this.#read = seq;
    if (seq > this.#head) this.#head = seq;
    let changed = false;
    for (const [unread, mentioned] of this.#unread) {
      if (unread > seq) continue;
      this.#unread.delete(unread);
      if (mentioned) this.#mentions--;
      changed = true;
    }
    return changed;
  }

  /** The counts, with the room's head as far as this state has seen it. */
  counts(head = this.#head): UnreadCounts {
    const counts: UnreadCounts = {
      seq: Math.max(head, this.#head),
      read: this.#read,
      unread: this.#unread.size,
      mentions: this.#mentions,
    };
    if (this.#capped) counts.capped = true;
    return counts;
  }
}
