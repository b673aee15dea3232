import assert, { deepEqual, equal } from "node:assert/strict";
import type { RoomUpdate, User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { AppendResult } from "../engine/engine.ts";
import { applyUpdate, type Fold } from "../engine/fold.ts";
import { foldKey, updateSegmentsPrefix } from "./keys.ts";
import { readFolds } from "./folds.ts";
import { trimSegments } from "./retention.ts";
import { MessageStore } from "./message_store.ts";
import { withKv } from "./test_support.ts";

const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };

const codeOf = (outcome: PromiseSettledResult<AppendResult>) =>
  outcome.status === "fulfilled"
    ? outcome.value.seq
    : outcome.reason instanceof ProtocolError
    ? outcome.reason.code
    : String(outcome.reason);

Deno.test("one batch: a message, updates of it, and a refused update among them", async () => {
  await withKv(async (kv) => {
    const store = new MessageStore(kv, 1_000);
    // Queued together, these go in one commit.
    const outcomes = await Promise.allSettled([
      store.append("r", alice, "m1", { type: "message", text: "helo" }),
      store.append("r", alice, "e1", {
        type: "edit",
        target: 1,
        text: "hello",
      }),
      store.append("r", bob, "e2", { type: "edit", target: 1, text: "mine" }),
      store.append("r", bob, "k1", {
        type: "reaction",
        target: 1,
        emoji: "👍",
        on: true,
      }),
      store.append("r", bob, "m2", { type: "message", text: "re", replyTo: 1 }),
      store.append("r", bob, "m3", { type: "message", text: "?", replyTo: 9 }),
    ]);
    deepEqual(outcomes.map(codeOf), [1, 2, "forbidden", 3, 4, "not_found"]);
    equal((await store.meta("r")).seq, 4, "refusals took no seq");
    const { messages } = await store.history("r", undefined, 10);
    deepEqual(messages.map((m) => [m.seq, m.text, m.replyTo]), [
      [1, "hello", undefined],
      [4, "re", 1],
    ]);
    deepEqual(messages[0].reactions, { "👍": [bob.id] });
    deepEqual([...(await readFolds(kv, "r", 1, 4)).keys()], [1]);
  });
});

Deno.test("one batch of messages only: a reply finds the message before it in the batch", async () => {
  await withKv(async (kv) => {
    const store = new MessageStore(kv, 1_000);
    // The first append keeps the writer busy, so the next two share a commit.
    const outcomes = await Promise.allSettled([
      store.append("other", alice, "m0", { type: "message", text: "busy" }),
      store.append("r", alice, "m1", { type: "message", text: "question" }),
      store.append("r", bob, "m2", { type: "message", text: "a", replyTo: 1 }),
    ]);
    deepEqual(outcomes.map(codeOf), [1, 1, 2]);
    const { messages } = await store.history("r", undefined, 10);
    deepEqual(messages.map((m) => [m.seq, m.replyTo]), [[1, undefined], [
      2,
      1,
    ]]);
  });
});

Deno.test("two writers racing on one message: every stored update passed its check on the latest fold", async () => {
  await withKv(async (kv) => {
    const [a, b] = [new MessageStore(kv, 1_000), new MessageStore(kv, 1_000)];
    await a.append("r", alice, "m", { type: "message", text: "v0" });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? a : b).append(
          "r",
          alice,
          `u${i}`,
          i === 7
            ? { type: "delete", target: 1 }
            : { type: "edit", target: 1, text: `v${i + 1}` },
        )),
    );
    const deleted = outcomes[7];
    assert(deleted.status === "fulfilled", "the deletion is stored");
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") {
        equal((outcome.reason as ProtocolError).code, "not_found");
      }
    }
    // Replaying the stored updates in seq order gives the stored fold, and
    // nothing was stored after the deletion.
    const stored = (await a.range("r", 1, 100)) as RoomUpdate[];
    equal(stored.at(-1)!.type, "delete", "nothing after the deletion");
    let fold: Fold | undefined;
    for (const update of stored) fold = applyUpdate(fold, update);
    deepEqual((await kv.get<Fold>(foldKey("r", 1))).value, fold);
    equal(
      stored.length,
      outcomes.filter((o) => o.status === "fulfilled").length,
    );
  });
});

Deno.test("retention deletes the folds of messages it deletes", async () => {
  await withKv(async (kv) => {
    const store = new MessageStore(kv, 100);
    await store.append("r", alice, "m1", { type: "message", text: "old" });
    await store.append("r", alice, "e1", {
      type: "edit",
      target: 1,
      text: "x",
    });
    for (let n = 3; n <= 160; n++) {
      await store.append("r", alice, `m${n}`, { type: "message", text: "y" });
    }
    await store.append("r", bob, "k", {
      type: "reaction",
      target: 150,
      emoji: "🎉",
      on: true,
    });
    equal(await trimSegments(kv, "r", 61) > 0, true);
    equal((await kv.get(foldKey("r", 1))).value, null, "the old fold is gone");
    assert((await kv.get(foldKey("r", 150))).value, "a kept one stays");
    // The edit's update segment went with the messages around it.
    const updates = await Array.fromAsync(
      kv.list({ prefix: updateSegmentsPrefix("r") }),
    );
    deepEqual(updates.map((e) => e.key[2]), []);
    // The retained events (the latest 100) are all still read, in order.
    deepEqual(
      (await store.range("r", 0, 161)).map((e) => e.seq),
      Array.from({ length: 100 }, (_, i) => 62 + i),
    );
  });
});

Deno.test("a writer behind the room does not refuse an update of a message it has not seen yet", async () => {
  await withKv(async (kv) => {
    const [a, b] = [new MessageStore(kv, 1_000), new MessageStore(kv, 1_000)];
    await b.append("r", bob, "m1", { type: "message", text: "b's view" });
    // Stored by the other writer: b's tail still ends at 1.
    await a.append("r", alice, "m2", { type: "message", text: "new" });
    const reply = await b.append("r", bob, "m3", {
      type: "message",
      text: "re",
      replyTo: 2,
    });
    equal(reply.seq, 3);
    const edit = await b.append("r", alice, "e", {
      type: "edit",
      target: 2,
      text: "edited elsewhere",
    });
    equal(edit.seq, 4);
    await a.append("r", alice, "m5", { type: "message", text: "later" });
    // Only refusals in b's batch: they are checked against the stored head.
    const outcome = await Promise.allSettled([
      b.append("r", bob, "x", { type: "delete", target: 5 }),
    ]);
    deepEqual(outcome.map(codeOf), ["forbidden"]);
  });
});
