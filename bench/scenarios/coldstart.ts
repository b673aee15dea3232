/**
 * Scenario 4: cold start, process spawn to the first 200 from `/healthz`
 * (every peer has a plain `/healthz` route). Discarded starts first (full
 * runs), so that every measured start finds the same warm module and page
 * caches.
 *
 * @module
 */
import type { Profile } from "../lib/profile.ts";
import { type ServerSpec, startServer } from "../lib/servers.ts";
import { summarize, type Summary } from "../lib/stats.ts";

/** One run: the start-up times in milliseconds. */
export interface ColdstartRun {
  startupMs: number[];
}

/**
 * Starts and stops the server `p.discard` + `p.runs` times.
 * @param spec server under test
 * @param p cold-start parameters
 */
export async function runColdstart(
  spec: ServerSpec,
  p: Profile["coldstart"],
): Promise<ColdstartRun> {
  const startupMs: number[] = [];
  for (let i = 0; i < p.discard + p.runs; i++) {
    const server = await startServer(spec, { timeoutMs: 30_000 });
    await server.stop();
    if (i >= p.discard) startupMs.push(Math.round(server.startupMs * 10) / 10);
  }
  return { startupMs };
}

/**
 * Summarises the start-up times.
 * @param runs the successful runs
 */
export function summarizeColdstart(runs: ColdstartRun[]): Summary | null {
  return summarize(runs.flatMap((r) => r.startupMs));
}
