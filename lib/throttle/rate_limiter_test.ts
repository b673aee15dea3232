import { deepEqual, equal } from "node:assert/strict";
import { RateLimiter, TokenBucket } from "./rate_limiter.ts";

Deno.test("a bucket allows a burst, then says how long to wait", () => {
  const bucket = new TokenBucket(2, 3, 0);
  deepEqual([bucket.take(0), bucket.take(0), bucket.take(0)], [0, 0, 0]);
  equal(bucket.take(0), 500); // one token takes 1000 / 2 ms
  equal(bucket.take(0), 500); // a refused take costs nothing
  equal(bucket.take(250), 250); // half a token is back
  equal(bucket.take(400), 100);
  equal(bucket.take(500), 0);
  equal(bucket.take(500), 500);
});

Deno.test("a bucket refills at `rate` a second up to `burst`", () => {
  const bucket = new TokenBucket(10, 5, 1_000);
  for (let i = 0; i < 5; i++) equal(bucket.take(1_000), 0);
  equal(bucket.take(1_000), 100);
  // 300 ms bring back 3 tokens.
  deepEqual([1, 2, 3, 4].map(() => bucket.take(1_300)), [0, 0, 0, 100]);
  // A long idle time refills to the burst, not beyond.
  const after = 1_000_000;
  deepEqual(
    [1, 2, 3, 4, 5, 6].map(() => bucket.take(after)),
    [0, 0, 0, 0, 0, 100],
  );
});

Deno.test("a steady rate at the limit is never refused", () => {
  const bucket = new TokenBucket(20, 1, 0);
  const waits: number[] = [];
  for (let t = 0; t <= 10_000; t += 50) waits.push(bucket.take(t));
  equal(waits.filter((w) => w !== 0).length, 0);
  equal(bucket.take(10_000), 50);
});

Deno.test("waits are rounded up to whole milliseconds", () => {
  const bucket = new TokenBucket(3, 1, 0);
  equal(bucket.take(0), 0);
  equal(bucket.take(0), 334); // 333.33… ms
  equal(bucket.take(1), 333); // 330 ms left: ceil(1 - 0.003) * 1000 / 3
});

Deno.test("a rate of 0 never limits", () => {
  const bucket = new TokenBucket(0, 1, 0);
  for (let i = 0; i < 100; i++) equal(bucket.take(0), 0);
  const limiter = new RateLimiter(0, 1);
  for (let i = 0; i < 100; i++) equal(limiter.take("u_a", 0), 0);
});

Deno.test("a limiter keeps one bucket per key", () => {
  const limiter = new RateLimiter(1, 2);
  deepEqual(
    [limiter.take("u_a", 0), limiter.take("u_a", 0), limiter.take("u_a", 0)],
    [0, 0, 1000],
  );
  deepEqual([limiter.take("u_b", 0), limiter.take("u_b", 0)], [0, 0]);
  equal(limiter.take("u_b", 0), 1000);
  equal(limiter.take("u_a", 400), 600);
  equal(limiter.take("u_a", 1000), 0);
});

Deno.test("a limiter forgets every bucket past 100 000 keys (a fresh bucket is full)", () => {
  const limiter = new RateLimiter(1, 1);
  equal(limiter.take("u_a", 0), 0);
  equal(limiter.take("u_a", 0), 1000);
  for (let i = 1; i < 100_000; i++) limiter.take(`k${i}`, 0);
  equal(limiter.take("u_a", 0), 1000); // still remembered at 100 000 keys
  limiter.take("one-too-many", 0);
  equal(limiter.take("u_a", 0), 0);
});

Deno.test("waiting takes nothing; taking after it does", () => {
  const bucket = new TokenBucket(1, 1, 0);
  deepEqual([bucket.wait(0), bucket.wait(0)], [0, 0]);
  deepEqual([bucket.take(0), bucket.wait(0), bucket.take(0)], [0, 1000, 1000]);
  const limiter = new RateLimiter(1, 1);
  deepEqual([limiter.wait("u_a", 0), limiter.take("u_a", 0)], [0, 0]);
  equal(limiter.wait("u_a", 250), 750);
});
