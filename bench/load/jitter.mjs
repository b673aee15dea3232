/**
 * The machine's own scheduling noise floor, as the load generator sees it:
 * how late a `setTimeout(…, 1)` fires in an otherwise idle Node process,
 * over `ms` milliseconds. Prints `{p50, p99, max}` in ms as one JSON line.
 *
 * Usage: node bench/load/jitter.mjs [ms]
 *
 * @module
 */
const ms = Number(process.argv[2] ?? 3000);
/** @type {number[]} */
const late = [];
let last = performance.now();
const end = last + ms;
const tick = () => {
  const now = performance.now();
  late.push(Math.max(0, now - last - 1));
  last = now;
  if (now < end) {
    setTimeout(tick, 1);
    return;
  }
  late.sort((a, b) => a - b);
  const q = (/** @type {number} */ p) =>
    Math.round(
      late[Math.min(late.length - 1, Math.floor(late.length * p))] * 100,
    ) / 100;
  console.log(JSON.stringify({ p50: q(0.5), p99: q(0.99), max: q(1) }));
};
setTimeout(tick, 1);
