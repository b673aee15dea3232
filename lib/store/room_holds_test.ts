import { deepEqual, equal } from "node:assert/strict";
import { FakeClock } from "../client/fake_clock.ts";
import { HOLD_MAX_MS, HOLD_MIN_MS, holdFor, RoomHolds } from "./room_holds.ts";

Deno.test("a hold lasts its time, and a shorter one does not cut a longer one", () => {
  const clock = new FakeClock();
  const holds = new RoomHolds(() => {}, clock);
  holds.hold(["a", "b"], 100);
  holds.hold(["a"], 30);
  equal(holds.isHeld("a"), true);
  equal(holds.isHeld("c"), false);
  clock.advance(99);
  deepEqual([holds.isHeld("a"), holds.isHeld("b")], [true, true]);
  clock.advance(1);
  deepEqual([holds.isHeld("a"), holds.isHeld("b")], [false, false]);
});

Deno.test("no hold is longer than the longest a writer grants", () => {
  const clock = new FakeClock();
  const holds = new RoomHolds(() => {}, clock);
  holds.hold(["a"], 60_000);
  clock.advance(HOLD_MAX_MS);
  equal(holds.isHeld("a"), false);
});

Deno.test("waiting rooms are released once, when the earliest of their holds ends", () => {
  const clock = new FakeClock();
  const released: number[] = [];
  const holds = new RoomHolds(() => released.push(clock.now()), clock);
  const start = clock.now();
  holds.hold(["late"], 200);
  holds.wakeAfter(["late", "free"]);
  holds.hold(["soon"], 50);
  holds.wakeAfter(["soon", "late"]);
  holds.wakeAfter(["late"]); // a later wake-up does not replace the sooner
  equal(clock.pending, 1);
  clock.advance(250);
  deepEqual(released, [start + 50]);
  holds.wakeAfter(["free"]); // nothing held: nothing to wait for
  equal(clock.pending, 0);
});

Deno.test("a hold is a few of the asking writer's attempts long, within bounds", () => {
  equal(holdFor(0.3), HOLD_MIN_MS);
  equal(holdFor(10), 40);
  equal(holdFor(5_000), HOLD_MAX_MS);
});
