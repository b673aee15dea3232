import assert, { deepEqual, equal } from "node:assert/strict";
import type { RoomEvent, User } from "../protocol/types.ts";
import {
  roomKey,
  type RoomMeta,
  SCHEMA_KEY,
  SCHEMA_VERSION,
  segmentsPrefix,
} from "./keys.ts";
import { migrateLayout } from "./migrate.ts";
import { MessageStore } from "./message_store.ts";
import { withKv } from "./test_support.ts";

const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };

const seqs = (messages: RoomEvent[]) => messages.map((m) => m.seq);
const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

function legacyMessage(room: string, seq: number, text?: string): RoomEvent {
  return {
    room,
    seq,
    id: `${room}-${seq}`,
    user: seq % 3 ? alice : bob,
    text: text ?? `${room} says ${seq}`,
    ts: 1_600_000_000_000 + seq * 1000,
  };
}

/**
 * Writes layout 1 by hand: `["msg", room, seq]` per message and the head
 * record, no `["schema"]`. `rooms` maps a room to its retained seqs.
 */
async function writeLayout1(
  kv: Deno.Kv,
  rooms: Record<string, number[]>,
  text?: (room: string, seq: number) => string,
): Promise<Map<string, RoomEvent[]>> {
  const written = new Map<string, RoomEvent[]>();
  for (const [room, roomSeqs] of Object.entries(rooms)) {
    const messages = roomSeqs.map((seq) =>
      legacyMessage(room, seq, text?.(room, seq))
    );
    for (let i = 0; i < messages.length; i += 50) {
      const atomic = kv.atomic();
      for (const m of messages.slice(i, i + 50)) {
        atomic.set(["msg", room, m.seq], m);
      }
      equal((await atomic.commit()).ok, true);
    }
    const last = messages[messages.length - 1];
    const head: RoomMeta = { seq: last.seq, lastTs: last.ts };
    await kv.set(roomKey(room), head);
    written.set(room, messages);
  }
  return written;
}

async function countRows(kv: Deno.Kv, prefix: Deno.KvKey): Promise<number> {
  let count = 0;
  for await (const _ of kv.list({ prefix })) count++;
  return count;
}

/** Every message in `room`'s segments, checking each is keyed by its first seq. */
async function segmentMessages(
  kv: Deno.Kv,
  room: string,
): Promise<RoomEvent[]> {
  const messages: RoomEvent[] = [];
  const iter = kv.list<RoomEvent[]>({ prefix: segmentsPrefix(room) });
  for await (const { key, value } of iter) {
    assert(value.length > 0, `segment ${String(key[2])} of ${room} is empty`);
    equal(key[2], value[0].seq, `segment key of ${room}`);
    deepEqual(
      seqs(value),
      range(value[0].seq, value[0].seq + value.length - 1),
      `segment ${String(key[2])} of ${room} is a run`,
    );
    messages.push(...value);
  }
  return messages;
}

const LAYOUT_1 = {
  // More rows than one migration step moves (90).
  general: range(1, 250),
  // Retention had already deleted 1-95.
  random: range(96, 100),
  zeta: [1],
};

Deno.test("migrateLayout moves layout 1 into segments every read finds", async () => {
  await withKv(async (kv) => {
    const written = await writeLayout1(kv, LAYOUT_1);
    equal(await countRows(kv, ["msg"]), 256);
    equal((await kv.get(SCHEMA_KEY)).value, null);

    equal(await migrateLayout(kv), 256);

    equal(await countRows(kv, ["msg"]), 0);
    equal(SCHEMA_VERSION, 2);
    equal((await kv.get(SCHEMA_KEY)).value, 2);
    for (const [room, messages] of written) {
      deepEqual(await segmentMessages(kv, room), messages, room);
    }
    const store = new MessageStore(kv, 1000);
    deepEqual(await store.range("general", 0, 250), written.get("general"));
    deepEqual(
      await store.range("general", 85, 95),
      written.get("general")!
        .slice(85, 95),
    );
    deepEqual(await store.range("random", 0, 100), written.get("random"));
    deepEqual(await store.range("zeta", 0, 1), written.get("zeta"));
    const page = await store.history("general", undefined, 50);
    deepEqual(page, {
      messages: written.get("general")!.slice(200),
      hasMore: true,
    });
    const older = await store.history("general", 100, 20);
    deepEqual(seqs(older.messages), range(80, 99));
    equal(older.hasMore, true);
    deepEqual(await store.history("random", undefined, 50), {
      messages: written.get("random"),
      hasMore: false,
    });
    const since = await store.since("general", 240, 10);
    deepEqual([since.head, since.recovered, seqs(since.messages)], [
      250,
      true,
      range(241, 250),
    ]);
    deepEqual(
      (await store.rooms()).map(({ room, seq }) => [room, seq]),
      [["general", 250], ["random", 100], ["zeta", 1]],
    );

    // A second run has nothing left to do.
    equal(await migrateLayout(kv), 0);
    deepEqual(await segmentMessages(kv, "general"), written.get("general"));
  });
});

Deno.test("after the move appends continue at the head and migrated ids are still known", async () => {
  await withKv(async (kv) => {
    await writeLayout1(kv, LAYOUT_1);
    await migrateLayout(kv);
    const store = new MessageStore(kv, 1000);
    const next = await store.append("general", alice, "new", {
      type: "message",
      text: "after",
    });
    deepEqual([next.seq, next.duplicate], [251, false]);
    equal(
      (await store.append("random", bob, "new", {
        type: "message",
        text: "after",
      })).seq,
      101,
    );
    equal(
      (await store.append("fresh", bob, "new", {
        type: "message",
        text: "first",
      })).seq,
      1,
    );
    // A resend of a message stored by the old server is recognised.
    const resent = await store.append("general", alice, "general-250", {
      type: "message",
      text: "x",
    });
    deepEqual(resent, { seq: 250, duplicate: true });
    deepEqual(seqs(await store.range("general", 248, 260)), [249, 250, 251]);
    equal((await store.meta("general")).seq, 251);
  });
});

Deno.test("migrateLayout moves messages too large to move 90 at a time", async () => {
  await withKv(async (kv) => {
    // 4000 astral characters are 16 KB a message: 90 of them are far over
    // KV's 800 KiB per atomic operation.
    const text = "😀".repeat(4000);
    const written = await writeLayout1(
      kv,
      { big: range(1, 120), small: range(1, 30) },
      (room, seq) => room === "big" ? `${seq}${text}` : `small ${seq}`,
    );
    equal(await migrateLayout(kv), 150);
    equal(await countRows(kv, ["msg"]), 0);
    deepEqual(await segmentMessages(kv, "big"), written.get("big"));
    deepEqual(await segmentMessages(kv, "small"), written.get("small"));
    const store = new MessageStore(kv, 1000);
    deepEqual(await store.range("big", 0, 120), written.get("big"));
    equal((await kv.get(SCHEMA_KEY)).value, 2);
  });
});

Deno.test("migrateLayout on an empty database, at layout 1 and at the current layout", async () => {
  await withKv(async (kv) => {
    equal(await migrateLayout(kv), 0);
    equal((await kv.get(SCHEMA_KEY)).value, 2);
  });
  await withKv(async (kv) => {
    // A layout 1 database that recorded its version.
    const written = await writeLayout1(kv, { general: range(1, 3) });
    await kv.set(SCHEMA_KEY, 1);
    equal(await migrateLayout(kv), 3);
    deepEqual(await segmentMessages(kv, "general"), written.get("general"));
    equal((await kv.get(SCHEMA_KEY)).value, 2);
  });
  await withKv(async (kv) => {
    // Already at layout 2: stray layout-1 rows are not looked at.
    await writeLayout1(kv, { general: range(1, 3) });
    await kv.set(SCHEMA_KEY, 2);
    equal(await migrateLayout(kv), 0);
    equal(await countRows(kv, ["msg"]), 3);
  });
});

Deno.test("migrateLayout refuses a database of a newer layout and leaves it alone", async () => {
  await withKv(async (kv) => {
    await writeLayout1(kv, { general: range(1, 3) });
    await kv.set(SCHEMA_KEY, 3);
    await assert.rejects(
      migrateLayout(kv),
      (error: unknown) =>
        error instanceof RangeError && /version 3 is newer/.test(error.message),
    );
    equal((await kv.get(SCHEMA_KEY)).value, 3);
    equal(await countRows(kv, ["msg"]), 3);
    equal(await countRows(kv, ["seg"]), 0);
  });
});

Deno.test("two migrations at once on two handles move each message exactly once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "migrate-" });
  try {
    for (let round = 0; round < 3; round++) {
      const path = `${dir}/chat-${round}.kv`;
      const setup = await Deno.openKv(path);
      const written = await writeLayout1(setup, {
        alpha: range(1, 700),
        beta: range(301, 800),
        gamma: range(1, 45),
        delta: range(1, 200),
      });
      setup.close();
      const total = 700 + 500 + 45 + 200;

      const a = await Deno.openKv(path);
      const b = await Deno.openKv(path);
      try {
        const [movedA, movedB] = await Promise.all([
          migrateLayout(a),
          migrateLayout(b),
        ]);
        equal(movedA + movedB, total, `round ${round}: ${movedA} + ${movedB}`);
        equal(await countRows(a, ["msg"]), 0);
        equal((await b.get(SCHEMA_KEY)).value, 2);
        const store = new MessageStore(a, 10_000);
        for (const [room, messages] of written) {
          deepEqual(await segmentMessages(b, room), messages, room);
          const head = messages[messages.length - 1].seq;
          deepEqual(await store.range(room, 0, head), messages, room);
        }
        equal(await countRows(a, ["seg"]) > 0, true);
      } finally {
        a.close();
        b.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
