import assert, { deepEqual, equal } from "node:assert/strict";
import { sleep, waitUntil } from "../../tests/helpers/wait.ts";
import type { RoomEvent, User } from "../protocol/types.ts";
import { MessageStore } from "../store/message_store.ts";
import type { OutgoingRoomEvent } from "./outgoing.ts";
import { type ChannelStats, RoomChannel } from "./room_channel.ts";
import type { RoomSubscriber } from "./subscriber.ts";

const seqs = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

const alice: User = { id: "u_alice", name: "alice" };
const ROOM = "general";

/** A subscriber that records the seqs (and frames) it is handed. */
class Recorder implements RoomSubscriber {
  readonly user = null;
  readonly seqs: number[] = [];
  readonly frames: string[] = [];
  deliverRoomEvent(message: OutgoingRoomEvent): void {
    this.seqs.push(message.event.seq);
    this.frames.push(message.frame);
  }
  deliverEvent(): void {}
  lost(): void {}
  removed(): void {}
}

interface Fixture {
  store: MessageStore;
  channel: RoomChannel;
  recorder: Recorder;
  stats: ChannelStats;
  errors: unknown[];
  reads: Array<[number, number]>;
  /** Appends `count` messages to storage (not to the channel) and returns them. */
  append(count: number): Promise<RoomEvent[]>;
}

async function withChannel(
  head: number,
  fn: (f: Fixture) => Promise<void>,
  retain = 1000,
): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  const store = new MessageStore(kv, retain);
  const stats: ChannelStats = { refills: 0, refilled: 0, expired: 0 };
  const errors: unknown[] = [];
  const reads: Array<[number, number]> = [];
  const channel = new RoomChannel(
    ROOM,
    "e1",
    head,
    (room, after, upTo) => {
      reads.push([after, upTo]);
      return store.range(room, after, upTo);
    },
    stats,
    (error) => errors.push(error),
  );
  const recorder = new Recorder();
  channel.subscribers.add(recorder);
  let next = 0;
  const append = async (count: number) => {
    const out: RoomEvent[] = [];
    for (let i = 0; i < count; i++) {
      const { event: message } = await store.append(ROOM, alice, `m${++next}`, {
        type: "message",
        text: "hi",
      });
      out.push(message!);
    }
    return out;
  };
  try {
    await fn({ store, channel, recorder, stats, errors, reads, append });
  } finally {
    channel.close();
    kv.close();
  }
}

Deno.test("messages in order are delivered at once, as message frames", async () => {
  await withChannel(0, async ({ channel, recorder, stats, append }) => {
    const [m1, m2, m3] = await append(3);
    channel.ingest([m1]);
    deepEqual(recorder.seqs, [1]);
    channel.ingest([m2, m3]);
    deepEqual(recorder.seqs, [1, 2, 3]);
    equal(channel.head, 3);
    deepEqual(JSON.parse(recorder.frames[1]), { type: "message", ...m2 });
    await sleep(60); // past the reorder grace: nothing to refill
    deepEqual(stats, { refills: 0, refilled: 0, expired: 0 });
  });
});

Deno.test("duplicates are ignored, whatever their source", async () => {
  await withChannel(0, async ({ channel, recorder, append }) => {
    const [m1, m2] = await append(2);
    channel.ingest([m1, m1, m2]);
    channel.ingest([m2, m1]);
    channel.ingest([{ ...m1 }]);
    deepEqual(recorder.seqs, [1, 2]);
    equal(channel.head, 2);
  });
});

Deno.test("a channel opened at a head ignores messages up to it", async () => {
  await withChannel(2, async ({ channel, recorder, append }) => {
    const [m1, m2, m3] = await append(3);
    channel.ingest([m1, m2]);
    deepEqual(recorder.seqs, []);
    channel.ingest([m3]);
    deepEqual(recorder.seqs, [3]);
  });
});

Deno.test("out-of-order messages are held and delivered in order, once", async () => {
  await withChannel(0, async ({ channel, recorder, stats, reads, append }) => {
    const [m1, m2, m3, m4] = await append(4);
    channel.ingest([m3]);
    channel.ingest([m4, m2]);
    deepEqual(recorder.seqs, []);
    equal(channel.head, 0);
    channel.ingest([m1]);
    deepEqual(recorder.seqs, [1, 2, 3, 4]);
    channel.ingest([m3, m4]);
    deepEqual(recorder.seqs, [1, 2, 3, 4]);
    await sleep(60); // past the reorder grace: the gap closed by itself
    deepEqual(stats, { refills: 0, refilled: 0, expired: 0 });
    deepEqual(reads, []);
  });
});

Deno.test("a gap that the bus never fills is refilled from storage", async () => {
  await withChannel(0, async ({ channel, recorder, stats, reads, append }) => {
    const [m1, , m3] = await append(3);
    channel.ingest([m1]);
    channel.ingest([m3]); // 2 was lost on the bus
    deepEqual(recorder.seqs, [1]);
    await waitUntil("refill of seq 2", () => recorder.seqs.length === 3);
    deepEqual(recorder.seqs, [1, 2, 3]);
    deepEqual(reads, [[1, 3]]);
    equal(stats.refills, 1);
    // Only 2 came from storage; 3 was held from the bus.
    equal(stats.refilled, 1);
    equal(channel.head, 3);
  });
});

Deno.test("observeHead alone triggers a refill", async () => {
  await withChannel(0, async ({ channel, recorder, stats, reads, append }) => {
    await append(3);
    channel.observeHead(3);
    await waitUntil("refill of 1..3", () => recorder.seqs.length === 3);
    deepEqual(recorder.seqs, [1, 2, 3]);
    deepEqual(reads, [[0, 3]]);
    deepEqual(stats, { refills: 1, refilled: 3, expired: 0 });
    // A head already delivered is no news.
    channel.observeHead(2);
    channel.observeHead(3);
    await sleep(60);
    deepEqual(reads, [[0, 3]]);
  });
});

Deno.test("a refill retries until storage shows what the head promised", async () => {
  await withChannel(0, async ({ channel, recorder, stats, reads, append }) => {
    await append(2);
    channel.observeHead(4); // 3 and 4 are not yet visible in storage
    await waitUntil("refill of 1..2", () => recorder.seqs.length === 2);
    await append(2);
    await waitUntil("refill of 3..4", () => recorder.seqs.length === 4);
    deepEqual(recorder.seqs, [1, 2, 3, 4]);
    deepEqual(reads[0], [0, 4]);
    deepEqual(reads.map(([, upTo]) => upTo), reads.map(() => 4));
    assert(reads.length >= 2);
    equal(stats.refilled, 4);
    equal(stats.refills, reads.length);
  });
});

Deno.test("every subscriber gets each message; one that throws does not stop the rest", async () => {
  await withChannel(0, async ({ channel, recorder, errors, append }) => {
    const failure = new Error("socket gone");
    const thrower: RoomSubscriber = {
      user: null,
      deliverRoomEvent() {
        throw failure;
      },
      deliverEvent() {},
      lost() {},
      removed() {},
    };
    const second = new Recorder();
    channel.subscribers.add(thrower);
    channel.subscribers.add(second);
    channel.ingest(await append(2));
    deepEqual(recorder.seqs, [1, 2]);
    deepEqual(second.seqs, [1, 2]);
    deepEqual(errors, [failure, failure]);
  });
});

Deno.test("a failing range read is reported and retried", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = new MessageStore(kv, 1000);
  const stats: ChannelStats = { refills: 0, refilled: 0, expired: 0 };
  const errors: unknown[] = [];
  let calls = 0;
  const channel = new RoomChannel(
    ROOM,
    "e1",
    0,
    (room, after, upTo) => {
      if (++calls === 1) return Promise.reject(new Error("KV unavailable"));
      return store.range(room, after, upTo);
    },
    stats,
    (error) => errors.push(error),
  );
  const recorder = new Recorder();
  channel.subscribers.add(recorder);
  try {
    await store.append(ROOM, alice, "a", { type: "message", text: "one" });
    channel.observeHead(1);
    await waitUntil("refill after failure", () => recorder.seqs.length === 1);
    deepEqual(recorder.seqs, [1]);
    equal(errors.length, 1);
    assert(errors[0] instanceof Error);
    equal(errors[0].message, "KV unavailable");
    deepEqual(stats, { refills: 1, refilled: 1, expired: 0 });
  } finally {
    channel.close();
    kv.close();
  }
});

Deno.test("a gap older than retention is skipped: delivery goes on from the oldest stored", async () => {
  await withChannel(0, async ({ channel, recorder, stats, append }) => {
    const stored = await append(150); // storage keeps the latest 100
    channel.ingest([stored[0]]);
    deepEqual(recorder.seqs, [1]);
    channel.ingest([stored[149]]); // 2..149 missed on the bus
    await waitUntil("refill", () => recorder.seqs.length > 1);
    deepEqual(recorder.seqs, [1, ...seqs(51, 150)]);
    equal(channel.head, 150);
    equal(stats.expired, 49);
    equal(stats.refilled, 99);
  }, 100);
});

Deno.test("a channel closed during a refill neither reports its failure nor retries", async () => {
  const stats: ChannelStats = { refills: 0, refilled: 0, expired: 0 };
  const errors: unknown[] = [];
  let reads = 0;
  let fail!: (error: Error) => void;
  const channel = new RoomChannel(
    ROOM,
    "e1",
    0,
    () => {
      reads++;
      return new Promise((_, reject) => fail = reject);
    },
    stats,
    (error) => errors.push(error),
  );
  channel.observeHead(3);
  await waitUntil("the refill started", () => reads === 1);
  channel.close(); // as at shutdown, before storage closes
  fail(new TypeError("Database is closed."));
  await sleep(300);
  deepEqual(errors, []);
  equal(reads, 1);
  channel.observeHead(5);
  await sleep(50);
  equal(reads, 1);
});
