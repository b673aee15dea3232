/**
 * What grouping appends into shared commits saves: the embedded engine's
 * writer (`AppendWriter`) over a KV file takes messages for `rooms` rooms at
 * a fixed rate (open loop), with and without the gather wait
 * (`gatherMs`); reported per message: commits, the process's CPU (the JS
 * thread and SQLite's together, as a server pinned to one core pays them),
 * and append latency (send → durable) p50/p99.
 *
 * Usage: deno run -A bench/commit_grouping.ts [rate=2500,5000] [seconds=4]
 *   [rooms=1000] [gatherMs=0,1,2]
 *
 * @module
 */
import { cpuUsage } from "node:process";
import { AppendWriter } from "../lib/store/append_writer.ts";

const RATES = (Deno.args[0] ?? "2500,5000").split(",").map(Number);
const SECONDS = Number(Deno.args[1] ?? 4);
const ROOMS = Number(Deno.args[2] ?? 1000);
const GATHERS = (Deno.args[3] ?? "0,1,2").split(",").map(Number);

async function run(rate: number, gatherMs: number) {
  const dir = await Deno.makeTempDir({ prefix: "commit-grouping-" });
  const kv = await Deno.openKv(`${dir}/bench.kv`);
  let commits = 0;
  // Counts atomic operations: the one thing grouping changes.
  const counting = new Proxy(kv, {
    get(target, key) {
      if (key === "atomic") {
        return () => {
          commits++;
          return target.atomic();
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const writer = new AppendWriter(counting, { retain: 1000, gatherMs });
  const user = { id: "u_bench", name: "bench" };
  const latencies: number[] = [];
  const total = rate * SECONDS;
  // Warm up the rooms' tails (first appends read them).
  await Promise.all(
    Array.from(
      { length: ROOMS },
      (_, i) =>
        writer.append(`r${i}`, user, `w${i}`, {
          type: "message",
          text: "warm",
        }),
    ),
  );
  commits = 0;
  const cpuBefore = cpuUsage();
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    pending.push(
      writer.append(`r${i % ROOMS}`, user, `m${i}`, {
        type: "message",
        text: `message ${i} of the benchmark`,
      }).then(() => {
        latencies.push(performance.now() - Math.max(sent, due));
      }),
    );
  }
  await Promise.all(pending);
  const cpu = cpuUsage(cpuBefore);
  const wall = performance.now() - started;
  kv.close();
  await Deno.remove(dir, { recursive: true });
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.floor(q * (latencies.length - 1))];
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `rate ${String(rate).padStart(5)}/s gather ${gatherMs} ms: ` +
      `${(total / commits).toFixed(2)} messages/commit, ` +
      `CPU ${(cpuMs / total * 1000).toFixed(1)} µs/message (${
        (cpuMs / wall).toFixed(2)
      } cores), ` +
      `append p50 ${at(0.5).toFixed(2)} ms p99 ${at(0.99).toFixed(2)} ms`,
  );
}

for (const rate of RATES) {
  for (const gatherMs of GATHERS) await run(rate, gatherMs);
}
