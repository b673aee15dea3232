import assert, { deepEqual, equal } from "node:assert/strict";
import { type AppendResult, AppendWriter } from "./append_writer.ts";
import type { ChatMessage } from "../protocol/types.ts";

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
        (_, i) => writer.append(`r${i % 30}`, alice, `m${i}`, `text ${i}`),
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
    const sends: Promise<AppendResult>[] = [];
    for (let i = 0; i < 200; i++) {
      sends.push(a.append(`room${i % 3}`, alice, `a${i}`, "from a"));
      sends.push(b.append(`room${i % 3}`, bob, `b${i}`, "from b"));
    }
    const results = await Promise.all(sends);
    for (let room = 0; room < 3; room++) {
      const seqs = results
        .filter((_, i) => Math.floor(i / 2) % 3 === room)
        .map((r) => r.seq)
        .sort((x, y) => x - y);
      deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => i + 1),
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
    const first = await a.append("room", alice, "same", "hello");
    await b.append("room", bob, "other", "hi");
    const again = await a.append("room", alice, "same", "hello");
    deepEqual(again, { seq: first.seq, duplicate: true });
    const viaB = await b.append("room", alice, "same", "hello");
    deepEqual(viaB, { seq: first.seq, duplicate: true });
  });
});

Deno.test("messages learned from another writer avoid a conflicting commit", async () => {
  await twoHandles(async (kvA, kvB) => {
    const a = new AppendWriter(kvA, { retain: 100 });
    const b = new AppendWriter(kvB, { retain: 100 });
    await b.append("room", bob, "b0", "warm b's cache");
    let last: { messages: ChatMessage[]; vs: string } | undefined;
    a.onCommit((_room, messages, vs) => last = { messages, vs });
    await a.append("room", alice, "a1", "from a");
    assert(last);
    b.learnCommit("room", last.messages, last.vs);
    const result = await b.append("room", bob, "b1", "from b");
    equal(result.seq, 3);
    equal(b.conflicts, 0);
  });
});
