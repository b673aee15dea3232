/**
 * Scenario 1: fan-out closed loop (see bench/load/fanout.mjs).
 *
 * @module
 */
import { runLoad } from "../lib/load.ts";
import type { Profile } from "../lib/profile.ts";
import { type ServerSpec, startServer } from "../lib/servers.ts";
import { summarize, summarizeRoles, type Summary } from "../lib/stats.ts";

/** One load run at one client count, as the controller reports it. */
export interface FanoutResult {
  clients: number;
  deliveriesPerSec: number;
  sendsPerSec: number;
  cpu: {
    server: number;
    generator: number;
    other: number;
    steal: number;
    /** Cores per process of a server side with several (nodes, Redis). */
    roles?: Record<string, number>;
  };
  check: {
    deliveriesPerSend: number;
    errors: number;
    stalls: number;
    closed: number;
    errorSample?: string;
    closeSample?: string;
  };
}

/** One run: every client count against one fresh server. */
export type FanoutRun = Record<string, FanoutResult>;

/**
 * Starts the server, runs each client count, stops it.
 * @param spec server under test
 * @param p fan-out parameters
 */
export async function runFanout(
  spec: ServerSpec,
  p: Profile["fanout"],
): Promise<FanoutRun> {
  const server = await startServer(spec);
  try {
    const out: FanoutRun = {};
    for (const clients of p.clients) {
      out[clients] = await runLoad(
        server,
        "fanout",
        { clients, warmMs: p.warmMs, measureMs: p.measureMs },
        1,
        p.warmMs + p.measureMs + 60_000,
      );
    }
    return out;
  } finally {
    await server.stop();
  }
}

/** Fan-out figures for one client count over the runs. */
export interface FanoutSummary {
  deliveriesPerSec: Summary | null;
  serverCpu: Summary | null;
  generatorCpu: Summary | null;
  /** Busy CPU of everything else on the machine (background load). */
  otherCpu: Summary | null;
  /** Server CPU per process (nodes, Redis) when it has several. */
  roleCpu: Record<string, Summary | null>;
  deliveriesPerSend: Summary | null;
  errors: number;
  stalls: number;
  closed: number;
  samples: string[];
}

/**
 * Summarises runs per client count.
 * @param runs the successful runs
 */
export function summarizeFanout(
  runs: FanoutRun[],
): Record<string, FanoutSummary> {
  const out: Record<string, FanoutSummary> = {};
  const counts = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  for (const c of counts) {
    const rs = runs.map((r) => r[c]).filter(Boolean);
    out[c] = {
      deliveriesPerSec: summarize(rs.map((r) => r.deliveriesPerSec)),
      serverCpu: summarize(rs.map((r) => r.cpu.server)),
      generatorCpu: summarize(rs.map((r) => r.cpu.generator)),
      otherCpu: summarize(rs.map((r) => r.cpu.other)),
      roleCpu: summarizeRoles(rs.map((r) => r.cpu.roles)),
      deliveriesPerSend: summarize(rs.map((r) => r.check.deliveriesPerSend)),
      errors: rs.reduce((s, r) => s + r.check.errors, 0),
      stalls: rs.reduce((s, r) => s + r.check.stalls, 0),
      closed: rs.reduce((s, r) => s + r.check.closed, 0),
      samples: rs.flatMap((r) =>
        [r.check.errorSample, r.check.closeSample].filter((x): x is string =>
          !!x
        )
      ),
    };
  }
  return out;
}
