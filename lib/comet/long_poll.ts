/**
 * One long poll: answers with the messages after `since` as soon as there
 * are any, on whichever isolate they were posted, or with none after the
 * wait. It subscribes to the room like any other transport, so the bus (or a
 * refill from storage) wakes it; nothing reads storage in a loop.
 *
 * @module
 */
import type { ChatMessage } from "../protocol/types.ts";
import type { JoinResult, RoomJoiner } from "../rooms/chat_port.ts";
import { RoomSubscription } from "../rooms/room_subscription.ts";

/** Most messages one answer carries; the client polls again for the rest. */
export const MAX_POLL_MESSAGES = 1000;

/** A long poll as the client asked for it. */
export interface LongPollRequest {
  room: string;
  /** The last `seq` the client has. */
  since: number;
  /** The epoch `since` counts in, when the client knows it. */
  epoch?: string;
  /** How long to wait for a message, in ms (0 answers at once). */
  waitMs: number;
  /** Aborts the wait (the client went away). */
  signal?: AbortSignal;
}

/** The answer: `{"room","seq","messages"}`, plus `recovered: false` rarely. */
export interface LongPollResult {
  room: string;
  /**
   * The last `seq` this answer covers: the last message's, or the head when
   * there are none. The client passes it as the next `since`.
   */
  seq: number;
  /** The room's epoch: `seq` counts in it (see `joined.epoch`). */
  epoch: string;
  /** Messages after `since`, in order, at most {@linkcode MAX_POLL_MESSAGES}. */
  messages: ChatMessage[];
  /**
   * Present (and `false`) only when `since` is older than retained history
   * or ahead of the room: `messages` are then the latest page and the client
   * must reload.
   */
  recovered?: false;
}

/** Waits for messages after `since` in `room`, at most `waitMs`. */
export async function longPoll(
  chat: RoomJoiner,
  request: LongPollRequest,
): Promise<LongPollResult> {
  const { room, since, epoch, waitMs, signal } = request;
  const arrived: ChatMessage[] = [];
  let wake: (() => void) | undefined;
  const subscription = new RoomSubscription(room, null, {
    message(outgoing) {
      arrived.push(outgoing.message);
      // Messages delivered in one burst all land before the waiter resumes.
      wake?.();
    },
    event() {},
    // Answer with what arrived: the next poll's `since` finds the hole.
    lost() {
      wake?.();
    },
  });
  let reply: JoinResult | undefined;
  await chat.join(subscription, since, (r) => {
    reply = r;
  }, epoch);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => wake?.();
  try {
    if (!reply) throw new Error("join sent no reply");
    if (!reply.recovered) {
      return {
        room,
        seq: reply.seq,
        epoch: reply.epoch,
        messages: reply.messages,
        recovered: false,
      };
    }
    if (reply.messages.length === 0 && arrived.length === 0) {
      if (waitMs > 0 && !signal?.aborted) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, waitMs);
          signal?.addEventListener("abort", onAbort, { once: true });
        });
      }
    }
    const messages = reply.messages.concat(arrived).slice(
      0,
      MAX_POLL_MESSAGES,
    );
    const last = messages.at(-1)?.seq ?? reply.seq;
    return { room, seq: last, epoch: reply.epoch, messages };
  } finally {
    wake = undefined;
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    chat.leave(subscription);
  }
}
