import assert, { deepEqual, equal } from "node:assert/strict";
import type { ChatMessage, RoomEvent, User } from "../protocol/types.ts";
import { type AppendResult, MessageStore } from "./message_store.ts";
import { type RoomHead, roomKey } from "./keys.ts";

const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };

const seqs = (messages: RoomEvent[]) => messages.map((m) => m.seq);
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function withStore(
  retain: number,
  fn: (store: MessageStore, kv: Deno.Kv) => Promise<void>,
): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(new MessageStore(kv, retain), kv);
  } finally {
    kv.close();
  }
}

async function fill(store: MessageStore, room: string, count: number) {
  for (let i = 1; i <= count; i++) {
    await store.append(room, alice, `m${i}`, {
      type: "message",
      text: `text ${i}`,
    });
  }
}

Deno.test("seq starts at 1 and grows by 1; the message is stored as given", async () => {
  await withStore(100, async (store) => {
    const before = Date.now();
    const first = await store.append("general", alice, "a1", {
      type: "message",
      text: "hello",
    });
    equal(first.seq, 1);
    equal(first.duplicate, false);
    const message = first.event!;
    deepEqual({ ...message, ts: 0 }, {
      room: "general",
      seq: 1,
      id: "a1",
      user: alice,
      text: "hello",
      ts: 0,
    });
    assert(message.ts >= before && message.ts <= Date.now());
    equal(
      (await store.append("general", bob, "b1", {
        type: "message",
        text: "hi",
      })).seq,
      2,
    );
    equal(
      (await store.append("general", alice, "a2", {
        type: "message",
        text: "again",
      })).seq,
      3,
    );
    // Rooms count separately.
    equal(
      (await store.append("other", alice, "a1", {
        type: "message",
        text: "elsewhere",
      })).seq,
      1,
    );
    deepEqual(await store.meta("general"), {
      seq: 3,
      lastTs: (await store.range("general", 2, 3))[0].ts,
    });
    deepEqual(await store.meta("empty"), { seq: 0, lastTs: 0 });
    deepEqual(
      (await store.range("general", 0, 3)).map((
        m,
      ) => [m.seq, m.id, (m as ChatMessage).text]),
      [[1, "a1", "hello"], [2, "b1", "hi"], [3, "a2", "again"]],
    );
  });
});

Deno.test("a repeated id from the same user gets the same seq and is not stored twice", async () => {
  await withStore(100, async (store) => {
    const first = await store.append("general", alice, "x", {
      type: "message",
      text: "hello",
    });
    await store.append("general", bob, "y", {
      type: "message",
      text: "between",
    });
    const again = await store.append("general", alice, "x", {
      type: "message",
      text: "hello, edited",
    });
    deepEqual(again, { seq: first.seq, duplicate: true });
    // Another user's identical id is a different message.
    const bobs = await store.append("general", bob, "x", {
      type: "message",
      text: "mine",
    });
    deepEqual([bobs.seq, bobs.duplicate], [3, false]);
    // The same id in another room is a different message too.
    equal(
      (await store.append("other", alice, "x", {
        type: "message",
        text: "other",
      })).duplicate,
      false,
    );
    const stored = await store.range("general", 0, 10);
    deepEqual(
      stored.map((m) => [m.seq, m.user.id, m.id, (m as ChatMessage).text]),
      [
        [1, "u_alice", "x", "hello"],
        [2, "u_bob", "y", "between"],
        [3, "u_bob", "x", "mine"],
      ],
    );
    equal((await store.meta("general")).seq, 3);
  });
});

Deno.test("a repeated id is recognised by a fresh store (another isolate, a restart)", async () => {
  await withStore(100, async (store, kv) => {
    await store.append("general", alice, "x", {
      type: "message",
      text: "hello",
    });
    const fresh = new MessageStore(kv, 100);
    deepEqual(
      await fresh.append("general", alice, "x", {
        type: "message",
        text: "hello",
      }),
      {
        seq: 1,
        duplicate: true,
      },
    );
    equal(
      (await fresh.append("general", alice, "y", {
        type: "message",
        text: "next",
      })).seq,
      2,
    );
  });
});

Deno.test("duplicates within one batch share one seq", async () => {
  await withStore(100, async (store) => {
    const commits: number[][] = [];
    store.onCommit((_room, messages) => commits.push(seqs(messages)));
    const results = await Promise.all([
      store.append("general", alice, "one", { type: "message", text: "1" }),
      store.append("general", alice, "two", { type: "message", text: "2" }),
      store.append("general", alice, "one", {
        type: "message",
        text: "1 again",
      }),
      store.append("general", bob, "one", { type: "message", text: "bob's" }),
      store.append("general", alice, "two", {
        type: "message",
        text: "2 again",
      }),
      store.append("general", alice, "three", { type: "message", text: "3" }),
    ]);
    deepEqual(results.map((r) => [r.seq, r.duplicate]), [
      [1, false],
      [2, false],
      [1, true],
      [3, false],
      [2, true],
      [4, false],
    ]);
    deepEqual(
      (await store.range("general", 0, 10)).map((m) => [m.user.id, m.id]),
      [["u_alice", "one"], ["u_alice", "two"], ["u_bob", "one"], [
        "u_alice",
        "three",
      ]],
    );
    deepEqual(commits.flat(), [1, 2, 3, 4]);
  });
});

Deno.test("a batch holding an id stored earlier resolves it as a duplicate and stores the rest", async () => {
  await withStore(100, async (store) => {
    await store.append("general", alice, "old", {
      type: "message",
      text: "first",
    });
    const results = await Promise.all([
      store.append("general", alice, "new1", { type: "message", text: "a" }),
      store.append("general", alice, "old", {
        type: "message",
        text: "first again",
      }),
      store.append("general", alice, "new2", { type: "message", text: "b" }),
      store.append("general", alice, "old", {
        type: "message",
        text: "and again",
      }),
      store.append("general", alice, "new3", { type: "message", text: "c" }),
    ]);
    deepEqual(results.map((r) => [r.seq, r.duplicate]), [
      [2, false],
      [1, true],
      [3, false],
      [1, true],
      [4, false],
    ]);
    deepEqual(
      (await store.range("general", 0, 10)).map((m) => m.id),
      ["old", "new1", "new2", "new3"],
    );
  });
});

Deno.test("concurrent writers on two KV handles of one file never share a seq", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv.sqlite`;
  const kv1 = await Deno.openKv(path);
  const kv2 = await Deno.openKv(path);
  try {
    const stores = [new MessageStore(kv1, 1000), new MessageStore(kv2, 1000)];
    const pending: Promise<AppendResult>[] = [];
    for (let i = 0; i < 100; i++) {
      stores.forEach((store, s) =>
        pending.push(
          store.append("general", alice, `s${s}-${i}`, {
            type: "message",
            text: `${s}/${i}`,
          }),
        )
      );
    }
    const results = await Promise.all(pending);
    assert(results.every((r) => !r.duplicate));
    deepEqual(results.map((r) => r.seq).sort((a, b) => a - b), range(1, 200));
    const stored = await stores[0].range("general", 0, 1000);
    deepEqual(seqs(stored), range(1, 200));
    const ids = stored.map((m) => m.id);
    equal(new Set(ids).size, 200);
    // Each append's seq is the one its message was stored under.
    const byId = new Map(stored.map((m) => [m.id, m.seq]));
    pending.forEach((_, i) => {
      const s = i % 2;
      const n = Math.floor(i / 2);
      equal(byId.get(`s${s}-${n}`), results[i].seq);
    });
    // Each store's own appends stay in submission order.
    for (const s of [0, 1]) {
      const own = stored.filter((m) => m.id.startsWith(`s${s}-`));
      deepEqual(own.map((m) => m.id), range(0, 99).map((n) => `s${s}-${n}`));
    }
    equal((await stores[1].meta("general")).seq, 200);
  } finally {
    kv1.close();
    kv2.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("concurrent retries of the same ids on two handles store each id once", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv.sqlite`;
  const kv1 = await Deno.openKv(path);
  const kv2 = await Deno.openKv(path);
  try {
    const stores = [new MessageStore(kv1, 1000), new MessageStore(kv2, 1000)];
    const pending: Promise<AppendResult>[] = [];
    for (let i = 0; i < 50; i++) {
      for (const store of stores) {
        pending.push(
          store.append("general", alice, `id${i}`, {
            type: "message",
            text: `text ${i}`,
          }),
        );
      }
    }
    const results = await Promise.all(pending);
    const stored = await stores[0].range("general", 0, 1000);
    deepEqual(seqs(stored), range(1, 50));
    equal(new Set(stored.map((m) => m.id)).size, 50);
    equal(results.filter((r) => r.duplicate).length, 50);
    const byId = new Map(stored.map((m) => [m.id, m.seq]));
    pending.forEach((_, i) => {
      equal(results[i].seq, byId.get(`id${Math.floor(i / 2)}`));
    });
  } finally {
    kv1.close();
    kv2.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a burst of maximum-size messages is stored, in batches KV accepts", async () => {
  await withStore(1000, async (store) => {
    // 4000 astral characters are 16 KB each: 64 of them exceed KV's 800 KiB
    // atomic limit, so the store must split the batch.
    const text = "😀".repeat(4000);
    const results = await Promise.all(
      Array.from(
        { length: 100 },
        (_, i) =>
          store.append("general", alice, `big${i}`, {
            type: "message",
            text: text,
          }),
      ),
    );
    deepEqual(results.map((r) => r.seq), range(1, 100));
    const stored = await store.range("general", 0, 100);
    equal(stored.length, 100);
    assert(stored.every((m) => (m as ChatMessage).text === text));
  });
});

Deno.test("retention keeps the last `retain` messages and since() reports recovery", async () => {
  await withStore(100, async (store) => {
    await fill(store, "general", 130);
    const page = await store.history("general", undefined, 100);
    deepEqual(seqs(page.messages), range(31, 130));
    equal(page.hasMore, false);
    deepEqual(seqs(await store.range("general", 0, 130)), range(31, 130));

    const lost = await store.since("general", 5, 50);
    equal(lost.recovered, false);
    equal(lost.head, 130);
    deepEqual(seqs(lost.messages), range(81, 130));

    const kept = await store.since("general", 40, 50);
    equal(kept.recovered, true);
    equal(kept.head, 130);
    equal(kept.messages.length, 90);
    deepEqual(seqs(kept.messages), range(41, 130));

    // The oldest recoverable cursor is just before the oldest retained message.
    const edge = await store.since("general", 30, 50);
    equal(edge.recovered, true);
    deepEqual(seqs(edge.messages), range(31, 130));
    equal((await store.since("general", 29, 50)).recovered, false);

    const upToDate = await store.since("general", 130, 50);
    deepEqual([upToDate.recovered, upToDate.messages], [true, []]);

    const ahead = await store.since("general", 131, 50);
    equal(ahead.recovered, false);
    equal(ahead.head, 130);
    deepEqual(seqs(ahead.messages), range(81, 130));
  });
});

Deno.test("since() on an empty room", async () => {
  await withStore(100, async (store) => {
    deepEqual(await store.since("empty", 0, 50), {
      head: 0,
      messages: [],
      recovered: true,
    });
    deepEqual(await store.since("empty", 3, 50), {
      head: 0,
      messages: [],
      recovered: false,
    });
  });
});

Deno.test("history pages backwards with before and limit, oldest first", async () => {
  await withStore(100, async (store) => {
    await fill(store, "general", 25);
    const latest = await store.history("general", undefined, 10);
    deepEqual(seqs(latest.messages), range(16, 25));
    equal(latest.hasMore, true);
    const older = await store.history("general", 16, 10);
    deepEqual(seqs(older.messages), range(6, 15));
    equal(older.hasMore, true);
    const oldest = await store.history("general", 6, 10);
    deepEqual(seqs(oldest.messages), range(1, 5));
    equal(oldest.hasMore, false);
    const exact = await store.history("general", 11, 10);
    deepEqual(seqs(exact.messages), range(1, 10));
    equal(exact.hasMore, false);
    deepEqual(await store.history("general", 1, 10), {
      messages: [],
      hasMore: false,
    });
    const all = await store.history("general", undefined, 25);
    deepEqual([all.messages.length, all.hasMore], [25, false]);
    deepEqual(await store.history("empty", undefined, 10), {
      messages: [],
      hasMore: false,
    });
    // Another room's messages never leak into the page.
    await fill(store, "generalx", 3);
    deepEqual(seqs((await store.history("general", undefined, 3)).messages), [
      23,
      24,
      25,
    ]);
  });
});

Deno.test("latest returns the last messages and the head", async () => {
  await withStore(100, async (store) => {
    await fill(store, "general", 12);
    const { messages, head } = await store.latest("general", 5);
    equal(head.seq, 12);
    deepEqual(seqs(messages), range(8, 12));
  });
});

Deno.test("range returns after < seq <= upTo", async () => {
  await withStore(100, async (store) => {
    await fill(store, "general", 10);
    deepEqual(seqs(await store.range("general", 3, 7)), [4, 5, 6, 7]);
    deepEqual(seqs(await store.range("general", 9, 20)), [10]);
    deepEqual(await store.range("general", 5, 5), []);
    deepEqual(await store.range("general", 7, 3), []);
    deepEqual(seqs(await store.range("general", 0, 1)), [1]);
  });
});

Deno.test("rooms lists every room with messages and its head", async () => {
  await withStore(100, async (store) => {
    deepEqual(await store.rooms(), []);
    await fill(store, "beta", 2);
    await fill(store, "alpha", 3);
    const rooms = await store.rooms();
    deepEqual(rooms.map(({ room, seq }) => [room, seq]), [
      ["alpha", 3],
      ["beta", 2],
    ]);
    const [alpha] = await store.range("alpha", 2, 3);
    equal(rooms[0].lastTs, alpha.ts);
  });
});

Deno.test("onCommit gets every new message once, in seq order, per room", async () => {
  await withStore(100, async (store) => {
    const batches: Array<[string, number[]]> = [];
    store.onCommit((room, messages) => batches.push([room, seqs(messages)]));
    const second: Array<[string, number[]]> = [];
    store.onCommit((room, messages) => second.push([room, seqs(messages)]));
    const pending: Promise<AppendResult>[] = [];
    for (let i = 0; i < 30; i++) {
      pending.push(
        store.append("a", alice, `a${i}`, { type: "message", text: "x" }),
      );
      if (i % 3 === 0) {
        pending.push(
          store.append("b", bob, `b${i}`, { type: "message", text: "y" }),
        );
      }
    }
    pending.push(
      store.append("a", alice, "a0", { type: "message", text: "duplicate" }),
    );
    await Promise.all(pending);
    await store.append("a", alice, "a0", {
      type: "message",
      text: "duplicate, alone",
    });

    for (const room of ["a", "b"]) {
      const flat = batches.filter(([r]) => r === room).flatMap(([, s]) => s);
      deepEqual(flat, range(1, room === "a" ? 30 : 10));
    }
    // Batches are contiguous runs and none is empty.
    for (const [, batch] of batches) {
      assert(batch.length > 0);
      deepEqual(batch, range(batch[0], batch.at(-1)!));
    }
    assert(batches.length < 40, "appends were batched");
    deepEqual(second, batches);
  });
});

/** The seqs `room`'s head record keeps in `recent`. */
async function headRecent(kv: Deno.Kv, room: string): Promise<number[]> {
  return seqs((await kv.get<RoomHead>(roomKey(room))).value?.recent ?? []);
}

Deno.test("meta and rooms give seq and lastTs only, not the head's recent messages", async () => {
  await withStore(100, async (store, kv) => {
    await fill(store, "alpha", 3);
    await fill(store, "beta", 1);
    // The heads do hold messages.
    deepEqual(await headRecent(kv, "alpha"), [1, 2, 3]);
    deepEqual(await headRecent(kv, "beta"), [1]);
    const [third] = await store.range("alpha", 2, 3);
    const [first] = await store.range("beta", 0, 1);
    deepEqual(await store.meta("alpha"), { seq: 3, lastTs: third.ts });
    deepEqual(await store.rooms(), [
      { room: "alpha", seq: 3, lastTs: third.ts },
      { room: "beta", seq: 1, lastTs: first.ts },
    ]);
    // Nor once a message larger than the head's budget emptied it.
    await store.append("alpha", alice, "big", {
      type: "message",
      text: "x".repeat(1000),
    });
    deepEqual(await headRecent(kv, "alpha"), []);
    const [big] = await store.range("alpha", 3, 4);
    deepEqual(await store.meta("alpha"), { seq: 4, lastTs: big.ts });
    deepEqual((await store.rooms())[0], {
      room: "alpha",
      seq: 4,
      lastTs: big.ts,
    });
  });
});

Deno.test("reads before and after messages move from the head into a segment agree", async () => {
  await withStore(1000, async (store, kv) => {
    await fill(store, "general", 20);
    // Page back from the latest while they are in the head.
    let recent = await headRecent(kv, "general");
    deepEqual(recent.slice(-2), [19, 20]);
    const latest = await store.history("general", undefined, 2);
    deepEqual(seqs(latest.messages), [19, 20]);
    const since = await store.since("general", 18, 10);
    deepEqual(seqs(since.messages), [19, 20]);
    // Append until the head hands its messages on to a segment.
    let head = 20;
    let spilled = false;
    while (!spilled) {
      head++;
      await store.append("general", bob, `n${head}`, {
        type: "message",
        text: `text ${head}`,
      });
      const now = await headRecent(kv, "general");
      spilled = now.length === 0 || now[0] > recent[0];
      recent = now;
    }
    assert(!recent.includes(19), "19 and 20 are in a segment now");
    // The next page continues where the first stopped: nothing lost or twice.
    const next = await store.history("general", 19, 5);
    deepEqual([seqs(next.messages), next.hasMore], [range(14, 18), true]);
    const newer = await store.since("general", 20, 50);
    deepEqual([newer.recovered, seqs(newer.messages)], [true, range(21, head)]);
    deepEqual(seqs(await store.range("general", 17, head)), range(18, head));
    const all = await store.history("general", undefined, 1000);
    deepEqual([seqs(all.messages), all.hasMore], [range(1, head), false]);
  });
});
