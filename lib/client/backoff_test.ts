import assert from "node:assert/strict";
import { Backoff } from "./backoff.ts";

Deno.test("Backoff grows exponentially to the cap, with jitter in [d/2, d]", () => {
  const low = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => low.next()), [
    50,
    100,
    200,
    400,
    500,
    500,
  ]);
  const high = new Backoff({
    baseMs: 100,
    maxMs: 1000,
    random: () => 0.999999,
  });
  assert.deepEqual([1, 2, 3, 4, 5].map(() => high.next()), [
    100,
    200,
    400,
    800,
    1000,
  ]);
  assert.equal(high.attempt, 5);
  high.reset();
  assert.equal(high.attempt, 0);
  assert.equal(high.next(), 100);
});

Deno.test("Backoff delays are spread out (jitter)", () => {
  const b = () => new Backoff({ baseMs: 1000 });
  const delays = new Set(Array.from({ length: 20 }, () => b().next()));
  assert.ok(delays.size > 10, "different clients wait different times");
  for (const d of delays) assert.ok(d >= 500 && d <= 1000);
});
