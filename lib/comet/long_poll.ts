/**
 * One long poll: answers with the events (messages, edits, deletions,
 * reactions) after `since` as soon as there are any, on whichever isolate
 * they were posted, or with none after the wait. It subscribes to the room like any other transport, so the bus (or a
 * refill from storage) wakes it; nothing reads storage in a loop.
 *
 * @module
 */
import {
  type ChatMessage,
  isMessage,
  type RoomEvent,
  type RoomUpdate,
} from "../protocol/types.ts";
import type { User } from "../protocol/types.ts";
import type { JoinResult, RoomJoiner } from "../rooms/chat_port.ts";
import { RoomSubscription } from "../rooms/room_subscription.ts";

/** Most events one answer carries; the client polls again for the rest. */
export const MAX_POLL_MESSAGES = 1000;

/** A long poll as the client asked for it. */
export interface LongPollRequest {
  room: string;
  /** Who polls (access is checked for them), or nobody. */
  user: User | null;
  /** The last `seq` the client has. */
  since: number;
  /** The epoch `since` counts in, when the client knows it. */
  epoch?: string;
  /** How long to wait for an event, in ms (0 answers at once). */
  waitMs: number;
  /** Aborts the wait (the client went away). */
  signal?: AbortSignal;
  /** Called once the room let the poller in (its access was checked). */
  onJoined?: () => void;
}

/**
 * The answer: `{"room","seq","messages","updates"}`, plus `recovered: false`
 * rarely.
 */
export interface LongPollResult {
  room: string;
  /**
   * The last `seq` this answer covers: the last event's, or the head when
   * there are none. The client passes it as the next `since`.
   */
  seq: number;
  /** The room's epoch: `seq` counts in it (see `joined.epoch`). */
  epoch: string;
  /** Messages after `since`, in order (folded if they were stored before the poll). */
  messages: ChatMessage[];
  /**
   * Edits, deletions and reactions after `since`, in order: with
   * `messages`, every `seq` up to `seq`, at most
   * {@linkcode MAX_POLL_MESSAGES} events together.
   */
  updates: RoomUpdate[];
  /**
   * Present (and `false`) only when `since` is older than retained history
   * or ahead of the room: `messages` are then the latest page and the client
   * must reload.
   */
  recovered?: false;
}

/** Waits for events after `since` in `room`, at most `waitMs`. */
export async function longPoll(
  chat: RoomJoiner,
  request: LongPollRequest,
): Promise<LongPollResult> {
  const { room, user, since, epoch, waitMs, signal, onJoined } = request;
  const arrived: RoomEvent[] = [];
  let wake: (() => void) | undefined;
  const subscription = new RoomSubscription(room, user, {
    roomEvent(outgoing) {
      arrived.push(outgoing.event);
      // Events delivered in one burst all land before the waiter resumes.
      wake?.();
    },
    event() {},
    // Answer with what arrived: the next poll's `since` finds the hole.
    lost() {
      wake?.();
    },
    // Answer now: the next poll is refused.
    removed() {
      wake?.();
    },
  }, { countsPresence: false });
  let reply: JoinResult | undefined;
  await chat.join(subscription, since, (r) => {
    reply = r;
  }, epoch);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => wake?.();
  try {
    if (!reply) throw new Error("join sent no reply");
    onJoined?.();
    if (!reply.recovered) {
      return {
        room,
        seq: reply.seq,
        epoch: reply.epoch,
        messages: reply.messages,
        updates: [],
        recovered: false,
      };
    }
    const backlog = reply.messages.length + reply.updates.length;
    if (backlog === 0 && arrived.length === 0) {
      if (waitMs > 0 && !signal?.aborted) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, waitMs);
          signal?.addEventListener("abort", onAbort, { once: true });
        });
      }
    }
    const events = [
      ...reply.messages,
      ...reply.updates,
    ].sort((a, b) => a.seq - b.seq).concat(arrived).slice(
      0,
      MAX_POLL_MESSAGES,
    );
    const messages: ChatMessage[] = [];
    const updates: RoomUpdate[] = [];
    for (const event of events) {
      if (isMessage(event)) messages.push(event);
      else updates.push(event);
    }
    const last = events.at(-1)?.seq ?? reply.seq;
    return { room, seq: last, epoch: reply.epoch, messages, updates };
  } finally {
    wake = undefined;
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    chat.leave(subscription);
  }
}
