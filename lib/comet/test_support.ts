/**
 * A fake chat service for the comet unit tests: records joins and leaves,
 * answers joins with a scripted reply and delivers live messages like a
 * room channel would.
 *
 * @module
 */
import type { ChatMessage, User } from "../protocol/types.ts";
import type { JoinResult, RoomJoiner } from "../rooms/chat_port.ts";
import type { RoomSubscription } from "../rooms/room_subscription.ts";
import { OutgoingEvent, OutgoingRoomEvent } from "../rooms/outgoing.ts";

/** A message object for tests. */
export function chatMessage(seq: number, room = "r"): ChatMessage {
  return {
    room,
    seq,
    id: `m${seq}`,
    user: { id: "u_1", name: "ann" },
    text: `text ${seq}`,
    ts: 1_700_000_000_000 + seq,
  };
}

/** A scripted {@linkcode RoomJoiner}. */
export class FakeChat implements RoomJoiner {
  /** Messages stored so far, `seq` 1…n. */
  readonly stored: ChatMessage[] = [];
  readonly subscriptions = new Set<RoomSubscription>();
  joins = 0;
  leaves = 0;
  /** Resolved before a join replies (to test cancellation during it). */
  gate: Promise<void> = Promise.resolve();
  retain = Infinity;

  constructor(initial = 0) {
    for (let seq = 1; seq <= initial; seq++) {
      this.stored.push(chatMessage(seq));
    }
  }

  get head(): number {
    return this.stored.length;
  }

  async join(
    subscription: RoomSubscription,
    since: number | undefined,
    send: (reply: JoinResult) => void,
  ): Promise<void> {
    this.joins++;
    await this.gate;
    this.subscriptions.add(subscription);
    const head = this.head;
    const oldest = Math.max(1, head - this.retain + 1);
    const recovered = since === undefined ||
      (since <= head && since >= oldest - 1);
    const messages = since !== undefined && recovered
      ? this.stored.slice(since)
      : this.stored.slice(Math.max(0, head - 50));
    const online: User[] = subscription.user ? [subscription.user] : [];
    send({
      room: subscription.room,
      seq: head,
      epoch: "e1",
      messages,
      updates: [],
      online,
      recovered,
    });
    subscription.start(head);
  }

  leave(subscription: RoomSubscription): void {
    this.leaves++;
    this.subscriptions.delete(subscription);
  }

  /** Stores and fans out `count` new messages. */
  post(count = 1): ChatMessage[] {
    const posted: ChatMessage[] = [];
    for (let i = 0; i < count; i++) {
      const message = chatMessage(this.head + 1);
      this.stored.push(message);
      posted.push(message);
      const outgoing = new OutgoingRoomEvent(message);
      for (const s of this.subscriptions) s.deliverRoomEvent(outgoing);
    }
    return posted;
  }

  /**
   * Stores `count` messages without fanning them out, as a room channel
   * that skipped expired messages leaves them: the next post is a jump.
   */
  skip(count: number): void {
    for (let i = 0; i < count; i++) {
      this.stored.push(chatMessage(this.head + 1));
    }
  }

  /** Fans out a typing event. */
  typing(user: User): void {
    const event = new OutgoingEvent({ type: "typing", room: "r", user });
    for (const s of this.subscriptions) s.deliverEvent(event);
  }
}

/** Collects a byte stream's text as it arrives. */
export class StreamTap {
  text = "";
  ended = false;
  error: unknown;
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of stream) {
          this.text += decoder.decode(chunk, { stream: true });
        }
      } catch (error) {
        this.error = error;
      } finally {
        this.ended = true;
      }
    })();
  }

  /** Lets queued chunks reach the tap. */
  static async settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
