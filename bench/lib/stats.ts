/**
 * Summaries over repeated runs.
 *
 * @module
 */

/** Median with the range of the runs it summarises. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

/**
 * Median, min and max of the finite values of `xs` (null when none).
 * @param xs one value per run
 */
export function summarize(xs: (number | null | undefined)[]): Summary | null {
  const v = xs.filter((x): x is number => typeof x === "number" && isFinite(x))
    .sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length };
}

/**
 * {@linkcode summarize} per name over runs that each give a number per name
 * (a server's CPU per process); empty when no run has any.
 * @param runs one record (or nothing) per run
 */
export function summarizeRoles(
  runs: (Record<string, number> | undefined)[],
): Record<string, Summary | null> {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r ?? {})))];
  return Object.fromEntries(
    names.map((name) => [name, summarize(runs.map((r) => r?.[name]))]),
  );
}
