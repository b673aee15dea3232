import { deepEqual, equal, rejects } from "node:assert/strict";
import { isBusyError, withBusyRetry } from "./busy_retry.ts";

Deno.test("isBusyError recognises SQLite's lock errors only", () => {
  equal(isBusyError(new Error("database is locked")), true);
  equal(isBusyError(new TypeError("Database is locked (code 5)")), true);
  equal(isBusyError(new Error("SQLITE_BUSY: cannot commit")), true);
  equal(isBusyError(new Error("sqlite_busy")), true);
  equal(isBusyError(new Error("Total mutation size too large")), false);
  equal(isBusyError(new Error("database is full")), false);
  equal(isBusyError("database is locked"), false);
  equal(isBusyError({ message: "database is locked" }), false);
  equal(isBusyError(undefined), false);
});

Deno.test("withBusyRetry returns the first result without retrying", async () => {
  let calls = 0;
  equal(await withBusyRetry(() => Promise.resolve(++calls * 10)), 10);
  equal(calls, 1);
});

Deno.test("withBusyRetry retries while the database is locked, then returns", async () => {
  const seen: number[] = [];
  const result = await withBusyRetry(() => {
    seen.push(seen.length + 1);
    if (seen.length < 4) {
      return Promise.reject(new Error("database is locked"));
    }
    return Promise.resolve("done");
  });
  equal(result, "done");
  deepEqual(seen, [1, 2, 3, 4]);
});

Deno.test("withBusyRetry throws any other error at once", async () => {
  let calls = 0;
  const failure = new TypeError("Total mutation size too large");
  await rejects(
    withBusyRetry(() => {
      calls++;
      return Promise.reject(failure);
    }),
    (error) => error === failure,
  );
  equal(calls, 1);
  // Also when it comes after a busy error.
  calls = 0;
  await rejects(
    withBusyRetry(() => {
      calls++;
      return Promise.reject(
        calls === 1 ? new Error("database is locked") : failure,
      );
    }),
    (error) => error === failure,
  );
  equal(calls, 2);
});

Deno.test("withBusyRetry gives up after 20 attempts with the last error", async () => {
  let calls = 0;
  await rejects(
    withBusyRetry(() => {
      calls++;
      return Promise.reject(new Error(`database is locked #${calls}`));
    }),
    new Error("database is locked #20"),
  );
  equal(calls, 20);
});

Deno.test("withBusyRetry runs a real KV operation", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const result = await withBusyRetry(() => kv.set(["k"], 1));
    equal(result.ok, true);
    equal((await withBusyRetry(() => kv.get<number>(["k"]))).value, 1);
  } finally {
    kv.close();
  }
});
