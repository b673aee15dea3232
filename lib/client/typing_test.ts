import assert from "node:assert/strict";
import type { User } from "../protocol/types.ts";
import { FakeClock } from "./fake_clock.ts";
import { TypingTracker } from "./typing.ts";

const bob: User = { id: "u_bob", name: "bob" };
const carol: User = { id: "u_carol", name: "carol" };

Deno.test("typing: a signal shows for 4 s, repeated signals extend it, a message ends it", () => {
  const clock = new FakeClock(0);
  const changes: string[] = [];
  const typing = new TypingTracker(clock, (room) => changes.push(room));
  typing.signal("general", bob);
  typing.signal("general", carol);
  assert.deepEqual(typing.list("general").map((u) => u.name), [
    "bob",
    "carol",
  ]);
  clock.advance(3_000);
  typing.signal("general", bob);
  clock.advance(1_000);
  assert.deepEqual(typing.list("general"), [bob]);
  typing.stop("general", bob.id);
  assert.deepEqual(typing.list("general"), []);
  assert.deepEqual(typing.list("elsewhere"), []);
  assert.deepEqual(changes.length, 4);
  assert.equal(clock.pending, 0);
});

Deno.test("typing: clear forgets every room", () => {
  const clock = new FakeClock(0);
  const typing = new TypingTracker(clock, () => {});
  typing.signal("a", bob);
  typing.signal("b", carol);
  typing.clear();
  assert.deepEqual([...typing.list("a"), ...typing.list("b")], []);
  assert.equal(clock.pending, 0);
});
