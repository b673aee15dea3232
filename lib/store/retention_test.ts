import assert, { deepEqual, equal } from "node:assert/strict";
import type { RoomEvent, User } from "../protocol/types.ts";
import { type RoomHead, roomKey, segmentKey, segmentsPrefix } from "./keys.ts";
import { trimSegments } from "./retention.ts";
import { RECENT_BUDGET_BYTES } from "./segments.ts";
import { AppendWriter } from "./append_writer.ts";
import { MessageStore } from "./message_store.ts";
import { withKv } from "./test_support.ts";

/** `TRIM_EVERY` of append_writer.ts. */
const TRIM_EVERY = 256;
/**
 * More than the messages the head keeps (a message is at least 96 bytes by
 * `storedSize`): appended one at a time, a segment holds at most this many.
 */
const SEGMENT_RUN = Math.floor(RECENT_BUDGET_BYTES / 96) + 1;

const alice: User = { id: "u_alice", name: "alice" };

const seqs = (messages: RoomEvent[]) => messages.map((m) => m.seq);
const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

function message(room: string, seq: number): RoomEvent {
  return {
    room,
    seq,
    id: `m${seq}`,
    user: alice,
    text: `text ${seq}`,
    ts: 1_000 + seq,
  };
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

/** `room`'s segments as [first seq, last seq], in order. */
async function segmentSpans(
  kv: Deno.Kv,
  room: string,
): Promise<Array<[number, number]>> {
  const spans: Array<[number, number]> = [];
  const iter = kv.list<RoomEvent[]>({ prefix: segmentsPrefix(room) });
  for await (const { value } of iter) {
    spans.push([value[0].seq, value.at(-1)!.seq]);
  }
  return spans;
}

/** The seqs `room`'s head record keeps in `recent`. */
async function headRecent(kv: Deno.Kv, room: string): Promise<number[]> {
  return seqs((await kv.get<RoomHead>(roomKey(room))).value?.recent ?? []);
}

/**
 * Every stored message of `room` (its segments, then the head's `recent`),
 * whatever its retention.
 */
async function storedSeqs(kv: Deno.Kv, room: string): Promise<number[]> {
  const all: number[] = [];
  const iter = kv.list<RoomEvent[]>({ prefix: segmentsPrefix(room) });
  for await (const entry of iter) all.push(...seqs(entry.value));
  return [...all, ...await headRecent(kv, room)];
}

/** Whether `room`'s oldest stored segment is the one holding `seq`. */
async function firstSegmentHolds(
  kv: Deno.Kv,
  room: string,
  seq: number,
): Promise<boolean> {
  const [first] = await segmentSpans(kv, room);
  return first !== undefined && first[0] <= seq && seq <= first[1];
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
      // A segment stays when it ends at or after keepFrom.
      const kept = RUNS.filter((run) => run.at(-1)! >= keepFrom);
      deepEqual(
        await segmentStarts(kv, "general"),
        kept.map((run) => run[0]),
        `keepFrom ${keepFrom}`,
      );
      equal(deleted, RUNS.length - kept.length, `keepFrom ${keepFrom}`);
      if (keepFrom <= 12) {
        assert(
          (await storedSeqs(kv, "general")).includes(Math.max(keepFrom, 1)),
          `keepFrom ${keepFrom} is still stored`,
        );
      }
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
    // After a trim, what is stored starts inside the segment holding the
    // oldest retained message; until the next one, up to TRIM_EVERY follow.
    const bound = retain + TRIM_EVERY + SEGMENT_RUN;
    const total = 1100;
    for (let i = 1; i <= total; i++) {
      const { seq } = await writer.append("general", alice, `m${i}`, {
        type: "message",
        text: `${i}`,
      });
      equal(seq, i);
      if (i % 100 === 0) {
        await waitFor(
          `at most ${bound} stored messages at ${i}`,
          async () => (await storedSeqs(kv, "general")).length <= bound,
        );
        const stored = await storedSeqs(kv, "general");
        deepEqual(stored, range(stored[0], i), `stored at ${i}`);
        const page = await store.history("general", undefined, 100);
        deepEqual(seqs(page.messages), range(i - retain + 1, i), `at ${i}`);
        equal(page.hasMore, false);
      }
    }
    // The last trim (head 1024) kept from 1024 - 20 + 1 = 1005: the segment
    // holding 1005 and everything after it.
    await waitFor(
      "the last trim",
      () => firstSegmentHolds(kv, "general", 1005),
    );
    const [[first]] = await segmentSpans(kv, "general");
    assert(first > 1005 - SEGMENT_RUN, `the oldest segment starts at ${first}`);
    deepEqual(await storedSeqs(kv, "general"), range(first, total));
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
    // The first append commits alone and stays in the head; the other 49
    // wait and share a commit, too many for the head: all 50 move into one
    // segment.
    await Promise.all(
      range(1, 50).map((i) =>
        writer.append("general", alice, `m${i}`, { type: "message", text: "x" })
      ),
    );
    deepEqual(await segmentSpans(kv, "general"), [[1, 50]]);
    deepEqual(await headRecent(kv, "general"), []);
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

Deno.test("reads cut the head's recent messages at the retention floor", async () => {
  await withKv(async (kv) => {
    const retain = 3;
    const writer = new AppendWriter(kv, { retain });
    const store = new MessageStore(kv, retain);
    for (let i = 1; i <= 4; i++) {
      await writer.append("general", alice, `m${i}`, {
        type: "message",
        text: "x",
      });
    }
    // All four are in the head, none in a segment; 1 has expired.
    deepEqual(await headRecent(kv, "general"), [1, 2, 3, 4]);
    deepEqual(await segmentSpans(kv, "general"), []);
    deepEqual(seqs(await store.range("general", 0, 4)), [2, 3, 4]);
    deepEqual(seqs(await store.range("general", 0, 2)), [2]);
    const page = await store.history("general", undefined, 100);
    deepEqual([seqs(page.messages), page.hasMore], [[2, 3, 4], false]);
    const older = await store.history("general", 4, 1);
    deepEqual([seqs(older.messages), older.hasMore], [[3], true]);
    deepEqual(seqs((await store.latest("general", 10)).messages), [2, 3, 4]);
    equal((await store.since("general", 0, 10)).recovered, false);
    const since = await store.since("general", 1, 10);
    deepEqual([since.recovered, seqs(since.messages)], [true, [2, 3, 4]]);
  });
});

Deno.test("rooms are trimmed separately", async () => {
  await withKv(async (kv) => {
    const writer = new AppendWriter(kv, { retain: 10 });
    for (let i = 1; i <= TRIM_EVERY; i++) {
      await writer.append("busy", alice, `m${i}`, {
        type: "message",
        text: "x",
      });
      if (i <= 30) {
        await writer.append("quiet", alice, `m${i}`, {
          type: "message",
          text: "x",
        });
      }
    }
    // busy's head reached 256: kept from 247, the segment holding it on.
    await waitFor(
      "busy's trim",
      () => firstSegmentHolds(kv, "busy", TRIM_EVERY - 9),
    );
    const [[first]] = await segmentSpans(kv, "busy");
    deepEqual(await storedSeqs(kv, "busy"), range(first, TRIM_EVERY));
    // quiet's head never passed a multiple of TRIM_EVERY: all is still
    // stored, in several segments and the head.
    const quiet = await segmentSpans(kv, "quiet");
    assert(quiet.length > 1, `quiet has ${quiet.length} segments`);
    equal(quiet[0][0], 1);
    deepEqual(await storedSeqs(kv, "quiet"), range(1, 30));
  });
});
