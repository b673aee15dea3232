import assert from "node:assert/strict";
import { absoluteTimeUtc, relativeTime } from "./time.ts";

Deno.test("relativeTime in short English", () => {
  const now = Date.UTC(2026, 10, 21, 12, 0, 0);
  const cases: [number, string][] = [
    [0, "just now"],
    [30_000, "just now"],
    [50_000, "1 min ago"],
    [5 * 60_000, "5 min ago"],
    [59 * 60_000, "59 min ago"],
    [3 * 3_600_000, "3 h ago"],
    [30 * 3_600_000, "yesterday"],
    [4 * 86_400_000, "4 days ago"],
    [30 * 86_400_000, "Oct 22"],
    [400 * 86_400_000, "Oct 17, 2025"],
  ];
  for (const [ago, text] of cases) {
    assert.equal(relativeTime(now - ago, now), text, `${ago}`);
  }
  assert.equal(relativeTime(now + 5_000, now), "just now", "clock skew");
});

Deno.test("absoluteTimeUtc", () => {
  assert.equal(
    absoluteTimeUtc(Date.UTC(2026, 10, 21, 9, 5, 59)),
    "2026-11-21 09:05 UTC",
  );
});
