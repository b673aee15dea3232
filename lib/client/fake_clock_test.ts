import assert from "node:assert/strict";
import { FakeClock } from "./fake_clock.ts";

Deno.test("fake clock: timers run in due order, at their due time", () => {
  const clock = new FakeClock(0);
  const log: string[] = [];
  clock.setTimeout(() => log.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => log.push(`a@${clock.now()}`), 10);
  clock.setTimeout(() => log.push(`c@${clock.now()}`), 20);
  clock.advance(15);
  assert.deepEqual(log, ["a@10"]);
  assert.equal(clock.now(), 15);
  assert.equal(clock.nextIn, 5);
  clock.advance(5);
  assert.deepEqual(log, ["a@10", "b@20", "c@20"]);
  assert.equal(clock.pending, 0);
  assert.equal(clock.nextIn, undefined);
});

Deno.test("fake clock: a timer set by a timer runs within the same advance; cleared ones never", () => {
  const clock = new FakeClock(0);
  const log: number[] = [];
  clock.setTimeout(() => {
    log.push(clock.now());
    clock.setTimeout(() => log.push(clock.now()), 10);
  }, 10);
  const never = clock.setTimeout(() => log.push(-1), 15);
  clock.clearTimeout(never);
  clock.clearTimeout(undefined);
  clock.advance(100);
  assert.deepEqual(log, [10, 20]);
  assert.equal(clock.now(), 100);
});
