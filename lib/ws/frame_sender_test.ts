import assert, { deepEqual, equal } from "node:assert/strict";
import {
  FrameSender,
  type FrameSink,
  type SenderOwner,
} from "./frame_sender.ts";
import { OutgoingEvent, OutgoingRoomEvent } from "../rooms/outgoing.ts";
import { RoomSubscription } from "../rooms/room_subscription.ts";

/** A WebSocket stand-in: the three members the sender uses, and a record. */
class FakeSocket implements FrameSink {
  readyState = 1; // OPEN
  bufferedAmount = 0;
  readonly sent: string[] = [];
  send(data: string): void {
    this.sent.push(data);
  }
}

/** Lets the current task end so that queued frames are flushed. */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

const frame = (n: number) => JSON.stringify({ type: "message", seq: n });

/** An owner that calls `behind` when the socket falls behind. */
const owner = (behind: () => void = () => {}): SenderOwner => ({
  socketBehind: behind,
  subscriptionRemoved() {},
});

Deno.test("frames pushed in one task go out as one JSON array frame", async () => {
  const socket = new FakeSocket();
  const sender = new FrameSender(socket, 1024, owner());
  sender.push(frame(1));
  sender.push(frame(2));
  sender.push(frame(3));
  deepEqual(socket.sent, []); // nothing is sent synchronously
  await nextTask();
  equal(socket.sent.length, 1);
  equal(
    socket.sent[0],
    '[{"type":"message","seq":1},{"type":"message","seq":2},{"type":"message","seq":3}]',
  );
  deepEqual(JSON.parse(socket.sent[0]).map((e: { seq: number }) => e.seq), [
    1,
    2,
    3,
  ]);
});

Deno.test("a frame pushed alone goes out as itself, not in an array", async () => {
  const socket = new FakeSocket();
  const sender = new FrameSender(socket, 1024, owner());
  sender.push(frame(1));
  await nextTask();
  deepEqual(socket.sent, ['{"type":"message","seq":1}']);
  // The next task starts a new frame.
  sender.push(frame(2));
  await nextTask();
  sender.push(frame(3));
  sender.push(frame(4));
  await nextTask();
  deepEqual(socket.sent, [
    '{"type":"message","seq":1}',
    '{"type":"message","seq":2}',
    '[{"type":"message","seq":3},{"type":"message","seq":4}]',
  ]);
});

Deno.test("each socket gets its own frames when many are flushed together", async () => {
  const a = new FakeSocket();
  const b = new FakeSocket();
  const senderA = new FrameSender(a, 1024, owner());
  const senderB = new FrameSender(b, 1024, owner());
  senderA.push(frame(1));
  senderB.push(frame(10));
  senderA.push(frame(2));
  await nextTask();
  deepEqual(a.sent, [
    '[{"type":"message","seq":1},{"type":"message","seq":2}]',
  ]);
  deepEqual(b.sent, ['{"type":"message","seq":10}']);
});

Deno.test("a socket that is not open gets nothing, and the queue is dropped", async () => {
  for (const readyState of [0, 2, 3]) {
    const socket = new FakeSocket();
    socket.readyState = readyState;
    let slow = 0;
    const sender = new FrameSender(socket, 1024, owner(() => slow++));
    sender.push(frame(1));
    sender.push(frame(2));
    await nextTask();
    deepEqual(socket.sent, []);
    // Opening later does not resend what was dropped.
    socket.readyState = 1;
    sender.push(frame(3));
    await nextTask();
    deepEqual(socket.sent, ['{"type":"message","seq":3}']);
    equal(slow, 0);
  }
});

Deno.test("over maxBuffered the sender calls onBehind and sends nothing", async () => {
  const socket = new FakeSocket();
  let slow = 0;
  const sender = new FrameSender(
    socket,
    1000,
    owner(() => {
      slow++;
      socket.readyState = 2; // the connection closes the socket (1013)
    }),
  );
  socket.bufferedAmount = 1000; // at the limit is still fine
  sender.push(frame(1));
  await nextTask();
  deepEqual(socket.sent, ['{"type":"message","seq":1}']);
  equal(slow, 0);

  socket.bufferedAmount = 1001;
  sender.push(frame(2));
  sender.push(frame(3));
  await nextTask();
  deepEqual(socket.sent, ['{"type":"message","seq":1}']);
  equal(slow, 1);

  // Closed now: later frames are dropped without calling onBehind again.
  sender.push(frame(4));
  await nextTask();
  deepEqual(socket.sent, ['{"type":"message","seq":1}']);
  equal(slow, 1);
});

Deno.test("flush sends what is queued at once", () => {
  const socket = new FakeSocket();
  const sender = new FrameSender(socket, 1024, owner());
  sender.push(frame(1));
  sender.flush();
  deepEqual(socket.sent, ['{"type":"message","seq":1}']);
  sender.flush(); // nothing queued: nothing sent
  deepEqual(socket.sent, ['{"type":"message","seq":1}']);
});

Deno.test("as a subscription's sink it queues the room's frames like push", async () => {
  const socket = new FakeSocket();
  const sender = new FrameSender(socket, 1024, owner());
  const user = { id: "u_alice", name: "alice" };
  const subscription = new RoomSubscription("general", user, sender);
  const message = (seq: number) =>
    new OutgoingRoomEvent({
      room: "general",
      seq,
      id: `m${seq}`,
      user,
      text: `text ${seq}`,
      ts: 1_700_000_000_000 + seq,
    });
  subscription.deliverRoomEvent(message(1)); // held until start
  subscription.start(0);
  subscription.deliverEvent(
    new OutgoingEvent({ type: "typing", room: "general", user }),
  );
  subscription.deliverRoomEvent(message(2));
  await nextTask();
  equal(socket.sent.length, 1);
  deepEqual(
    JSON.parse(socket.sent[0]).map((e: { type: string; seq?: number }) =>
      e.seq ?? e.type
    ),
    [1, "typing", 2],
  );
  equal(
    socket.sent[0],
    `[${message(1).frame},${
      JSON.stringify({ type: "typing", room: "general", user })
    },${message(2).frame}]`,
  );
});

Deno.test("bufferedAmount is read once per maxBuffered / 64 sent, and a slow socket is still caught", () => {
  let reads = 0;
  let buffered = 0;
  const socket = new FakeSocket();
  Object.defineProperty(socket, "bufferedAmount", {
    get: () => (reads++, buffered),
  });
  let slow = 0;
  // 64 × 270: a read every 270 characters; each frame below is 27.
  const sender = new FrameSender(
    socket,
    64 * 270,
    owner(() => {
      slow++;
      socket.readyState = 2; // the connection closes the socket (1013)
    }),
  );
  for (let n = 1; n <= 100; n++) {
    sender.push(frame(n));
    sender.flush();
  }
  equal(socket.sent.length, 100);
  equal(reads, 10, "the first flush, then every 10th frame");
  // The socket falls behind: caught within the next 270 characters.
  buffered = 64 * 270 + 1;
  for (let n = 101; n <= 120; n++) {
    sender.push(frame(n));
    sender.flush();
  }
  equal(slow, 1);
  assert(socket.sent.length <= 110, `sent ${socket.sent.length}`);
});

Deno.test("a subscription that lost messages closes the socket like a slow one", async () => {
  const socket = new FakeSocket();
  let slow = 0;
  const sender = new FrameSender(socket, 1024, owner(() => slow++));
  const subscription = new RoomSubscription("general", null, sender);
  subscription.start(0);
  const message = (seq: number) =>
    new OutgoingRoomEvent({
      room: "general",
      seq,
      id: `m${seq}`,
      user: { id: "u_a", name: "a" },
      text: "hi",
      ts: 0,
    });
  subscription.deliverRoomEvent(message(1));
  subscription.deliverRoomEvent(message(5));
  equal(slow, 1);
  await nextTask();
  equal(socket.sent.length, 1); // message 1 only
});
