import assert, { deepEqual, equal } from "node:assert/strict";
import type { RoomEvent, User } from "../protocol/types.ts";
import {
  type RoomHead,
  roomKey,
  type RoomMeta,
  segmentKey,
  segmentsPrefix,
} from "./keys.ts";
import { RoomTail, RoomTails } from "./room_tail.ts";
import { ARCHIVE_EVERY, ID_TTL_MS } from "./id_archive.ts";
import { AppendWriter } from "./append_writer.ts";
import { packSegments, readRange } from "./segments.ts";
import { trimSegments } from "./retention.ts";
import { withKv } from "./test_support.ts";

const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };

function message(
  room: string,
  seq: number,
  id = `m${seq}`,
  user: User = alice,
): RoomEvent {
  return { room, seq, id, user, text: `text ${seq}`, ts: 1_000 + seq };
}

const seqs = (messages: RoomEvent[]) => messages.map((m) => m.seq);

/** The first seq of each of `room`'s segments, in order. */
async function segmentStarts(kv: Deno.Kv, room: string): Promise<number[]> {
  const starts: number[] = [];
  for await (const entry of kv.list({ prefix: segmentsPrefix(room) })) {
    starts.push(entry.key[2] as number);
  }
  return starts;
}

/** Messages `from..to` of `room`. */
const run = (room: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => message(room, from + i));

const EMPTY: RoomMeta = { seq: 0, lastTs: 0 };

/** A tail holding `count` ids (messages 1..count of `room`). */
function tailOf(room: string, count: number): RoomTail {
  const tail = new RoomTail(EMPTY, null);
  if (count > 0) tail.extend(run(room, 1, count), `vs-${room}-${count}`);
  return tail;
}

async function twoHandles(
  fn: (a: Deno.Kv, b: Deno.Kv) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "room-tail-" });
  const a = await Deno.openKv(`${dir}/chat.kv`);
  const b = await Deno.openKv(`${dir}/chat.kv`);
  try {
    await fn(a, b);
  } finally {
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Appends `count` messages one by one (`prefix0`, `prefix1`, …). */
async function appendMany(
  writer: AppendWriter,
  room: string,
  count: number,
  prefix: string,
  user: User = alice,
) {
  for (let i = 0; i < count; i++) {
    await writer.append(room, user, `${prefix}${i}`, {
      type: "message",
      text: `${prefix} ${i}`,
    });
  }
}

Deno.test("RoomTail.extend moves the head and find knows each user's ids", () => {
  const tail = new RoomTail({ seq: 4, lastTs: 77 }, "vs0");
  deepEqual([tail.seq, tail.lastTs, tail.versionstamp, tail.size], [
    4,
    77,
    "vs0",
    0,
  ]);
  tail.extend([
    message("general", 5, "x", alice),
    message("general", 6, "x", bob),
    message("general", 7, "y", alice),
  ], "vs1");
  deepEqual([tail.seq, tail.lastTs, tail.versionstamp, tail.size], [
    7,
    1_007,
    "vs1",
    3,
  ]);
  equal(tail.find("u_alice", "x"), 5);
  equal(tail.find("u_bob", "x"), 6);
  equal(tail.find("u_alice", "y"), 7);
  equal(tail.find("u_bob", "y"), undefined);
  equal(tail.find("u_carol", "x"), undefined);
  // The separator keeps (user, id) pairs apart.
  equal(tail.find("u_alice\u0000x", ""), undefined);
  // No messages: only the versionstamp moves.
  tail.extend([], "vs2");
  deepEqual([tail.seq, tail.lastTs, tail.versionstamp, tail.size], [
    7,
    1_007,
    "vs2",
    3,
  ]);
});

Deno.test("RoomTail.extend archives ids into the archives of users read, and drops the rest", async () => {
  await withKv(async (kv) => {
    const tail = tailOf("general", 10);
    equal(tail.archived, 0);
    assert(tail.knows("u_alice"), "nothing archived: nothing to read");
    tail.extend([message("general", 11, "b11", bob)], "vs", [], 11);
    equal(tail.archived, 11);
    assert(!tail.knows("u_alice"));
    await tail.loadUser(kv, "general", "u_alice", 0);
    assert(tail.knows("u_alice"));
    tail.extend([message("general", 12)], "vs2", [], 11);
    equal(tail.find("u_alice", "m12"), 12);
    tail.extend([message("general", 13)], "vs3", [], 13);
    equal(tail.find("u_alice", "m12"), 12, "moved into alice's archive");
    equal(tail.find("u_bob", "b11"), undefined, "bob's archive is unread");
    deepEqual(tail.unarchivedIds(), []);
    equal(tail.size, 2);
  });
});

Deno.test("an id is a duplicate for a day however many messages follow, then stored again", async () => {
  await withKv(async (kv) => {
    let now = 1_000_000;
    const writer = new AppendWriter(kv, { retain: 100, now: () => now });
    await writer.append("general", alice, "x", {
      type: "message",
      text: "first",
    });
    await appendMany(writer, "general", 2 * ARCHIVE_EVERY, "b", bob);
    const tail = await RoomTail.load(kv, "general");
    assert(tail.archived >= ARCHIVE_EVERY, "the ids were archived");
    now += ID_TTL_MS - 1;
    const fresh = new AppendWriter(kv, { retain: 100, now: () => now });
    deepEqual(
      await fresh.append("general", alice, "x", {
        type: "message",
        text: "again",
      }),
      {
        seq: 1,
        duplicate: true,
      },
    );
    now += 2 * 60 * 60 * 1000;
    const dayLater = new AppendWriter(kv, { retain: 100, now: () => now });
    const stored = await dayLater.append("general", alice, "x", {
      type: "message",
      text: "again",
    });
    deepEqual([stored.seq, stored.duplicate], [2 * ARCHIVE_EVERY + 2, false]);
  });
});

Deno.test("RoomTail.load reads the head and the unarchived ids from the messages", async () => {
  await withKv(async (kv) => {
    const empty = await RoomTail.load(kv, "general");
    deepEqual([empty.seq, empty.lastTs, empty.versionstamp, empty.size], [
      0,
      0,
      null,
      0,
    ]);

    const writer = new AppendWriter(kv, { retain: 10_000 });
    // Batched appends: segments of one and of many messages.
    await Promise.all(
      Array.from(
        { length: 1205 },
        (_, i) =>
          writer.append("general", alice, `m${i + 1}`, {
            type: "message",
            text: "x",
          }),
      ),
    );
    await writer.append("other", bob, "m9999", {
      type: "message",
      text: "elsewhere",
    });
    const head = await kv.get<RoomHead>(roomKey("general"));
    const tail = await RoomTail.load(kv, "general");
    equal(tail.seq, 1205);
    equal(tail.lastTs, head.value!.lastTs);
    equal(tail.versionstamp, head.versionstamp);
    equal(tail.archived, head.value!.archived);
    // One commit of 1 205 messages archived them all at once.
    equal(tail.archived, 1205);
    equal(tail.size, 0);
    equal(tail.find("u_alice", "m205"), undefined, "archived, not read yet");
    await tail.loadUser(kv, "general", "u_alice", Date.now());
    equal(tail.find("u_alice", "m205"), 205);
    equal(tail.find("u_alice", "m1205"), 1205);
    equal(tail.find("u_bob", "m9999"), undefined, "another room's id");
  });
});

Deno.test("a room written before ids were archived keeps its old tail's ids", async () => {
  await withKv(async (kv) => {
    // Layout 2 as older servers left it: segments, a head without `archived`.
    const old = run("general", 1, 1200);
    for (const segment of packSegments(old)) {
      await kv.set(segmentKey("general", segment[0].seq), segment);
    }
    await kv.set(roomKey("general"), { seq: 1200, lastTs: 2_200 });
    const writer = new AppendWriter(kv, { retain: 10_000 });
    deepEqual(
      await writer.append("general", alice, "m300", {
        type: "message",
        text: "again",
      }),
      {
        seq: 300,
        duplicate: true,
      },
    );
    await appendMany(writer, "general", ARCHIVE_EVERY, "n", bob);
    const head = await kv.get<RoomHead>(roomKey("general"));
    assert(head.value!.archived! > 1200, "the old tail was archived");
    const fresh = new AppendWriter(kv, { retain: 10_000 });
    deepEqual(
      await fresh.append("general", alice, "m201", {
        type: "message",
        text: "again",
      }),
      {
        seq: 201,
        duplicate: true,
      },
    );
  });
});

Deno.test("RoomTail.load stops at the head it read", async () => {
  await withKv(async (kv) => {
    const writer = new AppendWriter(kv, { retain: 100 });
    await appendMany(writer, "general", 3, "a");
    // A segment past the head (as if a commit landed after the head read).
    await kv.set(segmentKey("general", 4), [message("general", 4, "late")]);
    const tail = await RoomTail.load(kv, "general");
    equal(tail.seq, 3);
    equal(tail.size, 3);
    equal(tail.find("u_alice", "a2"), 3);
    equal(tail.find("u_alice", "late"), undefined);
  });
});

Deno.test("RoomTail.catchUp reads what another writer appended", async () => {
  await twoHandles(async (kvA, kvB) => {
    const a = new AppendWriter(kvA, { retain: 100 });
    const b = new AppendWriter(kvB, { retain: 100 });
    await appendMany(a, "general", 3, "a");
    const tail = await RoomTail.load(kvA, "general");
    const loadedAt = tail.versionstamp;
    equal(tail.seq, 3);

    // Nothing new: still caught up, nothing changes.
    equal(await tail.catchUp(kvA, "general"), true);
    deepEqual([tail.seq, tail.size, tail.versionstamp], [3, 3, loadedAt]);

    await appendMany(b, "general", 4, "b", bob);
    equal(tail.find("u_bob", "b0"), undefined);
    equal(await tail.catchUp(kvA, "general"), true);
    const head = await kvA.get<RoomMeta>(roomKey("general"));
    equal(tail.seq, 7);
    equal(tail.lastTs, head.value!.lastTs);
    equal(tail.versionstamp, head.versionstamp);
    assert(tail.versionstamp !== loadedAt);
    equal(tail.size, 7);
    deepEqual(
      ["b0", "b1", "b2", "b3"].map((id) => tail.find("u_bob", id)),
      [4, 5, 6, 7],
    );
    equal(tail.find("u_alice", "a0"), 1);
  });
});

Deno.test("RoomTail.catchUp fails when the tail is ahead or the messages since are gone", async () => {
  await withKv(async (kv) => {
    const writer = new AppendWriter(kv, { retain: 1000 });
    await appendMany(writer, "general", 5, "a");
    const ahead = new RoomTail({ seq: 9, lastTs: 0 }, "vs");
    equal(await ahead.catchUp(kv, "general"), false);

    const behind = await RoomTail.load(kv, "general");
    // Enough after it that 6 and more move from the head into segments.
    await appendMany(writer, "general", 25, "b");
    const starts = await segmentStarts(kv, "general");
    assert(starts.length >= 3, `segments at ${starts}`);
    const keepFrom = starts.at(-1)!;
    assert(keepFrom > 7, `the last segment starts at ${keepFrom}`);
    // Messages 6 up to keepFrom - 1 are gone: catching up from 5 cannot see
    // them.
    equal(await trimSegments(kv, "general", keepFrom), starts.length - 1);
    equal((await readRange(kv, "general", 5, 30))[0].seq, keepFrom);
    equal(await behind.catchUp(kv, "general"), false);
    deepEqual([behind.seq, behind.size], [5, 5]);
    equal(behind.find("u_alice", "b0"), undefined);

    // A tail of a room that has none yet is caught up.
    const none = new RoomTail(EMPTY, null);
    equal(await none.catchUp(kv, "nobody"), true);
    deepEqual([none.seq, none.versionstamp, none.recent], [0, null, []]);
  });
});

Deno.test("RoomTail.catchUp reads messages from the head's recent and learns how it left the head", async () => {
  await twoHandles(async (kvA, kvB) => {
    const a = new AppendWriter(kvA, { retain: 100 });
    const b = new AppendWriter(kvB, { retain: 100 });
    await appendMany(a, "general", 2, "a");
    const tail = await RoomTail.load(kvA, "general");
    deepEqual(seqs(tail.recent!), [1, 2]);
    // b's messages stay in the head: nothing new in any segment.
    await appendMany(b, "general", 2, "b", bob);
    deepEqual(await segmentStarts(kvA, "general"), []);
    // Learned over the bus: the head moved, how b placed them is unknown.
    tail.extend(await readRange(kvA, "general", 2, 3), "vs-learned");
    equal(tail.recent, null);
    equal(await tail.catchUp(kvA, "general"), true);
    const head = await kvA.get<RoomHead>(roomKey("general"));
    equal(tail.versionstamp, head.versionstamp);
    deepEqual(tail.recent, head.value!.recent);
    deepEqual(seqs(tail.recent!), [1, 2, 3, 4]);
    equal(tail.find("u_bob", "b1"), 4);

    // Once a commit moved them into a segment, the tail learns an empty head.
    await b.append("general", bob, "big", {
      type: "message",
      text: "x".repeat(400),
    });
    deepEqual(await segmentStarts(kvA, "general"), [1]);
    equal(await tail.catchUp(kvA, "general"), true);
    deepEqual([tail.seq, tail.recent], [5, []]);
    equal(tail.find("u_bob", "big"), 5);
  });
});

Deno.test("RoomTails evicts the least recently used rooms by id count", () => {
  const tails = new RoomTails(10);
  const a = tailOf("a", 4);
  const b = tailOf("b", 4);
  tails.set("a", a);
  tails.set("b", b);
  equal(tails.get("a"), a); // a is now the most recent
  tails.set("c", tailOf("c", 4)); // 12 ids > 10: b goes
  deepEqual([tails.has("a"), tails.has("b"), tails.has("c")], [
    true,
    false,
    true,
  ]);
  equal(tails.get("b"), undefined);

  // Replacing a room's tail counts its new size only.
  tails.set("a", tailOf("a", 6)); // 6 + 4 = 10: both stay
  deepEqual([tails.has("a"), tails.has("c")], [true, true]);

  // Growing a tail evicts the least recently used room: extending does not
  // count as a use, get (what a writer does before committing) does.
  tails.extend("c", [message("c", 5)], "vs"); // 6 + 5 > 10: c is older
  deepEqual([tails.has("a"), tails.has("c")], [true, false]);
  tails.set("c", tailOf("c", 4));
  equal(tails.get("c")?.size, 4);
  deepEqual([tails.has("a"), tails.has("c")], [true, true]);
  tails.get("c");
  tails.extend("c", [message("c", 5)], "vs"); // now a is older
  deepEqual([tails.has("a"), tails.has("c")], [false, true]);

  // The most recent room is kept even when larger than the bound alone.
  const huge = tailOf("d", 25);
  tails.set("d", huge);
  deepEqual([tails.has("c"), tails.has("d")], [false, true]);
  equal(tails.get("d"), huge);

  // Deleted rooms stop counting.
  tails.delete("d");
  tails.set("e", tailOf("e", 5));
  tails.set("f", tailOf("f", 5));
  deepEqual([tails.has("e"), tails.has("f")], [true, true]);
});

Deno.test("RoomTails.extend applies what follows the head, ignores replays, drops on a gap", () => {
  const tails = new RoomTails(1000);
  const tail = tailOf("general", 3);
  tails.set("general", tail);

  tails.extend("general", run("general", 4, 5), "vs5");
  deepEqual([tail.seq, tail.versionstamp, tail.size], [5, "vs5", 5]);

  // Replays of what the tail already has change nothing.
  tails.extend("general", run("general", 4, 5), "vs-old");
  tails.extend("general", run("general", 1, 2), "vs-older");
  tails.extend("general", [], "vs-empty");
  deepEqual([tail.seq, tail.versionstamp, tail.size], [5, "vs5", 5]);
  equal(tails.get("general"), tail);

  // Rooms not held are not created.
  tails.extend("other", run("other", 1, 2), "vs");
  equal(tails.has("other"), false);

  // A gap (6 was missed) drops the tail: it is read again when needed.
  tails.extend("general", run("general", 7, 8), "vs8");
  equal(tails.has("general"), false);
  equal(tail.seq, 5, "the dropped tail was not extended");

  // So does a commit that overlaps the head only partly.
  const other = tailOf("general", 5);
  tails.set("general", other);
  tails.extend("general", run("general", 5, 6), "vs6");
  equal(tails.has("general"), false);

  // Dropping a tail frees its ids.
  const small = new RoomTails(6);
  small.set("a", tailOf("a", 5));
  small.extend("a", run("a", 9, 9), "vs"); // gap: dropped
  small.set("b", tailOf("b", 3));
  small.set("c", tailOf("c", 3));
  deepEqual([small.has("b"), small.has("c")], [true, true]);
});

Deno.test("RoomTails.catchUp extends a held tail or drops it", async () => {
  await withKv(async (kv) => {
    const writer = new AppendWriter(kv, { retain: 1000 });
    await appendMany(writer, "general", 3, "a");
    const tails = new RoomTails(5);
    const tail = await RoomTail.load(kv, "general");
    tails.set("general", tail);
    await appendMany(writer, "general", 2, "b");
    await tails.catchUp(kv, "general");
    equal(tails.get("general"), tail);
    deepEqual([tail.seq, tail.size], [5, 5]);

    // Caught-up ids count towards the bound: 5 + 1 > 5 evicts "general".
    tails.set("x", tailOf("x", 1));
    deepEqual([tails.has("general"), tails.has("x")], [false, true]);

    // A tail that cannot catch up is dropped, and its ids with it.
    tails.set("general", new RoomTail({ seq: 99, lastTs: 0 }, "vs"));
    await tails.catchUp(kv, "general");
    equal(tails.has("general"), false);
    tails.set("y", tailOf("y", 4));
    deepEqual([tails.has("x"), tails.has("y")], [true, true]);

    // Rooms not held stay not held.
    await tails.catchUp(kv, "nobody");
    equal(tails.has("nobody"), false);
  });
});

Deno.test("RoomTails counts ids right when a commit is learned during catchUp", async () => {
  await withKv(async (kv) => {
    const writer = new AppendWriter(kv, { retain: 1000 });
    await appendMany(writer, "general", 3, "a");
    const stored = await readRange(kv, "general", 0, 3);
    const tails = new RoomTails(10);
    tails.set("general", new RoomTail(EMPTY, null));
    const catchingUp = tails.catchUp(kv, "general");
    // Messages 1-2 arrive over the bus while the catch-up reads storage.
    tails.extend("general", stored.slice(0, 2), "vs2");
    await catchingUp;
    const tail = tails.get("general")!;
    deepEqual([tail.seq, tail.size], [3, 3]);
    // 3 + 7 = 10 ids: within the bound, nothing is evicted.
    tails.set("other", tailOf("other", 7));
    deepEqual([tails.has("general"), tails.has("other")], [true, true]);
    // And one more id is over it.
    tails.extend("other", [message("other", 8)], "vs");
    deepEqual([tails.has("general"), tails.has("other")], [false, true]);
  });
});
