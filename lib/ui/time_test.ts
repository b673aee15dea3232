import assert from "node:assert/strict";
import {
  absoluteTimeUtc,
  clockTime,
  dayKey,
  dayLabel,
  relativeTime,
} from "./time.ts";

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

Deno.test("dayLabel: Today, Yesterday, then weekday and date (UTC unless local)", () => {
  const now = Date.UTC(2026, 10, 21, 0, 30); // a Saturday, just after midnight
  assert.equal(dayLabel(now - 20 * 60_000, now), "Today");
  assert.equal(dayLabel(now - 40 * 60_000, now), "Yesterday");
  assert.equal(
    dayLabel(Date.UTC(2026, 10, 19, 23), now),
    "Thursday, November 19",
  );
  assert.equal(
    dayLabel(Date.UTC(2025, 0, 2), now),
    "Thursday, January 2, 2025",
  );
  assert.equal(
    dayLabel(Date.UTC(2026, 2, 1), Date.UTC(2026, 2, 2)),
    "Yesterday",
  );
});

Deno.test("dayKey and clockTime", () => {
  assert.equal(
    dayKey(Date.UTC(2026, 0, 1, 0, 0)),
    dayKey(Date.UTC(2026, 0, 1, 23, 59)),
  );
  assert.notEqual(
    dayKey(Date.UTC(2026, 0, 1, 23, 59)),
    dayKey(Date.UTC(2026, 0, 2)),
  );
  assert.equal(clockTime(Date.UTC(2026, 0, 1, 9, 5)), "09:05");
  assert.equal(clockTime(Date.UTC(2026, 0, 1, 23, 59)), "23:59");
  const t = Date.UTC(2026, 0, 1, 9, 5);
  const d = new Date(t);
  assert.equal(
    clockTime(t, true),
    `${String(d.getHours()).padStart(2, "0")}:${
      String(d.getMinutes()).padStart(2, "0")
    }`,
  );
});
