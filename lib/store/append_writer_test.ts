import assert, { deepEqual, equal } from "node:assert/strict";
import { serialize } from "node:v8";
import { type AppendResult, AppendWriter, GATHER_MS } from "./append_writer.ts";
import type { ChatMessage, RoomEvent } from "../protocol/types.ts";
import { type RoomHead, roomKey, segmentsPrefix } from "./keys.ts";
import { MessageStore } from "./message_store.ts";
import { FakeClock } from "../client/fake_clock.ts";
import { RECENT_BUDGET_BYTES, storedSize } from "./segments.ts";

const alice = { id: "u_alice", name: "alice" };
const bob = { id: "u_bob", name: "bob" };

async function twoHandles<T>(
  fn: (a: Deno.Kv, b: Deno.Kv) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "append-writer-" });
  const a = await Deno.openKv(`${dir}/chat.kv`);
  const b = await Deno.openKv(`${dir}/chat.kv`);
  try {
    return await fn(a, b);
  } finally {
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("appends to many rooms share commits and keep each room's seq contiguous", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const writer = new AppendWriter(kv, { retain: 1000 });
    const commits: Array<[string, number[], string]> = [];
    writer.onCommit((room, messages, vs) =>
      commits.push([room, messages.map((m) => m.seq), vs])
    );
    const results = await Promise.all(
      Array.from(
        { length: 300 },
        (_, i) =>
          writer.append(`r${i % 30}`, alice, `m${i}`, {
            type: "message",
            text: `text ${i}`,
          }),
      ),
    );
    for (let room = 0; room < 30; room++) {
      const seqs = results.filter((_, i) => i % 30 === room).map((r) => r.seq);
      deepEqual(
        seqs,
        Array.from({ length: 10 }, (_, i) => i + 1),
        `room r${room}`,
      );
    }
    const versionstamps = new Set(commits.map(([, , vs]) => vs));
    assert(
      versionstamps.size < commits.length,
      "several rooms were committed together",
    );
    equal(writer.conflicts, 0);
  } finally {
    kv.close();
  }
});

Deno.test("two writers on one database never share or skip a seq", async () => {
  await twoHandles(async (kvA, kvB) => {
    const a = new AppendWriter(kvA, { retain: 10_000 });
    const b = new AppendWriter(kvB, { retain: 10_000 });
    // a, then b, appends once to every room: a's tails are then behind, so
    // the writers race however the two handles happen to be scheduled.
    for (const [writer, user] of [[a, alice], [b, bob]] as const) {
      for (let room = 0; room < 3; room++) {
        const { seq } = await writer.append(`room${room}`, user, "w", {
          type: "message",
          text: "warm",
        });
        equal(seq, writer === a ? 1 : 2);
      }
    }
    const sends: Promise<AppendResult>[] = [];
    for (let i = 0; i < 200; i++) {
      sends.push(
        a.append(`room${i % 3}`, alice, `a${i}`, {
          type: "message",
          text: "from a",
        }),
      );
      sends.push(
        b.append(`room${i % 3}`, bob, `b${i}`, {
          type: "message",
          text: "from b",
        }),
      );
    }
    const results = await Promise.all(sends);
    for (let room = 0; room < 3; room++) {
      const seqs = results
        .filter((_, i) => Math.floor(i / 2) % 3 === room)
        .map((r) => r.seq)
        .sort((x, y) => x - y);
      // 1 and 2 are the warm-up's.
      deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => i + 3),
        `room${room}`,
      );
    }
    assert(results.every((r) => !r.duplicate));
    assert(a.conflicts + b.conflicts > 0, "the writers did race");
  });
});

Deno.test("a repeated id across writers finds its first seq", async () => {
  await twoHandles(async (kvA, kvB) => {
    const a = new AppendWriter(kvA, { retain: 100 });
    const b = new AppendWriter(kvB, { retain: 100 });
    const first = await a.append("room", alice, "same", {
      type: "message",
      text: "hello",
    });
    await b.append("room", bob, "other", { type: "message", text: "hi" });
    const again = await a.append("room", alice, "same", {
      type: "message",
      text: "hello",
    });
    deepEqual(again, { seq: first.seq, duplicate: true });
    const viaB = await b.append("room", alice, "same", {
      type: "message",
      text: "hello",
    });
    deepEqual(viaB, { seq: first.seq, duplicate: true });
  });
});

Deno.test("messages learned from another writer avoid a conflicting commit", async () => {
  await twoHandles(async (kvA, kvB) => {
    const a = new AppendWriter(kvA, { retain: 100 });
    const b = new AppendWriter(kvB, { retain: 100 });
    await b.append("room", bob, "b0", {
      type: "message",
      text: "warm b's cache",
    });
    let last: { messages: RoomEvent[]; vs: string } | undefined;
    a.onCommit((_room, messages, vs) => last = { messages, vs });
    await a.append("room", alice, "a1", { type: "message", text: "from a" });
    assert(last);
    b.learnCommit("room", last.messages, last.vs);
    const result = await b.append("room", bob, "b1", {
      type: "message",
      text: "from b",
    });
    equal(result.seq, 3);
    equal(b.conflicts, 0);
  });
});

const seqs = (messages: RoomEvent[]) => messages.map((m) => m.seq);
const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/**
 * Every stored message of `room`: its segments (each keyed by its first seq),
 * then the head's `recent`.
 */
async function storedMessages(
  kv: Deno.Kv,
  room: string,
): Promise<RoomEvent[]> {
  const stored: RoomEvent[] = [];
  const iter = kv.list<RoomEvent[]>({ prefix: segmentsPrefix(room) });
  for await (const { key, value } of iter) {
    equal(key[2], value[0].seq, `segment key of ${room}`);
    stored.push(...value);
  }
  const head = await kv.get<RoomHead>(roomKey(room));
  return [...stored, ...head.value?.recent ?? []];
}

Deno.test("the head row the writer writes stays small: recent within its budget, ending at the head", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const writer = new AppendWriter(kv, { retain: 1000 });
    let kept = 0;
    let emptied = 0;
    let largest = 0;
    let n = 0;
    for (let round = 1; round <= 300; round++) {
      // Mostly one at a time, now and then a burst sharing a commit.
      const count = round % 10 === 0 ? 2 + round % 7 : 1;
      await Promise.all(Array.from({ length: count }, () => {
        n++;
        const user = n % 3 ? alice : bob;
        return writer.append("general", user, `m${n}`, {
          type: "message",
          text: "x".repeat(n % 90),
        });
      }));
      const { value: head } = await kv.get<RoomHead>(roomKey("general"));
      const recent = head!.recent ?? [];
      const label = `after ${n}`;
      equal(head!.seq, n, label);
      // Exactly the latest messages, as a run ending at the head.
      deepEqual(seqs(recent), range(n - recent.length + 1, n), label);
      const bytes = recent.reduce((sum, m) => sum + storedSize(m), 0);
      assert(bytes <= RECENT_BUDGET_BYTES, `${label}: recent is ${bytes}`);
      // What KV stores: well within a SQLite row that needs no overflow page.
      const size = serialize(head).length;
      assert(size <= 1000, `${label}: the head is ${size} bytes`);
      largest = Math.max(largest, size);
      if (recent.length > 0) kept++;
      else emptied++;
    }
    // Both happened: the head kept messages, and handed them on.
    assert(kept > 100 && emptied > 30, `kept ${kept}, emptied ${emptied}`);
    assert(largest > 400, `the largest head was ${largest} bytes`);
    deepEqual(seqs(await storedMessages(kv, "general")), range(1, n));
  } finally {
    kv.close();
  }
});

Deno.test("writers that learn each other's commits write correct heads: every seq stored once", async () => {
  await twoHandles(async (kvA, kvB) => {
    const stores = [new MessageStore(kvA, 1000), new MessageStore(kvB, 1000)];
    const users = [alice, bob];
    const learned: Array<Array<[RoomEvent[], string]>> = [[], []];
    stores.forEach((store, i) =>
      store.onCommit((_room, messages, vs) => learned[i].push([messages, vs]))
    );
    // Short messages stay in the head a while; now and then one larger
    // than the head's budget.
    const text = (n: number) =>
      n % 13 === 0 ? "ж".repeat(450) : n % 4 === 0 ? "y".repeat(100) : `${n}`;
    const total = 150;
    let n = 0;
    for (let turn = 0; n < total; turn++) {
      const w = turn % 2;
      // One message or a few in one commit, then the other writer learns it.
      const count = Math.min(total - n, turn % 5 === 4 ? 3 : 1);
      const results = await Promise.all(Array.from({ length: count }, () => {
        n++;
        return stores[w].append("room", users[w], `n${n}`, {
          type: "message",
          text: text(n),
        });
      }));
      deepEqual(results.map((r) => r.seq), range(n - count + 1, n));
      for (const [messages, vs] of learned[w].splice(0)) {
        stores[1 - w].learnCommit("room", messages, vs);
      }
      const stored = await storedMessages(kvA, "room");
      deepEqual(seqs(stored), range(1, n), `stored after ${n}`);
    }
    // No commit had to find out about the other writer's by failing.
    deepEqual(stores.map((store) => store.conflicts), [0, 0]);
    const stored = await storedMessages(kvB, "room");
    deepEqual(
      stored.map((m) => [m.seq, m.id, (m as ChatMessage).text]),
      range(1, total).map((n) => [n, `n${n}`, text(n)]),
    );
    for (const store of stores) {
      deepEqual(seqs(await store.range("room", 0, total)), range(1, total));
      deepEqual(seqs(await store.range("room", 37, 141)), range(38, 141));
      // History, page by page from the latest: each seq exactly once.
      const paged: number[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await store.history("room", before, 7);
        paged.unshift(...seqs(page.messages));
        if (!page.hasMore) break;
        before = page.messages[0].seq;
      }
      deepEqual(paged, range(1, total));
      deepEqual((await store.meta("room")).seq, total);
    }
  });
});

Deno.test("a commit learned while the writer reads another room's tail is caught up before committing", async () => {
  await twoHandles(async (kvA, kvB) => {
    // B's database, where reading r2's head first lets A commit to r1 and B
    // learn of it: as when the bus delivers a commit during that read.
    let duringR2Read: (() => Promise<void>) | undefined;
    const viaB = new Proxy(kvB, {
      get(target, property) {
        if (property === "get") {
          return async (key: Deno.KvKey) => {
            const run = key[1] === "r2" ? duringR2Read : undefined;
            if (run) {
              duringR2Read = undefined;
              await run();
            }
            return target.get(key);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const a = new AppendWriter(kvA, { retain: 100 });
    const b = new AppendWriter(viaB, { retain: 100 });
    let commits = new Map<string, [RoomEvent[], string]>();
    a.onCommit((room, messages, vs) => commits.set(room, [messages, vs]));
    const learnAll = () => {
      for (const [room, [messages, vs]] of commits) {
        b.learnCommit(room, messages, vs);
      }
      commits = new Map();
    };
    await b.append("r1", bob, "b1", { type: "message", text: "x" });
    await b.append("r2", bob, "b2", { type: "message", text: "x" });
    await a.append("r1", alice, "a1", { type: "message", text: "x" });
    await a.append("r2", alice, "a2", { type: "message", text: "x" });
    learnAll();
    let learnedDuringRead = false;
    duringR2Read = async () => {
      await a.append("r1", alice, "a3", { type: "message", text: "x" });
      learnAll();
      learnedDuringRead = true;
    };
    // The first append keeps b busy, so that r1 and r2 share the next batch.
    const [, r1, r2] = await Promise.all([
      b.append("r0", bob, "busy", { type: "message", text: "x" }),
      b.append("r1", bob, "b3", { type: "message", text: "x" }),
      b.append("r2", bob, "b4", { type: "message", text: "x" }),
    ]);
    equal(learnedDuringRead, true, "A committed while B read r2's head");
    deepEqual([r1.seq, r2.seq], [4, 3]);
    deepEqual(
      (await storedMessages(kvA, "r1")).map((m) => [m.seq, m.id]),
      [[1, "b1"], [2, "a1"], [3, "a3"], [4, "b3"]],
    );
    deepEqual(
      (await storedMessages(kvA, "r2")).map((m) => [m.seq, m.id]),
      [[1, "b2"], [2, "a2"], [3, "b4"]],
    );
    equal(b.conflicts, 0);
  });
});

Deno.test("a writer that keeps losing a room's race asks the others to hold, every second loss", async () => {
  await twoHandles(async (kvA, kvB) => {
    const a = new AppendWriter(kvA, { retain: 100 });
    // B's database, where A commits to the room just before each of B's
    // first four commits: B's view of the head is always one behind.
    let interruptions = 4;
    const viaB = new Proxy(kvB, {
      get(target, property) {
        if (property === "atomic") {
          return () => {
            const atomic = target.atomic();
            const commit = atomic.commit.bind(atomic);
            atomic.commit = async () => {
              if (interruptions > 0) {
                interruptions--;
                await a.append("hot", alice, `a${interruptions}`, {
                  type: "message",
                  text: "x",
                });
              }
              return commit();
            };
            return atomic;
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const b = new AppendWriter(viaB, { retain: 100 });
    const asked: Array<[string[], number]> = [];
    b.onContention((rooms, ms) => asked.push([rooms, ms]));
    const { seq } = await b.append("hot", bob, "b1", {
      type: "message",
      text: "x",
    });
    equal(seq, 5);
    equal(b.conflicts, 4);
    deepEqual(asked.map(([rooms]) => rooms), [["hot"], ["hot"]]);
    assert(asked.every(([, ms]) => ms > 0));
  });
});

Deno.test("a held room's appends wait for the hold to end; other rooms' commit meanwhile", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const clock = new FakeClock();
    const writer = new AppendWriter(kv, { retain: 100, clock });
    writer.hold(["held"], 100);
    let heldDone = false;
    const held = writer.append("held", alice, "h1", {
      type: "message",
      text: "x",
    }).then((result) => {
      heldDone = true;
      return result;
    });
    const free = await writer.append("free", alice, "f1", {
      type: "message",
      text: "x",
    });
    equal(free.seq, 1);
    equal(heldDone, false, "the held room's append waits");
    equal(clock.pending, 1, "a wake-up is set for the hold's end");
    clock.advance(100);
    equal((await held).seq, 1);
  } finally {
    kv.close();
  }
});

Deno.test("under load an append waits GATHER_MS for others to share its commit; a quiet one goes at once", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const clock = new FakeClock();
    const writer = new AppendWriter(kv, { retain: 1000, clock });
    const versionstamps: string[] = [];
    writer.onCommit((_room, _events, vs) => versionstamps.push(vs));
    const say = (room: string, id: string) =>
      writer.append(room, alice, id, { type: "message", text: id });
    // Quiet: committed without any timer.
    await say("a", "first");
    equal(versionstamps.length, 1);
    await new Promise((resolve) => setTimeout(resolve, 0)); // the drain ends
    // Right after a commit: the next append waits for the gather timer…
    const second = say("a", "second");
    const third = say("b", "third");
    await new Promise((resolve) => setTimeout(resolve, 20));
    equal(versionstamps.length, 1);
    equal(clock.nextIn, GATHER_MS);
    clock.advance(GATHER_MS);
    await Promise.all([second, third]);
    // …and both went in one commit (two rooms, one versionstamp).
    deepEqual(versionstamps.slice(1), [versionstamps[1], versionstamps[1]]);
    // Long after the last commit, an append goes at once again.
    await new Promise((resolve) => setTimeout(resolve, 0));
    clock.advance(1_000);
    await say("a", "later");
    equal(versionstamps.length, 4);
  } finally {
    kv.close();
  }
});
