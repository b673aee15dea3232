import assert from "node:assert/strict";
import { Outbox, OUTBOX_KEY } from "./outbox.ts";
import { MemoryStorage } from "./testing.ts";

Deno.test("Outbox persists entries and failures, and restores them after a reload", () => {
  const storage = new MemoryStorage();
  const a = new Outbox(storage);
  a.add({ room: "r", id: "m2", text: "two", createdAt: 2 });
  a.add({ room: "r", id: "m1", text: "one", createdAt: 1 });
  a.add({ room: "other", id: "m3", text: "three", createdAt: 3 });
  a.setState("m2", "sending");
  a.setState("m3", "failed", "Text is invalid", "text_invalid");
  assert.deepEqual(a.list("r").map((e) => e.id), ["m1", "m2"]);

  const b = new Outbox(storage); // the page reloaded
  assert.deepEqual(
    b.list().map((e) => [e.id, e.state, e.code]),
    [["m1", "queued", undefined], ["m2", "queued", undefined], [
      "m3",
      "failed",
      "text_invalid",
    ]],
  );
  b.remove("m1");
  b.remove("m2");
  b.remove("m3");
  assert.equal(storage.getItem(OUTBOX_KEY), null);
});

Deno.test("Outbox merges with entries other tabs wrote", () => {
  const storage = new MemoryStorage();
  const tab1 = new Outbox(storage);
  const tab2 = new Outbox(storage);
  tab1.add({ room: "r", id: "a", text: "from 1", createdAt: 1 });
  tab2.add({ room: "r", id: "b", text: "from 2", createdAt: 2 });
  // tab2's write kept tab1's entry.
  assert.deepEqual(new Outbox(storage).list().map((e) => e.id), ["a", "b"]);
  tab1.reload();
  assert.deepEqual(tab1.list().map((e) => e.id), ["a", "b"]);
  tab1.remove("b"); // acknowledged through tab1
  tab2.reload(); // the storage event
  assert.equal(tab2.get("b"), undefined);
  tab2.add({ room: "r", id: "c", text: "later", createdAt: 3 });
  assert.deepEqual(new Outbox(storage).list().map((e) => e.id), ["a", "c"]);
});

Deno.test("Outbox works without storage, and ignores corrupt storage", () => {
  const memory = new Outbox(null);
  memory.add({ room: "r", id: "x", text: "t", createdAt: 1 });
  assert.equal(memory.list().length, 1);
  const storage = new MemoryStorage();
  storage.setItem(OUTBOX_KEY, "{not json");
  assert.deepEqual(new Outbox(storage).list(), []);
  storage.setItem(
    OUTBOX_KEY,
    JSON.stringify([{ room: "r" }, {
      room: "r",
      id: "ok",
      text: "t",
      createdAt: 1,
    }]),
  );
  assert.deepEqual(new Outbox(storage).list().map((e) => e.id), ["ok"]);
});

Deno.test("Outbox keeps replies and changes to messages across a reload; a malformed change is dropped", () => {
  const storage = new MemoryStorage();
  const a = new Outbox(storage);
  a.add({ room: "r", id: "m1", text: "yes!", createdAt: 1, replyTo: 4 });
  a.add({
    room: "r",
    id: "e1",
    text: "fixed",
    createdAt: 2,
    change: { type: "edit", target: 4 },
  });
  a.add({
    room: "r",
    id: "x1",
    text: "",
    createdAt: 3,
    change: { type: "react", target: 4, emoji: "👍", on: true },
  });
  const b = new Outbox(storage);
  assert.equal(b.get("m1")?.replyTo, 4);
  assert.deepEqual(b.get("e1")?.change, { type: "edit", target: 4 });
  assert.deepEqual(b.get("x1")?.change, {
    type: "react",
    target: 4,
    emoji: "👍",
    on: true,
  });
  storage.setItem(
    OUTBOX_KEY,
    JSON.stringify([{
      room: "r",
      id: "bad",
      text: "",
      createdAt: 1,
      change: { type: "react", target: 4 },
    }]),
  );
  assert.equal(new Outbox(storage).list().length, 0);
});
