import assert, { deepEqual, equal } from "node:assert/strict";
import type { RoomEvent, User } from "../protocol/types.ts";
import { type RoomHead, roomKey, segmentKey, segmentsPrefix } from "./keys.ts";
import {
  packSegments,
  placeMessages,
  readBefore,
  readMessage,
  readRange,
  RECENT_BUDGET_BYTES,
  segmentKeyOf,
  storedSize,
} from "./segments.ts";
import { withKv } from "./test_support.ts";

/** Deno KV's value limit. */
const KV_VALUE_LIMIT = 64 * 1024;
/** `SEGMENT_BUDGET_BYTES` of segments.ts. */
const SEGMENT_BUDGET = 60 * 1024;

const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };

const seqs = (messages: RoomEvent[]) => messages.map((m) => m.seq);
const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

function message(
  room: string,
  seq: number,
  text = `text ${seq}`,
  user: User = seq % 2 ? alice : bob,
): RoomEvent {
  return { room, seq, id: `m${seq}`, user, text, ts: 1_700_000_000_000 + seq };
}

/** Writes `room`'s messages as the given runs of seqs, one row per run. */
async function writeRuns(kv: Deno.Kv, room: string, runs: number[][]) {
  for (const run of runs) {
    await kv.set(segmentKey(room, run[0]), run.map((s) => message(room, s)));
  }
}

/** Segments 1 | 2-4 | 5-9 | 10 | 11-12 of "general", and rooms beside it. */
const RUNS = [[1], [2, 3, 4], [5, 6, 7, 8, 9], [10], [11, 12]];
const HEAD = 12;

async function withSegments(fn: (kv: Deno.Kv) => Promise<void>) {
  await withKv(async (kv) => {
    await writeRuns(kv, "general", RUNS);
    // Rooms whose keys sort just before and after "general".
    await writeRuns(kv, "gen", [[1, 2], [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]]);
    await writeRuns(kv, "general2", [[1], [2, 3], [4, 5, 6, 7, 8, 9, 10]]);
    await fn(kv);
  });
}

Deno.test("storedSize bounds a 4000-astral-character message; its segments fit KV", async () => {
  await withKv(async (kv) => {
    const text = "😀".repeat(4000); // 8000 UTF-16 units
    const messages = range(1, 20).map((seq) =>
      message("general", seq, text, alice)
    );
    // 2 bytes per unit of text, id, user id, user name and room, plus 96.
    equal(storedSize(messages[0]), 2 * (8000 + 2 + 7 + 5 + 7) + 96);
    const segments = packSegments(messages);
    // ~16 KB each: three fit the 60 KiB budget, a fourth would not.
    deepEqual(segments.map((s) => s.length), [3, 3, 3, 3, 3, 3, 2]);
    for (const segment of segments) {
      const key = segmentKey("general", segment[0].seq);
      const { ok } = await kv.set(key, segment);
      equal(ok, true);
      deepEqual((await kv.get(key)).value, segment);
    }
    // Unsplit, five of them would be refused.
    await assert.rejects(
      kv.set(["too-big"], messages.slice(0, 5)),
      /Value too large/,
    );
  });
});

Deno.test("storedSize is an upper bound for worst-case shapes: every packed segment is accepted by KV", async () => {
  await withKv(async (kv) => {
    const longRoom = "r".repeat(64);
    const id64 = "i".repeat(64);
    const shapes: Array<(seq: number) => RoomEvent> = [
      // Overhead-dominated: tiny strings, seqs and timestamps that are not
      // small integers, a distinct user object per message.
      (seq) => ({
        room: "r",
        seq: 2 ** 40 + seq,
        id: "a",
        user: { id: "u", name: "n" },
        text: "",
        ts: seq + 0.5,
      }),
      // Longest room, id and name; two-byte name; short two-byte text.
      (seq) => ({
        room: longRoom,
        seq,
        id: id64,
        user: { id: `u_${"x".repeat(62)}`, name: "名".repeat(32) },
        text: "ж",
        ts: Date.now(),
      }),
      // Latin-1 and BMP text, mid-sized.
      (seq) => message("general", seq, "é".repeat(1000 + seq % 7)),
      (seq) => message("general", seq, "中".repeat(4000)),
      // Mixed astral and ASCII, varying lengths.
      (seq) => message("general", seq, "a😀".repeat(seq % 2000 + 1)),
    ];
    for (const [shape, make] of shapes.entries()) {
      const messages = range(1, 1500).map(make);
      const segments = packSegments(messages);
      assert(segments.length > 1, `shape ${shape} spans several segments`);
      for (const segment of segments) {
        const total = segment.reduce((sum, m) => sum + storedSize(m), 0);
        assert(total <= SEGMENT_BUDGET, `shape ${shape}: ${total} bytes`);
        const { ok } = await kv.set(["seg", shape, segment[0].seq], segment);
        equal(ok, true, `shape ${shape} segment at ${segment[0].seq}`);
      }
    }
  });
});

Deno.test("storedSize alone close to KV's limit: the message is accepted", async () => {
  await withKv(async (kv) => {
    // A message whose bound is just under 64 KiB (beyond what the protocol
    // allows) is still under the limit once stored in a one-message segment.
    const base = storedSize(message("general", 1, ""));
    const units = Math.floor((KV_VALUE_LIMIT - 16 - base) / 2);
    const big = message("general", 1, "ж".repeat(units));
    assert(storedSize(big) <= KV_VALUE_LIMIT - 16);
    assert(storedSize(big) > KV_VALUE_LIMIT - 32);
    const segments = packSegments([big]);
    deepEqual(segments, [[big]]);
    equal((await kv.set(["seg"], segments[0])).ok, true);
  });
});

Deno.test("packSegments keeps order, splits only at the budget, and never leaves a segment empty", () => {
  deepEqual(packSegments([]), []);
  const one = message("general", 1);
  deepEqual(packSegments([one]), [[one]]);
  // Mixed sizes: small, 16 KB and 8 KB messages.
  const messages = range(1, 200).map((seq) =>
    message(
      "general",
      seq,
      seq % 5 === 0
        ? "😀".repeat(4000)
        : seq % 3 === 0
        ? "x".repeat(4000)
        : "hi",
    )
  );
  const segments = packSegments(messages);
  // Same objects, same order, nothing lost or repeated.
  deepEqual(segments.flat(), messages);
  segments.forEach((segment, i) => assert(segment.length > 0, `segment ${i}`));
  for (const [i, segment] of segments.entries()) {
    const total = segment.reduce((sum, m) => sum + storedSize(m), 0);
    assert(total <= SEGMENT_BUDGET, `segment ${i} holds ${total}`);
    // Each split was needed: the next message would not have fitted.
    const next = segments[i + 1]?.[0];
    if (next) assert(total + storedSize(next) > SEGMENT_BUDGET);
  }
  assert(segments.length >= 8, `${segments.length} segments`);

  // A message larger than the budget on its own still gets its own segment.
  const huge = message("general", 2, "😀".repeat(16_000));
  const [before, after] = [message("general", 1), message("general", 3)];
  deepEqual(packSegments([before, huge, after]), [[before], [huge], [after]]);
});

Deno.test("readRange returns exactly after < seq <= upTo across segment boundaries", async () => {
  await withSegments(async (kv) => {
    // Every (after, upTo), including empty, inverted and past-the-head ones.
    for (let after = -1; after <= HEAD + 2; after++) {
      for (let upTo = after - 2; upTo <= HEAD + 3; upTo++) {
        const got = await readRange(kv, "general", after, upTo);
        const expected = range(Math.max(after + 1, 1), Math.min(upTo, HEAD));
        deepEqual(seqs(got), expected, `readRange(${after}, ${upTo})`);
        assert(got.every((m) => m.room === "general"));
      }
    }
  });
});

Deno.test("readRange: named cases and full message contents", async () => {
  await withSegments(async (kv) => {
    // Starting mid-segment (2-4 and 5-9), ending mid-segment (11-12).
    deepEqual(
      await readRange(kv, "general", 2, 11),
      range(3, 11).map((s) => message("general", s)),
    );
    // Inside one segment.
    deepEqual(seqs(await readRange(kv, "general", 5, 8)), [6, 7, 8]);
    // One message, the first of a segment and a one-message segment.
    deepEqual(seqs(await readRange(kv, "general", 4, 5)), [5]);
    deepEqual(seqs(await readRange(kv, "general", 9, 10)), [10]);
    // Empty ranges.
    deepEqual(await readRange(kv, "general", 7, 7), []);
    deepEqual(await readRange(kv, "general", 8, 3), []);
    // Past the head.
    deepEqual(seqs(await readRange(kv, "general", 10, 100)), [11, 12]);
    deepEqual(await readRange(kv, "general", 12, 100), []);
    deepEqual(await readRange(kv, "general", 50, 100), []);
    // Other rooms and unknown rooms.
    deepEqual(seqs(await readRange(kv, "gen", 0, 100)), range(1, 13));
    deepEqual(seqs(await readRange(kv, "general2", 1, 4)), [2, 3, 4]);
    deepEqual(await readRange(kv, "nobody", 0, 100), []);
  });
});

Deno.test("readRange after older segments were deleted", async () => {
  await withSegments(async (kv) => {
    await kv.delete(segmentKey("general", 1));
    await kv.delete(segmentKey("general", 2));
    deepEqual(seqs(await readRange(kv, "general", 0, 12)), range(5, 12));
    deepEqual(seqs(await readRange(kv, "general", 3, 6)), [5, 6]);
    deepEqual(seqs(await readRange(kv, "general", 6, 7)), [7]);
  });
});

Deno.test("readBefore honours before, limit and floor, with hasMore, across segments", async () => {
  await withSegments(async (kv) => {
    const befores = [undefined, ...range(0, HEAD + 2)];
    for (const before of befores) {
      for (let limit = 0; limit <= HEAD + 1; limit++) {
        for (let floor = 0; floor <= HEAD + 1; floor++) {
          const eligible = range(floor + 1, Math.min(HEAD, (before ?? 99) - 1));
          const got = await readBefore(kv, "general", before, limit, floor);
          const label = `readBefore(${before}, ${limit}, ${floor})`;
          deepEqual(
            seqs(got.messages),
            eligible.slice(Math.max(0, eligible.length - limit)),
            label,
          );
          equal(got.hasMore, eligible.length > limit, label);
        }
      }
    }
  });
});

Deno.test("readBefore: named cases and full message contents", async () => {
  await withSegments(async (kv) => {
    // The latest page, cut inside segment 5-9.
    deepEqual(await readBefore(kv, "general", undefined, 5), {
      messages: range(8, 12).map((s) => message("general", s)),
      hasMore: true,
    });
    // before inside a segment: 7 and later are left out of segment 5-9.
    deepEqual(await readBefore(kv, "general", 7, 3), {
      messages: range(4, 6).map((s) => message("general", s)),
      hasMore: true,
    });
    // Exactly the remaining messages: no more.
    deepEqual(seqs((await readBefore(kv, "general", 7, 6)).messages), [
      1,
      2,
      3,
      4,
      5,
      6,
    ]);
    equal((await readBefore(kv, "general", 7, 6)).hasMore, false);
    // The floor hides what is at or below it, and then there is no more.
    deepEqual(await readBefore(kv, "general", undefined, 100, 6), {
      messages: range(7, 12).map((s) => message("general", s)),
      hasMore: false,
    });
    deepEqual(seqs((await readBefore(kv, "general", 11, 3, 6)).messages), [
      8,
      9,
      10,
    ]);
    equal((await readBefore(kv, "general", 11, 3, 6)).hasMore, true);
    equal((await readBefore(kv, "general", 11, 4, 6)).hasMore, false);
    // before past the head and before the first message.
    deepEqual(seqs((await readBefore(kv, "general", 1000, 2)).messages), [
      11,
      12,
    ]);
    deepEqual(await readBefore(kv, "general", 1, 10), {
      messages: [],
      hasMore: false,
    });
    // Limit 0 only tells whether anything is there.
    deepEqual(await readBefore(kv, "general", undefined, 0), {
      messages: [],
      hasMore: true,
    });
    // Neighbouring and unknown rooms stay apart.
    deepEqual(seqs((await readBefore(kv, "gen", undefined, 3)).messages), [
      11,
      12,
      13,
    ]);
    deepEqual(await readBefore(kv, "nobody", undefined, 10), {
      messages: [],
      hasMore: false,
    });
  });
});

Deno.test("readBefore pages through many one-message segments", async () => {
  await withKv(async (kv) => {
    await writeRuns(kv, "general", range(1, 75).map((s) => [s]));
    const pages: number[][] = [];
    let before: number | undefined;
    for (;;) {
      const page = await readBefore(kv, "general", before, 20, 3);
      pages.push(seqs(page.messages));
      if (!page.hasMore) break;
      before = page.messages[0].seq;
    }
    deepEqual(pages, [
      range(56, 75),
      range(36, 55),
      range(16, 35),
      range(4, 15),
    ]);
    const listed = [];
    for await (const e of kv.list({ prefix: segmentsPrefix("general") })) {
      listed.push(e.key[2]);
    }
    equal(listed.length, 75);
  });
});

// --- The head's `recent` messages -----------------------------------------

/** A message of "general" whose {@linkcode storedSize} is exactly `bytes`. */
function sized(seq: number, bytes: number): RoomEvent {
  const base = storedSize(message("general", seq, ""));
  assert(bytes >= base && (bytes - base) % 2 === 0, `${bytes} bytes`);
  return message("general", seq, "x".repeat((bytes - base) / 2));
}

const bytesOf = (messages: RoomEvent[]) =>
  messages.reduce((sum, m) => sum + storedSize(m), 0);

/** Checks one placement: what it returns is `recent` + `added`, in order. */
function checkPlacement(
  recent: RoomEvent[],
  added: RoomEvent[],
  placed: { recent: RoomEvent[]; segments: RoomEvent[][] },
  label: string,
) {
  const all = [...recent, ...added];
  // Nothing lost, repeated or reordered, wherever it went.
  deepEqual([...placed.segments.flat(), ...placed.recent], all, label);
  if (bytesOf(all) <= RECENT_BUDGET_BYTES) {
    deepEqual(placed, { recent: all, segments: [] }, `${label}: stays`);
  } else {
    // Over the budget: everything moves, the head keeps nothing.
    deepEqual(placed.recent, [], `${label}: head emptied`);
    assert(placed.segments.length > 0, label);
    for (const segment of placed.segments) {
      assert(segment.length > 0, `${label}: empty segment`);
      deepEqual(
        seqs(segment),
        range(segment[0].seq, segment[0].seq + segment.length - 1),
        `${label}: segment at ${segment[0].seq} is a run`,
      );
      assert(
        segment.length === 1 || bytesOf(segment) <= SEGMENT_BUDGET,
        `${label}: segment at ${segment[0].seq} fits a KV value`,
      );
    }
  }
}

Deno.test("placeMessages keeps messages in the head while they fit the budget", () => {
  equal(RECENT_BUDGET_BYTES, 800);
  // One commit at a time: four 200-byte messages fill the budget exactly.
  let recent: RoomEvent[] = [];
  for (let seq = 1; seq <= 4; seq++) {
    const added = [sized(seq, 200)];
    const placed = placeMessages(recent, added);
    deepEqual(placed, { recent: [...recent, ...added], segments: [] });
    recent = placed.recent;
  }
  equal(bytesOf(recent), RECENT_BUDGET_BYTES);
  // Several in one commit, and up to the last byte.
  const three = range(1, 3).map((seq) => sized(seq, 200));
  deepEqual(placeMessages(three.slice(0, 1), three.slice(1)), {
    recent: three,
    segments: [],
  });
  const exact = placeMessages(three, [sized(4, 200)]);
  deepEqual([seqs(exact.recent), exact.segments], [[1, 2, 3, 4], []]);
  // The caller's arrays are left as they were.
  deepEqual(seqs(three), [1, 2, 3]);
});

Deno.test("placeMessages moves recent and added messages into segments once over the budget", () => {
  const three = range(1, 3).map((seq) => sized(seq, 200));
  // 600 + 202 > 800: all four go, in order, as one run starting at 1.
  const over = placeMessages(three, [sized(4, 202)]);
  deepEqual(over, { recent: [], segments: [[...three, sized(4, 202)]] });
  // Several added messages at once: one segment holds them all.
  const added = range(4, 9).map((seq) => sized(seq, 150));
  const spilled = placeMessages(three, added);
  deepEqual(spilled.recent, []);
  deepEqual(spilled.segments, [[...three, ...added]]);
  // An empty head and a commit too large for it.
  const burst = range(1, 6).map((seq) => sized(seq, 150));
  deepEqual(placeMessages([], burst), { recent: [], segments: [burst] });
  // More than one KV value's worth: several segments, still one run.
  const big = range(4, 23).map((seq) =>
    message("general", seq, "😀".repeat(4000))
  );
  const many = placeMessages(three, big);
  checkPlacement(three, big, many, "16 KB messages");
  assert(many.segments.length > 1, `${many.segments.length} segments`);
  equal(many.segments[0][0].seq, 1);
});

Deno.test("placeMessages puts a single message larger than the budget into a segment", () => {
  const huge = sized(1, RECENT_BUDGET_BYTES + 2);
  deepEqual(placeMessages([], [huge]), { recent: [], segments: [[huge]] });
  // Also after messages the head kept: they move along with it.
  const small = sized(1, 200);
  const next = sized(2, 2_000);
  deepEqual(placeMessages([small], [next]), {
    recent: [],
    segments: [[small, next]],
  });
  // The largest message that fits alone stays.
  const fits = sized(1, RECENT_BUDGET_BYTES);
  deepEqual(placeMessages([], [fits]), { recent: [fits], segments: [] });
});

Deno.test("placeMessages over many commits: every message stored once, in order, head within budget", () => {
  // A deterministic mix of commit sizes and message sizes.
  let state = 7;
  const random = (n: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % n;
  };
  const segments: RoomEvent[][] = [];
  let recent: RoomEvent[] = [];
  let seq = 0;
  let spills = 0;
  let kept = 0;
  for (let commit = 0; commit < 2_000; commit++) {
    const count = random(10) === 0 ? 1 + random(12) : 1;
    const added = Array.from({ length: count }, () => {
      seq++;
      const text = random(40) === 0
        ? "ж".repeat(200 + random(600))
        : "hi".repeat(random(30));
      return message("general", seq, text);
    });
    const placed = placeMessages(recent, added);
    checkPlacement(recent, added, placed, `commit ${commit}`);
    if (placed.segments.length > 0) spills++;
    else kept++;
    segments.push(...placed.segments);
    recent = placed.recent;
    assert(bytesOf(recent) <= RECENT_BUDGET_BYTES, `commit ${commit}`);
    deepEqual(
      [...segments.flat(), ...recent].map((m) => m.seq),
      range(1, seq),
      `commit ${commit}`,
    );
  }
  assert(spills > 100 && kept > 100, `${spills} spills, ${kept} kept`);
});

/** Writes `room`'s head record keeping `recent` (head: the last of them, or `seq`). */
async function writeHead(
  kv: Deno.Kv,
  room: string,
  recent: number[],
  seq = recent.at(-1) ?? 0,
) {
  const head: RoomHead = {
    seq,
    lastTs: 1_700_000_000_000 + seq,
    recent: recent.map((s) => message(room, s)),
  };
  await kv.set(roomKey(room), head);
}

/** Ways a room's messages can lie between segments and the head. */
const LAYOUTS: Array<{ name: string; runs: number[][]; recent: number[] }> = [
  { name: "segments and recent", runs: RUNS, recent: range(13, 16) },
  { name: "recent only", runs: [], recent: range(1, 5) },
  { name: "segments, empty recent", runs: RUNS, recent: [] },
  { name: "one-message recent", runs: RUNS, recent: [13] },
  { name: "older segments trimmed", runs: RUNS.slice(2), recent: [13, 14] },
];

async function withLayout(
  layout: (typeof LAYOUTS)[number],
  fn: (kv: Deno.Kv, stored: number[]) => Promise<void>,
) {
  await withKv(async (kv) => {
    await writeRuns(kv, "general", layout.runs);
    const stored = [...layout.runs.flat(), ...layout.recent];
    await writeHead(kv, "general", layout.recent, stored.at(-1));
    // Rooms whose keys sort just before and after, with heads of their own.
    await writeRuns(kv, "gen", [[1, 2], [3, 4, 5, 6, 7, 8, 9, 10]]);
    await writeHead(kv, "gen", range(11, 20));
    await writeRuns(kv, "general2", [[1], [2, 3]]);
    await writeHead(kv, "general2", range(4, 21));
    await fn(kv, stored);
  });
}

/** What readRange must return: the stored seqs in `after < seq <= upTo`. */
const expectedRange = (stored: number[], after: number, upTo: number) =>
  stored.filter((s) => s > after && s <= upTo);

/** What readBefore must return, from the stored seqs. */
function expectedBefore(
  stored: number[],
  before: number | undefined,
  limit: number,
  floor: number,
): { seqs: number[]; hasMore: boolean } {
  const eligible = stored.filter((s) =>
    s > floor && (before === undefined || s < before)
  );
  return {
    seqs: eligible.slice(Math.max(0, eligible.length - limit)),
    hasMore: eligible.length > limit,
  };
}

Deno.test("readRange returns exactly after < seq <= upTo from segments and the head's recent", async () => {
  for (const layout of LAYOUTS) {
    await withLayout(layout, async (kv, stored) => {
      const head = stored.at(-1)!;
      for (let after = -1; after <= head + 2; after++) {
        for (let upTo = after - 2; upTo <= head + 3; upTo++) {
          const got = await readRange(kv, "general", after, upTo);
          const label = `${layout.name}: readRange(${after}, ${upTo})`;
          deepEqual(seqs(got), expectedRange(stored, after, upTo), label);
          deepEqual(got, seqs(got).map((s) => message("general", s)), label);
        }
      }
    });
  }
});

Deno.test("readBefore honours before, limit and floor from segments and the head's recent", async () => {
  for (const layout of LAYOUTS) {
    await withLayout(layout, async (kv, stored) => {
      const head = stored.at(-1)!;
      for (const before of [undefined, ...range(0, head + 2)]) {
        for (let limit = 0; limit <= head + 1; limit++) {
          for (let floor = 0; floor <= head + 1; floor++) {
            const got = await readBefore(kv, "general", before, limit, floor);
            const label =
              `${layout.name}: readBefore(${before}, ${limit}, ${floor})`;
            const expected = expectedBefore(stored, before, limit, floor);
            deepEqual(seqs(got.messages), expected.seqs, label);
            equal(got.hasMore, expected.hasMore, label);
          }
        }
      }
      deepEqual(
        (await readBefore(kv, "general", undefined, 3)).messages,
        stored.slice(-3).map((s) => message("general", s)),
      );
    });
  }
});

/**
 * `kv` for reads, except that `between` runs once right after the next head
 * read returned, before anything else is read: a commit landing between the
 * two steps of a read.
 */
function withCommitAfterHeadRead(
  kv: Deno.Kv,
  between: () => Promise<void>,
): Deno.Kv {
  let pending: (() => Promise<void>) | undefined = between;
  return new Proxy(kv, {
    get(target, property) {
      if (property === "get") {
        return async (key: Deno.KvKey) => {
          const entry = await target.get(key);
          const run = pending;
          pending = undefined;
          if (run) await run();
          return entry;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

Deno.test("reads that see the head before a spill return what that head held, once", async () => {
  // Segments 1..12, the head 13..16; the spill moves 13..16 and a new 17
  // into a segment and empties the head, as a writer does.
  const layout = LAYOUTS[0];
  await withLayout(layout, async (kv, stored) => {
    const moved = [...layout.recent, 17].map((s) => message("general", s));
    const spill = async () => {
      const result = await kv.atomic()
        .set(segmentKey("general", 13), moved)
        .set(roomKey("general"), { seq: 17, lastTs: 0, recent: [] })
        .commit();
      equal(result.ok, true);
    };
    const undo = async () => {
      await kv.delete(segmentKey("general", 13));
      await writeHead(kv, "general", layout.recent);
    };
    // The spill really happens: a read after it sees 17, in a segment.
    await spill();
    deepEqual(seqs(await readRange(kv, "general", 10, 20)), range(11, 17));
    await undo();

    const head = 17;
    let spills = 0;
    const counted = async () => {
      spills++;
      await spill();
    };
    for (let after = -1; after <= head + 1; after++) {
      for (let upTo = after - 1; upTo <= head + 1; upTo++) {
        const got = await readRange(
          withCommitAfterHeadRead(kv, counted),
          "general",
          after,
          upTo,
        );
        deepEqual(
          seqs(got),
          expectedRange(stored, after, upTo),
          `readRange(${after}, ${upTo}) across a spill`,
        );
        await undo();
      }
    }
    for (const before of [undefined, ...range(1, head + 1)]) {
      for (const limit of [0, 1, 2, 3, 4, 5, 8, 16, 17]) {
        for (const floor of [0, 3, 11, 12, 13, 15, 16]) {
          const got = await readBefore(
            withCommitAfterHeadRead(kv, counted),
            "general",
            before,
            limit,
            floor,
          );
          const label =
            `readBefore(${before}, ${limit}, ${floor}) across a spill`;
          const expected = expectedBefore(stored, before, limit, floor);
          deepEqual(seqs(got.messages), expected.seqs, label);
          equal(got.hasMore, expected.hasMore, label);
          await undo();
        }
      }
    }
    assert(spills > 1000, `${spills} spills`);
  });
});

Deno.test("updates go to update segments: ranges merge both kinds, pages read messages only", async () => {
  await withKv(async (kv) => {
    const reaction = (seq: number, target: number): RoomEvent => ({
      room: "u",
      seq,
      id: `r${seq}`,
      user: bob,
      ts: 1_700_000_000_000 + seq,
      type: "reaction",
      target,
      emoji: "👍",
      on: true,
    });
    // 1 and 2 are messages, 3-8 reactions to 2, 9 a message, 10 in the head.
    const events = [
      message("u", 1),
      message("u", 2),
      ...range(3, 8).map((seq) => reaction(seq, 2)),
      message("u", 9, "x".repeat(400)),
    ];
    const placed = placeMessages([], events);
    deepEqual(placed.recent, []);
    deepEqual(placed.segments.map(seqs), [[1, 2, 9], range(3, 8)]);
    for (const segment of placed.segments) {
      await kv.set(segmentKeyOf("u", segment), segment);
    }
    const recent = [message("u", 10)];
    deepEqual(seqs(await readRange(kv, "u", 0, 10, recent)), range(1, 10));
    deepEqual(seqs(await readRange(kv, "u", 4, 9, recent)), range(5, 9));
    deepEqual(seqs(await readRange(kv, "u", 2, 3, recent)), [3]);
    // A page lists message segments only: the updates' rows are not read.
    const page = await readBefore(kv, "u", undefined, 2, 0, recent);
    deepEqual(seqs(page.messages), [9, 10]);
    equal(page.hasMore, true);
    deepEqual(
      seqs((await readBefore(kv, "u", 9, 10, 0, recent)).messages),
      [1, 2],
    );
    // One message by its seq: from a segment or the head; not an update's.
    equal((await readMessage(kv, "u", 2, recent))?.id, "m2");
    equal((await readMessage(kv, "u", 10, recent))?.id, "m10");
    equal(await readMessage(kv, "u", 5, recent), undefined);
    equal(await readMessage(kv, "u", 11, recent), undefined);
  });
});
