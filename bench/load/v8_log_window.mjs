/**
 * Cuts a V8 tick log (`DENO_V8_FLAGS=--prof,--logfile=…,--no-logfile-per-isolate`)
 * down to one time window and makes it readable by Node's tick processor
 * (`node --prof-process`), for a profile of a steady load without the
 * inspector: a Deno 2.9 server with `--inspect` attached reports every
 * WebSocket frame to it, which took 30–40 % of the profiled thread.
 *
 * Two things are changed: ticks outside the window are left out (the log
 * covers the process's whole life, connecting clients included), and the
 * code-kind markers newer than Node 20's V8 knows (`o+`, `+'`, …) are read
 * as optimised code (`*`), which only affects the `*`/`~` marks shown.
 *
 * Usage: node bench/load/v8_log_window.mjs <v8.log> <from-s> <to-s> > window.log
 *        node --prof-process window.log
 * where the window is in seconds before the log's last tick (e.g. `12 2.5`:
 * from 12 s to 2.5 s before the end).
 *
 * @module
 */
import { readFileSync } from "node:fs";

const [path, fromArg, toArg] = process.argv.slice(2);
if (!path || fromArg === undefined || toArg === undefined) {
  console.error("usage: v8_log_window.mjs <v8.log> <from-s> <to-s>");
  process.exit(2);
}
const lines = readFileSync(path, "utf8").split("\n");
let end = 0;
for (const line of lines) {
  if (line.startsWith("tick,")) end = Math.max(end, Number(line.split(",")[2]));
}
const lo = end - Number(fromArg) * 1e6;
const hi = end - Number(toArg) * 1e6;
const out = [];
for (const line of lines) {
  if (line.startsWith("tick,")) {
    const us = Number(line.split(",")[2]);
    if (us < lo || us > hi) continue;
    out.push(line);
  } else if (line.startsWith("code-creation,")) {
    out.push(line.replace(/,(o\+|o\*|\+'|o~|o\^|\^'|o)$/, ",*"));
  } else {
    out.push(line);
  }
}
process.stdout.write(out.join("\n"));
