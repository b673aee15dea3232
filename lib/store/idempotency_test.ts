import assert, { deepEqual, equal } from "node:assert/strict";
import type { User } from "../protocol/types.ts";
import { AppendWriter } from "./append_writer.ts";
import { MessageStore } from "./message_store.ts";
import { withKv } from "./test_support.ts";

const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };

/** `count` messages of other ids to `room`, from bob, in batches. */
async function busy(writer: AppendWriter, room: string, count: number) {
  for (let i = 0; i < count; i += 100) {
    await Promise.all(
      Array.from(
        { length: Math.min(100, count - i) },
        (_, j) =>
          writer.append(room, bob, `other${i + j}`, {
            type: "message",
            text: "chatter",
          }),
      ),
    );
  }
}

Deno.test("a repeated id after 1 500 newer messages of the room is still a duplicate", async () => {
  await withKv(async (kv) => {
    const writer = new AppendWriter(kv, { retain: 100 });
    const first = await writer.append("room", alice, "x", {
      type: "message",
      text: "hello",
    });
    await busy(writer, "room", 1_500);
    deepEqual(
      await writer.append("room", alice, "x", {
        type: "message",
        text: "hello",
      }),
      {
        seq: first.seq,
        duplicate: true,
      },
    );
  });
});

Deno.test("after a restart, a repeated id behind 3 000 newer messages is still a duplicate", async () => {
  await withKv(async (kv) => {
    const before = new MessageStore(kv, 100);
    const first = await before.append("room", alice, "x", {
      type: "message",
      text: "hello",
    });
    await busy(new AppendWriter(kv, { retain: 100 }), "room", 3_000);
    const after = new MessageStore(kv, 100);
    deepEqual(
      await after.append("room", alice, "x", {
        type: "message",
        text: "hello",
      }),
      {
        seq: first.seq,
        duplicate: true,
      },
    );
    equal((await after.meta("room")).seq, 3_001);
  });
});

Deno.test("concurrent appends of one id in one batch: exactly one is stored", async () => {
  await withKv(async (kv) => {
    const writer = new AppendWriter(kv, { retain: 100 });
    // Something in flight, so the repeats queue into one next batch.
    const warm = writer.append("room", bob, "warm", {
      type: "message",
      text: "first",
    });
    const repeats = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          writer.append("room", alice, "x", { type: "message", text: "hi" }),
      ),
    );
    await warm;
    equal(repeats.filter((r) => !r.duplicate).length, 1);
    equal(new Set(repeats.map((r) => r.seq)).size, 1);
    equal((await new MessageStore(kv, 100).meta("room")).seq, 2);
  });
});

Deno.test("another user's id is not a duplicate of mine, however old", async () => {
  await withKv(async (kv) => {
    const writer = new AppendWriter(kv, { retain: 100 });
    await writer.append("room", alice, "x", { type: "message", text: "hello" });
    await busy(writer, "room", 1_200);
    const theirs = await writer.append("room", bob, "x", {
      type: "message",
      text: "hello",
    });
    assert(!theirs.duplicate);
    equal(theirs.seq, 1_202);
  });
});
