import { deepEqual, equal } from "node:assert/strict";
import type { ChatMessage, User } from "../protocol/types.ts";
import { MessageStore } from "../store/message_store.ts";
import { waitUntil } from "../../tests/helpers/wait.ts";
import type { FeedSink } from "./engine.ts";
import { KvRoomFeed, WATCH_KEYS } from "./kv_room_feed.ts";

const alice: User = { id: "u_alice", name: "alice" };

/** What the feed handed on, per room: event seqs and doorbell heads. */
class Sink implements FeedSink {
  readonly events_ = new Map<string, number[]>();
  readonly heads = new Map<string, number>();
  events(room: string, _epoch: string, messages: readonly ChatMessage[]) {
    const seqs = this.events_.get(room) ?? [];
    seqs.push(...messages.map((m) => m.seq));
    this.events_.set(room, seqs);
  }
  head(room: string, _epoch: string, seq: number) {
    this.heads.set(room, seq);
  }
}

/** A feed on one connection and a writer on another, to one KV file. */
async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "kv-feed-" });
  const writerKv = await Deno.openKv(`${dir}/chat.kv`);
  const readerKv = await Deno.openKv(`${dir}/chat.kv`);
  const store = new MessageStore(writerKv, 100);
  const sink = new Sink();
  const feed = new KvRoomFeed({
    kv: readerKv,
    epoch: "e1",
    sink,
    onError: (error) => {
      throw error;
    },
  });
  return {
    store,
    sink,
    feed,
    async close() {
      feed.stop();
      writerKv.close();
      readerKv.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test({
  name:
    "kv feed: more rooms than one watch takes are all carried, events and heads",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { store, sink, feed, close } = await setup();
    try {
      const rooms = Array.from(
        { length: WATCH_KEYS * 2 + 3 },
        (_, i) => `r${i}`,
      );
      for (const room of rooms) await feed.open(room);
      equal(feed.watches, 3);
      for (const room of rooms) {
        await store.append(room, alice, `${room}-1`, {
          type: "message",
          text: "hello",
        });
        await store.append(room, alice, `${room}-2`, {
          type: "message",
          text: "again",
        });
      }
      await waitUntil(
        "every room's head arrived",
        () => rooms.every((room) => sink.heads.get(room) === 2),
      );
      for (const room of rooms) {
        // The head carries its recent messages: the events come with it.
        equal(Math.max(...sink.events_.get(room)!), 2, room);
      }
    } finally {
      await close();
    }
  },
});

Deno.test({
  name:
    "kv feed: a closed room is no longer carried; its slot is reused and it can reopen",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { store, sink, feed, close } = await setup();
    try {
      for (let i = 0; i < WATCH_KEYS; i++) await feed.open(`r${i}`);
      equal(feed.watches, 1);
      feed.close("r0");
      await store.append("r0", alice, "closed-1", {
        type: "message",
        text: "unheard",
      });
      await store.append("r1", alice, "open-1", {
        type: "message",
        text: "heard",
      });
      await waitUntil("r1's head arrived", () => sink.heads.get("r1") === 1);
      equal(sink.heads.get("r0"), undefined, "a closed room is not handed on");
      // The closed room's slot takes a new room: still one watch.
      await feed.open("r10");
      equal(feed.watches, 1);
      await feed.open("r0");
      equal(feed.watches, 2);
      await store.append("r0", alice, "closed-2", {
        type: "message",
        text: "heard now",
      });
      await waitUntil("r0's head arrived", () => sink.heads.get("r0") === 2);
      deepEqual(new Set(sink.events_.get("r0")), new Set([1, 2]));
    } finally {
      await close();
    }
  },
});

Deno.test({
  name: "kv feed: a group with no open room stops watching",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { feed, close } = await setup();
    try {
      await feed.open("a");
      await feed.open("b");
      feed.close("a");
      equal(feed.watches, 1);
      feed.close("b");
      equal(feed.watches, 0);
      await feed.open("a");
      equal(feed.watches, 1);
    } finally {
      await close();
    }
  },
});
