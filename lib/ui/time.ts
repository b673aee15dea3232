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
const FULL_MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
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

const WEEKDAYS = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
];

/**
 * A calendar day and clock time in UTC (`local: false`: the server, and the
 * page before its script runs, agree on it) or in the browser's zone.
 */
function parts(ts: number, local: boolean) {
  const d = new Date(ts);
  return local
    ? {
      year: d.getFullYear(),
      month: d.getMonth(),
      day: d.getDate(),
      weekday: d.getDay(),
      hours: d.getHours(),
      minutes: d.getMinutes(),
    }
    : {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth(),
      day: d.getUTCDate(),
      weekday: d.getUTCDay(),
      hours: d.getUTCHours(),
      minutes: d.getUTCMinutes(),
    };
}

/** A key equal for two times on the same calendar day (UTC or local). */
export function dayKey(ts: number, local = false): string {
  const p = parts(ts, local);
  return `${p.year}-${p.month}-${p.day}`;
}

/**
 * The heading of a day's messages: "Today", "Yesterday", else the weekday
 * and date ("Monday, March 3"), with the year when it is not `now`'s.
 */
export function dayLabel(ts: number, now: number, local = false): string {
  const key = dayKey(ts, local);
  if (key === dayKey(now, local)) return "Today";
  // Noon of the day before `now`, so daylight-saving days count as one day.
  const today = parts(now, local);
  const yesterday = local
    ? new Date(today.year, today.month, today.day - 1, 12).getTime()
    : Date.UTC(today.year, today.month, today.day - 1, 12);
  if (key === dayKey(yesterday, local)) return "Yesterday";
  const p = parts(ts, local);
  const date = `${WEEKDAYS[p.weekday]}, ${FULL_MONTHS[p.month]} ${p.day}`;
  return p.year === today.year ? date : `${date}, ${p.year}`;
}

/** The clock time, 24-hour: `09:05`. */
export function clockTime(ts: number, local = false): string {
  const p = parts(ts, local);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(p.hours)}:${pad(p.minutes)}`;
}
