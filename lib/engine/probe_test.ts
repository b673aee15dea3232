import { deepEqual } from "node:assert/strict";
import { probe } from "./probe.ts";

Deno.test("probe: an answer is ok, a failure or silence says why", async () => {
  deepEqual(await probe("storage", () => Promise.resolve(1), 1_000), {
    ok: true,
  });
  deepEqual(
    await probe("redis", () => Promise.reject(new Error("refused")), 1_000),
    { ok: false, reason: "redis unreachable: refused" },
  );
  deepEqual(await probe("storage", () => new Promise(() => {}), 20), {
    ok: false,
    reason: "storage unreachable: no answer in 20 ms",
  });
});
