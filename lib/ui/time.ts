/**
 * Timestamps for people: relative ("3 min ago") and absolute.
 *
 * @module
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTHS = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];

/**
 * `ts` relative to `now` (both epoch ms), in short English: "just now",
 * "5 min ago", "3 h ago", "yesterday", "4 days ago", then a date in UTC
 * ("Mar 3" or "Mar 3, 2025"). Deterministic, so server and browser agree.
 */
export function relativeTime(ts: number, now: number): string {
  const ago = now - ts;
  if (ago < 45_000) return "just now";
  if (ago < HOUR) return `${Math.max(1, Math.round(ago / MINUTE))} min ago`;
  if (ago < DAY) return `${Math.floor(ago / HOUR)} h ago`;
  if (ago < 2 * DAY) return "yesterday";
  if (ago < 7 * DAY) return `${Math.floor(ago / DAY)} days ago`;
  const d = new Date(ts);
  const day = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
  return d.getUTCFullYear() === new Date(now).getUTCFullYear()
    ? day
    : `${day}, ${d.getUTCFullYear()}`;
}

/** An unambiguous absolute time in UTC: `2026-11-21 12:30 UTC`. */
export function absoluteTimeUtc(ts: number): string {
  return new Date(ts).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** How long until {@linkcode relativeTime} may change (for re-render timers). */
export function refreshIn(ts: number, now: number): number {
  const ago = now - ts;
  if (ago < HOUR) return 15_000;
  return 5 * MINUTE;
}
