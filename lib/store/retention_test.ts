import assert, { deepEqual, equal } from "node:assert/strict";
import type { ChatMessage, User } from "../protocol/types.ts";
import { segmentKey, segmentsPrefix } from "./keys.ts";
import { trimSegments } from "./retention.ts";
import { AppendWriter } from "./append_writer.ts";
import { MessageStore } from "./message_store.ts";

/** `TRIM_EVERY` of append_writer.ts. */
const TRIM_EVERY = 256;

const alice: User = { id: "u_alice", name: "alice" };

const seqs = (messages: ChatMessage[]) => messages.map((m) => m.seq);
const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

function message(room: string, seq: number): ChatMessage {
  return {
    room,
    seq,
    id: `m${seq}`,
    user: alice,
    text: `text ${seq}`,
    ts: 1_000 + seq,
  };
}

async function withKv(fn: (kv: Deno.Kv) => Promise<void>): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

async function writeRuns(kv: Deno.Kv, room: string, runs: number[][]) {
  for (const run of runs) {
    await kv.set(segmentKey(room, run[0]), run.map((s) => message(room, s)));
  }
}

/** The first seq of each of `room`'s segments, in order. */
async function segmentStarts(kv: Deno.Kv, room: string): Promise<number[]> {
  const starts: number[] = [];
  for await (const entry of kv.list({ prefix: segmentsPrefix(room) })) {
    starts.push(entry.key[2] as number);
  }
  return starts;
}

/** Every stored message of `room`, whatever its retention. */
async function storedSeqs(kv: Deno.Kv, room: string): Promise<number[]> {
  const all: number[] = [];
  const iter = kv.list<ChatMessage[]>({ prefix: segmentsPrefix(room) });
  for await (const entry of iter) all.push(...seqs(entry.value));
  return all;
}

async function waitFor(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Segments 1 | 2-4 | 5-9 | 10 | 11-12. */
const RUNS = [[1], [2, 3, 4], [5, 6, 7, 8, 9], [10], [11, 12]];

Deno.test("trimSegments deletes only segments wholly before keepFrom", async () => {
  await withKv(async (kv) => {
    await writeRuns(kv, "general", RUNS);
    await writeRuns(kv, "gen", [[1], [2, 3]]);
    await writeRuns(kv, "general2", [[1], [2, 3]]);
    // 6 is inside 5-9: 1 and 2-4 go, 5-9 stays whole.
    equal(await trimSegments(kv, "general", 6), 2);
    deepEqual(await segmentStarts(kv, "general"), [5, 10, 11]);
    deepEqual(await storedSeqs(kv, "general"), range(5, 12));
    // Again: nothing more to delete.
    equal(await trimSegments(kv, "general", 6), 0);
    // keepFrom at a segment's first message keeps that segment.
    equal(await trimSegments(kv, "general", 10), 1);
    deepEqual(await segmentStarts(kv, "general"), [10, 11]);
    // Other rooms are untouched.
    deepEqual(await segmentStarts(kv, "gen"), [1, 2]);
    deepEqual(await segmentStarts(kv, "general2"), [1, 2]);
  });
});

Deno.test("trimSegments for every keepFrom", async () => {
  for (let keepFrom = -1; keepFrom <= 14; keepFrom++) {
    await withKv(async (kv) => {
      await writeRuns(kv, "general", RUNS);
      const deleted = await trimSegments(kv, "general", keepFrom);
      // A segment stays when it ends at or after keepFrom; past the head the
      // last segment still stays.
      const kept = RUNS.filter((run, i) =>
        run.at(-1)! >= keepFrom || i === RUNS.length - 1
      );
      deepEqual(
        await segmentStarts(kv, "general"),
        kept.map((run) => run[0]),
        `keepFrom ${keepFrom}`,
      );
      equal(deleted, RUNS.length - kept.length, `keepFrom ${keepFrom}`);
      assert(
        (await storedSeqs(kv, "general")).includes(
          Math.min(Math.max(keepFrom, 1), 12),
        ),
        `keepFrom ${keepFrom} is still stored`,
      );
    });
  }
});

Deno.test("trimSegments deletes more segments than one commit holds", async () => {
  await withKv(async (kv) => {
    await writeRuns(kv, "general", range(1, 1203).map((s) => [s]));
    equal(await trimSegments(kv, "general", 1101), 1100);
    deepEqual(await segmentStarts(kv, "general"), range(1101, 1203));
    equal(await trimSegments(kv, "empty", 50), 0);
  });
});

Deno.test("the writer trims expired segments in the background; reads never show expired messages", async () => {
  await withKv(async (kv) => {
    const retain = 20;
    const errors: unknown[] = [];
    const writer = new AppendWriter(kv, {
      retain,
      onError: (error) => errors.push(error),
    });
    const store = new MessageStore(kv, retain);
    const bound = retain + TRIM_EVERY;
    const total = 1100;
    for (let i = 1; i <= total; i++) {
      const { seq } = await writer.append("general", alice, `m${i}`, `${i}`);
      equal(seq, i);
      if (i % 100 === 0) {
        await waitFor(
          `at most ${bound} segments at ${i}`,
          async () => (await segmentStarts(kv, "general")).length <= bound,
        );
        const page = await store.history("general", undefined, 100);
        deepEqual(seqs(page.messages), range(i - retain + 1, i), `at ${i}`);
        equal(page.hasMore, false);
      }
    }
    // The last trim (head 1024) kept from 1024 - 20 + 1 = 1005: one segment
    // per append from there.
    await waitFor(
      "the last trim",
      async () => (await segmentStarts(kv, "general"))[0] === 1005,
    );
    deepEqual(await segmentStarts(kv, "general"), range(1005, total));
    deepEqual(errors, []);

    // 1005..1080 are still stored but expired: no read shows them.
    const retained = range(total - retain + 1, total);
    deepEqual(seqs(await store.range("general", 0, total)), retained);
    deepEqual(
      seqs(await store.range("general", 1000, 1085)),
      range(1081, 1085),
    );
    deepEqual(await store.range("general", 1000, 1080), []);
    const page = await store.history("general", undefined, 100);
    deepEqual([seqs(page.messages), page.hasMore], [retained, false]);
    const older = await store.history("general", 1085, 100);
    deepEqual([seqs(older.messages), older.hasMore], [
      range(1081, 1084),
      false,
    ]);
    const partial = await store.history("general", 1085, 2);
    deepEqual([seqs(partial.messages), partial.hasMore], [[1083, 1084], true]);
    deepEqual(await store.history("general", 1081, 100), {
      messages: [],
      hasMore: false,
    });
    const { messages } = await store.latest("general", 100);
    deepEqual(seqs(messages), retained);

    const lost = await store.since("general", 1079, 5);
    deepEqual([lost.recovered, lost.head, seqs(lost.messages)], [
      false,
      total,
      range(1096, 1100),
    ]);
    const kept = await store.since("general", 1080, 5);
    deepEqual([kept.recovered, kept.head, seqs(kept.messages)], [
      true,
      total,
      retained,
    ]);
  });
});

Deno.test("reads cut a segment that straddles the retention floor", async () => {
  await withKv(async (kv) => {
    const retain = 20;
    const writer = new AppendWriter(kv, { retain });
    const store = new MessageStore(kv, retain);
    // The first append commits alone; the other 49 wait and share a commit.
    await Promise.all(
      range(1, 50).map((i) => writer.append("general", alice, `m${i}`, "x")),
    );
    deepEqual(await segmentStarts(kv, "general"), [1, 2]);
    deepEqual(await storedSeqs(kv, "general"), range(1, 50));
    deepEqual(seqs(await store.range("general", 0, 50)), range(31, 50));
    deepEqual(seqs(await store.range("general", 10, 35)), range(31, 35));
    const page = await store.history("general", undefined, 100);
    deepEqual([seqs(page.messages), page.hasMore], [range(31, 50), false]);
    equal((await store.since("general", 29, 10)).recovered, false);
    deepEqual(
      seqs((await store.since("general", 30, 10)).messages),
      range(
        31,
        50,
      ),
    );
  });
});

Deno.test("rooms are trimmed separately", async () => {
  await withKv(async (kv) => {
    const writer = new AppendWriter(kv, { retain: 10 });
    for (let i = 1; i <= TRIM_EVERY; i++) {
      await writer.append("busy", alice, `m${i}`, "x");
      if (i <= 30) await writer.append("quiet", alice, `m${i}`, "x");
    }
    await waitFor(
      "busy's trim",
      async () => (await segmentStarts(kv, "busy"))[0] === TRIM_EVERY - 9,
    );
    deepEqual(await segmentStarts(kv, "busy"), range(TRIM_EVERY - 9, 256));
    // quiet's head never passed a multiple of TRIM_EVERY: all is still stored.
    deepEqual(await segmentStarts(kv, "quiet"), range(1, 30));
  });
});
