import { deepEqual, equal } from "node:assert/strict";
import type { ChatMessage } from "../protocol/types.ts";
import { OutgoingEvent, OutgoingRoomEvent } from "./outgoing.ts";
import {
  RoomSubscription,
  type SubscriptionSink,
} from "./room_subscription.ts";

const user = { id: "u_alice", name: "alice" };

function message(seq: number): OutgoingRoomEvent {
  const m: ChatMessage = {
    room: "general",
    seq,
    id: `m${seq}`,
    user,
    text: `text ${seq}`,
    ts: 1_700_000_000_000 + seq,
  };
  return new OutgoingRoomEvent(m);
}

const typing = () =>
  new OutgoingEvent({ type: "typing", room: "general", user });

class Sink implements SubscriptionSink {
  readonly log: string[] = [];
  roomEvent(m: OutgoingRoomEvent): void {
    this.log.push(`m${m.event.seq}`);
  }
  event(e: OutgoingEvent): void {
    this.log.push(e.event.type);
  }
  lost(): void {
    this.log.push("lost");
  }
  removed(room: string, reason: string): void {
    this.log.push(`removed ${room} ${reason}`);
  }
}

Deno.test("messages are held until start and then only those after the cursor go out", () => {
  const sink = new Sink();
  const sub = new RoomSubscription("general", user, sink);
  equal(sub.open, false);
  for (const seq of [3, 4, 5, 6]) sub.deliverRoomEvent(message(seq));
  deepEqual(sink.log, []);
  sub.start(4); // the join reply carried up to 4
  equal(sub.open, true);
  deepEqual(sink.log, ["m5", "m6"]);
  equal(sub.cursor, 6);
  sub.deliverRoomEvent(message(7));
  deepEqual(sink.log, ["m5", "m6", "m7"]);
  equal(sub.cursor, 7);
});

Deno.test("each message reaches the sink once, even if handed over twice", () => {
  const sink = new Sink();
  const sub = new RoomSubscription("general", user, sink);
  sub.deliverRoomEvent(message(1));
  sub.deliverRoomEvent(message(2));
  sub.deliverRoomEvent(message(2));
  sub.start(0);
  deepEqual(sink.log, ["m1", "m2"]);
  sub.deliverRoomEvent(message(2));
  sub.deliverRoomEvent(message(1));
  sub.deliverRoomEvent(message(3));
  sub.deliverRoomEvent(message(3));
  deepEqual(sink.log, ["m1", "m2", "m3"]);
});

Deno.test("a cursor past everything held releases nothing and later messages continue", () => {
  const sink = new Sink();
  const sub = new RoomSubscription("general", user, sink);
  sub.deliverRoomEvent(message(8));
  sub.deliverRoomEvent(message(9));
  sub.start(10);
  deepEqual(sink.log, []);
  equal(sub.cursor, 10);
  sub.deliverRoomEvent(message(10));
  sub.deliverRoomEvent(message(11));
  deepEqual(sink.log, ["m11"]);
});

Deno.test("events are dropped while held and pass once started", () => {
  const sink = new Sink();
  const sub = new RoomSubscription("general", null, sink);
  sub.deliverEvent(typing());
  sub.deliverRoomEvent(message(1));
  sub.deliverEvent(typing());
  deepEqual(sink.log, []);
  sub.start(0);
  deepEqual(sink.log, ["m1"]);
  sub.deliverEvent(typing());
  sub.deliverRoomEvent(message(2));
  deepEqual(sink.log, ["m1", "typing", "m2"]);
  equal(sub.user, null);
  equal(sub.room, "general");
});

Deno.test("start with nothing held opens live delivery at the cursor", () => {
  const sink = new Sink();
  const sub = new RoomSubscription("general", user, sink);
  sub.start(5);
  sub.deliverRoomEvent(message(5));
  sub.deliverRoomEvent(message(6));
  deepEqual(sink.log, ["m6"]);
});

Deno.test("a jump in seq ends the subscription: the sink hears lost once, then nothing", () => {
  const sink = new Sink();
  const sub = new RoomSubscription("general", user, sink);
  sub.start(2);
  sub.deliverRoomEvent(message(3));
  sub.deliverRoomEvent(message(7)); // 4..6 expired before the room had them
  sub.deliverRoomEvent(message(8));
  sub.deliverEvent(typing());
  deepEqual(sink.log, ["m3", "lost"]);
  equal(sub.cursor, Infinity);
});

Deno.test("a hole among held messages is noticed when they are released", () => {
  const sink = new Sink();
  const sub = new RoomSubscription("general", user, sink);
  for (const seq of [4, 5, 9]) sub.deliverRoomEvent(message(seq));
  sub.start(3);
  deepEqual(sink.log, ["m4", "m5", "lost"]);
});

Deno.test("a removed subscription tells its sink once and delivers nothing more", () => {
  const sink = new Sink();
  const subscription = new RoomSubscription("general", user, sink);
  subscription.start(0);
  subscription.deliverRoomEvent(message(1));
  subscription.removed("banned");
  subscription.removed("banned");
  subscription.deliverRoomEvent(message(2));
  subscription.deliverEvent(typing());
  deepEqual(sink.log, ["m1", "removed general banned"]);
});
