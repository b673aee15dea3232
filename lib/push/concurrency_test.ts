import { deepEqual, equal, rejects } from "node:assert/strict";
import { ConcurrencyLimit } from "./concurrency.ts";

Deno.test("at most max tasks run at once; the others wait in order", async () => {
  const limit = new ConcurrencyLimit(2);
  const gates: Array<() => void> = [];
  const started: number[] = [];
  const task = (n: number) => () =>
    new Promise<number>((resolve) => {
      started.push(n);
      gates[n] = () => resolve(n);
    });
  const runs = [0, 1, 2, 3].map((n) => limit.run(task(n)));
  await Promise.resolve();
  deepEqual(started, [0, 1]);
  equal(limit.active, 2);
  equal(limit.waiting, 2);
  gates[1]();
  await runs[1];
  await new Promise((resolve) => setTimeout(resolve, 0));
  deepEqual(started, [0, 1, 2]);
  gates[0]();
  gates[2]();
  await new Promise((resolve) => setTimeout(resolve, 0));
  deepEqual(started, [0, 1, 2, 3]);
  gates[3]();
  deepEqual(await Promise.all(runs), [0, 1, 2, 3]);
  equal(limit.active, 0);
  equal(limit.waiting, 0);
});

Deno.test("a failing task gives its turn back", async () => {
  const limit = new ConcurrencyLimit(1);
  await rejects(limit.run(() => Promise.reject(new Error("boom"))), /boom/);
  equal(await limit.run(() => Promise.resolve(7)), 7);
  equal(limit.active, 0);
});
