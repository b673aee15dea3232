import assert from "node:assert/strict";
import type { StorageLike } from "../client/outbox.ts";
import {
  LABELS_KEY,
  readLabels,
  readVisited,
  recordLabel,
  recordVisit,
  VISITED_KEY,
  VISITED_MAX,
} from "./visited_rooms.ts";

function memory(): StorageLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

Deno.test("visited rooms: most recent first, no repeats, capped", () => {
  const s = memory();
  assert.deepEqual(readVisited(s), []);
  recordVisit(s, "general");
  recordVisit(s, "random");
  assert.deepEqual(recordVisit(s, "general"), ["general", "random"]);
  assert.deepEqual(readVisited(s), ["general", "random"]);
  for (let i = 0; i < VISITED_MAX + 5; i++) recordVisit(s, `r${i}`);
  const rooms = readVisited(s);
  assert.equal(rooms.length, VISITED_MAX);
  assert.equal(rooms[0], `r${VISITED_MAX + 4}`);
});

Deno.test("visited rooms: junk in storage and failing storage are harmless", () => {
  const s = memory();
  s.data.set(VISITED_KEY, "{not json");
  assert.deepEqual(readVisited(s), []);
  s.data.set(VISITED_KEY, JSON.stringify(["ok", 3, "Bad Name", "<x>"]));
  assert.deepEqual(readVisited(s), ["ok"]);
  const full: StorageLike = {
    getItem: () => null,
    setItem: () => {
      throw new DOMException("full", "QuotaExceededError");
    },
    removeItem: () => {},
  };
  assert.deepEqual(recordVisit(full, "general"), ["general"]);
  assert.deepEqual(readVisited(null), []);
});

Deno.test("visited rooms: a DM's label is kept while its room is remembered", () => {
  const storage = memory();
  let rooms = recordVisit(storage, "dm-abc");
  assert.deepEqual(recordLabel(storage, "dm-abc", "Maya", rooms), {
    "dm-abc": "Maya",
  });
  rooms = recordVisit(storage, "general");
  assert.deepEqual(recordLabel(storage, "general", undefined, rooms), {
    "dm-abc": "Maya",
  });
  assert.deepEqual(readLabels(storage), { "dm-abc": "Maya" });
  // Forgotten with its room; junk in storage is ignored.
  assert.deepEqual(recordLabel(storage, "general", undefined, ["general"]), {});
  storage.setItem(LABELS_KEY, JSON.stringify({ "Bad Room": "x", ok: 7 }));
  assert.deepEqual(readLabels(storage), {});
  storage.setItem(LABELS_KEY, "{not json");
  assert.deepEqual(readLabels(storage), {});
});
