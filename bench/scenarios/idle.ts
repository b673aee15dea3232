/**
 * Scenario 3: idle connections (see bench/load/idle.mjs). Servers start so
 * that a full GC can be forced (ours and the Node peers with an inspector on
 * a loopback port, Bun with a bench-only GC route; bench/lib/servers.ts), and
 * RSS per connection is reported both without and after a forced GC.
 *
 * @module
 */
import { runLoad } from "../lib/load.ts";
import type { Profile } from "../lib/profile.ts";
import { type ServerSpec, startServer } from "../lib/servers.ts";
import { summarize, type Summary } from "../lib/stats.ts";

/** One step of one run. */
export interface IdleLevel {
  connections: number;
  open: number;
  failed: number;
  firstError?: string;
  connectPerSec: number;
  /** CPU (cores) while the step's connections were being opened. */
  connectCpu: { server: number; generator: number; other: number };
  /** RSS after the settle period, no GC forced. */
  rssKiB: number;
  /** (rssKiB − baseline) / open. */
  perConnKiB: number | null;
  /** RSS after forced full GCs (null when the server can't be asked). */
  gcRssKiB?: number | null;
  /** RSS after the first of the forced GCs. */
  gcFirstRssKiB?: number | null;
  /** (gcRssKiB − baseline after the same GCs) / open. */
  gcPerConnKiB?: number | null;
  /** How long the GC requests took, ms. */
  gcMs?: number | null;
  idleCpu: { server: number; generator: number; other: number; steal: number };
  closeSample?: string;
}

/** One run. */
export interface IdleRun {
  /** RSS with no connection, no GC forced. */
  baseRssKiB: number;
  /** RSS with no connection after forced full GCs. */
  baseGcRssKiB?: number | null;
  /** The same after the first of those GCs. */
  baseGcFirstRssKiB?: number | null;
  levels: IdleLevel[];
}

/**
 * Starts the server, grows the connections step by step, stops it.
 * @param spec server under test
 * @param p idle parameters
 */
export async function runIdle(
  spec: ServerSpec,
  p: Profile["idle"],
): Promise<IdleRun> {
  const server = await startServer(spec, { forceGc: true });
  try {
    return await runLoad(
      server,
      "idle",
      {
        levels: p.levels,
        roomSize: p.roomSize,
        settleMs: p.settleMs,
        idleMs: p.idleMs,
        gcSettleMs: p.gcSettleMs,
        concurrency: p.concurrency,
      },
      p.workers,
      60_000 +
        (p.levels.length + 1) *
          (p.settleMs + p.idleMs + 2 * p.gcSettleMs + 60_000),
    );
  } finally {
    await server.stop();
  }
}

/** Figures for one step over the runs. */
export interface IdleLevelSummary {
  connections: number;
  openMin: number;
  failed: number;
  /** RSS per connection, no GC forced. */
  perConnKiB: Summary | null;
  /** RSS per connection after forced full GCs. */
  gcPerConnKiB: Summary | null;
  /** RSS, no GC forced. */
  rssMiB: Summary | null;
  /** RSS after forced full GCs. */
  gcRssMiB: Summary | null;
  connectPerSec: Summary | null;
  connectServerCpu: Summary | null;
  connectGeneratorCpu: Summary | null;
  idleServerCpu: Summary | null;
  samples: string[];
}

/**
 * Summarises runs per step.
 * @param runs the successful runs
 */
export function summarizeIdle(runs: IdleRun[]): IdleLevelSummary[] {
  const targets = [
    ...new Set(runs.flatMap((r) => r.levels.map((l) => l.connections))),
  ];
  return targets.map((t) => {
    const ls = runs.map((r) => r.levels.find((l) => l.connections === t))
      .filter((l): l is IdleLevel => !!l);
    return {
      connections: t,
      openMin: Math.min(...ls.map((l) => l.open)),
      failed: ls.reduce((s, l) => s + l.failed, 0),
      perConnKiB: summarize(ls.map((l) => l.perConnKiB)),
      gcPerConnKiB: summarize(ls.map((l) => l.gcPerConnKiB)),
      rssMiB: summarize(ls.map((l) => l.rssKiB / 1024)),
      gcRssMiB: summarize(
        ls.map((l) =>
          typeof l.gcRssKiB === "number" ? l.gcRssKiB / 1024 : null
        ),
      ),
      connectPerSec: summarize(ls.map((l) => l.connectPerSec)),
      connectServerCpu: summarize(ls.map((l) => l.connectCpu?.server)),
      connectGeneratorCpu: summarize(ls.map((l) => l.connectCpu?.generator)),
      idleServerCpu: summarize(ls.map((l) => l.idleCpu.server)),
      samples: ls.flatMap((l) =>
        [l.firstError, l.closeSample].filter((x): x is string => !!x)
      ),
    };
  });
}
