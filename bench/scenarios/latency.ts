/**
 * Scenario 2: open-loop latency at fixed offered loads (see
 * bench/load/latency.mjs).
 *
 * @module
 */
import { runLoad } from "../lib/load.ts";
import type { Profile } from "../lib/profile.ts";
import { type ServerSpec, startServer } from "../lib/servers.ts";
import { summarize, summarizeRoles, type Summary } from "../lib/stats.ts";

/** The p99 bound the scenario reports against, in milliseconds. */
export const P99_BOUND_MS = 10;

/** One offered level of one run. */
export interface LatencyLevel {
  offered: number;
  skipped?: string;
  delivered?: number;
  missing?: number;
  p50?: number;
  p99?: number;
  p999?: number;
  max?: number;
  cpu?: {
    server: number;
    generator: number;
    other: number;
    steal: number;
    /** Cores per process of a server side with several (nodes, Redis). */
    roles?: Record<string, number>;
    /** The server's cores by kind of thread (`main`, `sw`: Deno KV's writer, …). */
    threads?: Record<string, number>;
  };
  maxSendLagMs?: number;
  errors?: number;
  closed?: number;
  errorSample?: string;
  closeSample?: string;
}

/** One run. */
export interface LatencyRun {
  rooms: number;
  members: number;
  connectMs: number;
  levels: LatencyLevel[];
}

/**
 * Starts the server, connects rooms × members, runs each level, stops it.
 * @param spec server under test
 * @param p latency parameters
 */
export async function runLatency(
  spec: ServerSpec,
  p: Profile["latency"],
): Promise<LatencyRun> {
  const server = await startServer(spec);
  try {
    const perLevel = p.warmMs + p.measureMs + p.drainMs + 5000;
    return await runLoad(
      server,
      "latency",
      { ...p },
      p.workers,
      120_000 + p.levels.length * perLevel,
    );
  } finally {
    await server.stop();
  }
}

/** Figures for one offered level over the runs. */
export interface LatencyLevelSummary {
  offered: number;
  runs: number;
  skipped: number;
  delivered: Summary | null;
  missing: number;
  p50: Summary | null;
  p99: Summary | null;
  p999: Summary | null;
  serverCpu: Summary | null;
  generatorCpu: Summary | null;
  /** Busy CPU of everything else on the machine (background load). */
  otherCpu: Summary | null;
  /** Server CPU per process (nodes, Redis) when it has several. */
  roleCpu: Record<string, Summary | null>;
  /** Server CPU by kind of thread. */
  threadCpu: Record<string, Summary | null>;
  maxSendLagMs: Summary | null;
  errors: number;
  closed: number;
}

/** Summary of the scenario for one server. */
export interface LatencySummary {
  levels: LatencyLevelSummary[];
  /** Highest offered load whose median p99 is within the bound (0: none). */
  maxOfferedWithinBound: number;
}

/**
 * Summarises runs per level.
 * @param runs the successful runs
 */
export function summarizeLatency(runs: LatencyRun[]): LatencySummary {
  const offered = [
    ...new Set(runs.flatMap((r) => r.levels.map((l) => l.offered))),
  ];
  const levels = offered.map((o): LatencyLevelSummary => {
    const all = runs.map((r) => r.levels.find((l) => l.offered === o))
      .filter((l): l is LatencyLevel => !!l);
    const ls = all.filter((l) => !l.skipped);
    return {
      offered: o,
      runs: ls.length,
      skipped: all.length - ls.length,
      delivered: summarize(ls.map((l) => l.delivered)),
      missing: ls.reduce((s, l) => s + (l.missing ?? 0), 0),
      p50: summarize(ls.map((l) => l.p50)),
      p99: summarize(ls.map((l) => l.p99)),
      p999: summarize(ls.map((l) => l.p999)),
      serverCpu: summarize(ls.map((l) => l.cpu?.server)),
      generatorCpu: summarize(ls.map((l) => l.cpu?.generator)),
      otherCpu: summarize(ls.map((l) => l.cpu?.other)),
      roleCpu: summarizeRoles(ls.map((l) => l.cpu?.roles)),
      threadCpu: summarizeRoles(ls.map((l) => l.cpu?.threads)),
      maxSendLagMs: summarize(ls.map((l) => l.maxSendLagMs)),
      errors: ls.reduce((s, l) => s + (l.errors ?? 0), 0),
      closed: ls.reduce((s, l) => s + (l.closed ?? 0), 0),
    };
  });
  let maxOfferedWithinBound = 0;
  for (const l of levels) {
    if (l.skipped > 0 || !l.p99 || l.p99.median > P99_BOUND_MS) break;
    maxOfferedWithinBound = l.offered;
  }
  return { levels, maxOfferedWithinBound };
}
