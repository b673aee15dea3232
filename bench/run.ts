/**
 * `deno task bench`: runs the chat benchmarks (fan-out, open-loop latency,
 * idle connections, cold start) against our server and the peers in
 * bench/peers/, writes the results as JSON in bench/results/ and the tables
 * in BENCHMARKS.md. See `--help`.
 *
 * @module
 */
import {
  type Options,
  parseArgs,
  type Scenario,
  SCENARIOS,
  usage,
} from "./lib/cli.ts";
import { ensurePeersInstalled } from "./lib/install.ts";
import { acquireBenchLock } from "./lib/lock.ts";
import { gitState, machineInfo } from "./lib/machine.ts";
import { BENCH, capture, machineBusyCores, pinned, ROOT } from "./lib/proc.ts";
import { FULL, type Profile, QUICK } from "./lib/profile.ts";
import { renderMarkdown, type Results, writeMarkdown } from "./lib/report.ts";
import {
  commandLine,
  LOAD_CORE,
  LOG_ERRORS,
  SERVERS,
  type ServerSpec,
  SHUTDOWNS,
  START_FAILURES,
} from "./lib/servers.ts";
import { runColdstart, summarizeColdstart } from "./scenarios/coldstart.ts";
import {
  type FanoutRun,
  runFanout,
  summarizeFanout,
} from "./scenarios/fanout.ts";
import { type IdleRun, runIdle, summarizeIdle } from "./scenarios/idle.ts";
import {
  type LatencyRun,
  runLatency,
  summarizeLatency,
} from "./scenarios/latency.ts";

/** Background cores (other processes + steal) that make a run "disturbed". */
const NOISY_CORES = 0.3;
/** Extra attempts per run when disturbed, and for the whole benchmark. */
const RETRIES_PER_RUN = 2;
const RETRIES_TOTAL = 15;

/**
 * The worst `other + steal` of some CPU windows, in cores.
 * @param windows CPU meter readings
 */
function worst(
  windows: ({ other?: number; steal?: number } | undefined)[],
): number {
  return Math.max(
    0,
    ...windows.map((w) => (w?.other ?? 0) + (w?.steal ?? 0)),
  );
}

/** How each scenario runs once and summarises its runs. */
const SCENARIO_IMPL: Record<
  Scenario,
  {
    // deno-lint-ignore no-explicit-any
    run: (spec: ServerSpec, p: typeof FULL) => Promise<any>;
    // deno-lint-ignore no-explicit-any
    summarize: (runs: any[]) => unknown;
    /** Worst background load seen in a run's measurement windows. */
    // deno-lint-ignore no-explicit-any
    noise: (run: any) => number;
  }
> = {
  fanout: {
    run: (spec, p) => runFanout(spec, p.fanout),
    summarize: summarizeFanout,
    noise: (run: FanoutRun) => worst(Object.values(run).map((r) => r.cpu)),
  },
  latency: {
    run: (spec, p) => runLatency(spec, p.latency),
    summarize: summarizeLatency,
    // Saturated levels are slow anyway; judge the run by the others.
    noise: (run: LatencyRun) =>
      worst(run.levels.filter((l) => !l.missing).map((l) => l.cpu)),
  },
  idle: {
    run: (spec, p) => runIdle(spec, p.idle),
    summarize: summarizeIdle,
    noise: (run: IdleRun) =>
      worst(run.levels.flatMap((l) => [l.idleCpu, l.connectCpu])),
  },
  coldstart: {
    run: (spec, p) => runColdstart(spec, p.coldstart),
    summarize: summarizeColdstart,
    noise: () => 0,
  },
};

/**
 * Whether `spec` runs in `scenario` (its own list, or every scenario).
 * @param spec the server
 * @param scenario the scenario
 */
function runsIn(spec: ServerSpec, scenario: Scenario): boolean {
  return spec.scenarios?.includes(scenario) ?? true;
}

/** Busy cores (of other processes) below which the machine counts as quiet. */
const QUIET_CORES = 0.3;

/**
 * Waits (bounded by `budget`) until the machine is quiet before a run, so
 * that other processes disturb the figures less; returns the busy cores seen
 * last (recorded with the run).
 * @param budget milliseconds of waiting left for the whole benchmark
 * @param perRunMs most to wait for this run
 */
async function waitQuiet(
  budget: { ms: number },
  perRunMs: number,
): Promise<{ cores: number; waitedMs: number }> {
  const t0 = performance.now();
  let cores = await machineBusyCores(500);
  while (
    cores > QUIET_CORES && performance.now() - t0 < perRunMs &&
    performance.now() - t0 < budget.ms
  ) {
    console.error(`bench: machine busy (${cores.toFixed(2)} cores), waiting…`);
    await new Promise((r) => setTimeout(r, 2000));
    cores = await machineBusyCores(500);
  }
  const waitedMs = Math.round(performance.now() - t0);
  budget.ms -= waitedMs;
  return { cores: Math.round(cores * 100) / 100, waitedMs };
}

async function main(): Promise<number> {
  if (Deno.args.includes("--help")) {
    console.log(usage(SERVERS.map((s) => s.name)));
    return 0;
  }
  const opts = parseArgs(Deno.args, SERVERS.map((s) => s.name));
  const profile = structuredClone(opts.quick ? QUICK : FULL);
  if (opts.runs > 0) profile.runs = opts.runs;
  const servers = SERVERS.filter((s) =>
    opts.servers.length === 0 || opts.servers.includes(s.name)
  );
  await ensurePeersInstalled();
  const release = await acquireBenchLock();
  try {
    return await benchmark(opts, servers, profile);
  } finally {
    release();
  }
}

/**
 * Runs the selected scenarios and writes the results.
 * @param opts command-line options
 * @param servers the servers to run
 * @param profile scenario sizes
 */
async function benchmark(
  opts: Options,
  servers: ServerSpec[],
  profile: Profile,
): Promise<number> {
  const jitterOut = await capture(
    pinned(LOAD_CORE, [
      "node",
      `${BENCH}/load/jitter.mjs`,
      opts.quick ? "1000" : "3000",
    ]),
  );
  const started = new Date();
  const results: Results = {
    meta: {
      date: started.toISOString(),
      mode: opts.quick ? "quick" : "full",
      args: Deno.args,
      machine: await machineInfo(),
      git: await gitState(ROOT),
      profile,
      commands: Object.fromEntries(
        servers.map((s) => [s.name, commandLine(s)]),
      ),
      gcCommands: opts.only.includes("idle")
        ? Object.fromEntries(
          servers.filter((s) => s.gc && runsIn(s, "idle"))
            .map((s) => [s.name, commandLine(s, true)]),
        )
        : undefined,
      labels: Object.fromEntries(servers.map((s) => [s.name, s.label])),
      durationSec: 0,
      startFailures: START_FAILURES,
      shutdowns: SHUTDOWNS,
      logErrors: LOG_ERRORS,
      jitter: jitterOut ? JSON.parse(jitterOut) : undefined,
    },
    scenarios: {},
  };
  const quietBudget = { ms: 5 * 60_000 };
  const retries = { left: RETRIES_TOTAL };
  for (const scenario of opts.only) {
    const impl = SCENARIO_IMPL[scenario];
    const specs = servers.filter((s) => runsIn(s, scenario));
    const perServer: Results["scenarios"][string] = {};
    for (const s of specs) {
      perServer[s.name] = {
        runs: [],
        errors: [],
        background: [],
        discarded: [],
      };
    }
    // Interleave servers within each round so drift hits all of them alike.
    for (let round = 1; round <= profile.runs; round++) {
      for (const spec of specs) {
        if (!opts.quick) {
          perServer[spec.name].background?.push(
            await waitQuiet(quietBudget, 20_000),
          );
        }
        const entry = perServer[spec.name];
        for (let attempt = 0;; attempt++) {
          console.error(`bench: ${scenario} · ${spec.name} · run ${round}`);
          try {
            const run = await impl.run(spec, profile);
            const noise = impl.noise(run);
            if (
              !opts.quick && noise > NOISY_CORES &&
              attempt < RETRIES_PER_RUN && retries.left > 0
            ) {
              retries.left--;
              console.error(
                `bench: run disturbed (${
                  noise.toFixed(2)
                } background cores), again`,
              );
              entry.discarded?.push({ noise, run });
              entry.background?.push(await waitQuiet(quietBudget, 20_000));
              continue;
            }
            entry.runs.push(run);
          } catch (err) {
            const msg = err instanceof Error ? err.message : String(err);
            console.error(`bench: ${scenario} · ${spec.name} failed: ${msg}`);
            entry.errors.push(msg);
          }
          break;
        }
      }
    }
    for (const spec of specs) {
      const entry = perServer[spec.name];
      entry.summary = entry.runs.length > 0 ? impl.summarize(entry.runs) : null;
    }
    results.scenarios[scenario] = perServer;
  }
  results.meta.durationSec = Math.round(
    (Date.now() - started.getTime()) / 1000,
  );

  await Deno.mkdir(`${BENCH}/results`, { recursive: true });
  const stamp = results.meta.date.slice(0, 19).replace(/:/g, "-");
  // Only a complete full run makes a result to keep; others are scratch.
  const complete = !opts.quick && opts.only.length === SCENARIOS.length &&
    servers.length === SERVERS.length;
  const jsonPath = opts.quick
    ? `${BENCH}/results/quick.json`
    : `${BENCH}/results/${complete ? "" : "partial-"}${stamp}.json`;
  await Deno.writeTextFile(jsonPath, JSON.stringify(results, null, 2) + "\n");
  const md = renderMarkdown(results);
  console.log(md);
  console.error(`bench: results in ${jsonPath.slice(ROOT.length + 1)}`);
  // The generated tables are one complete full run, never a mix of runs.
  if (opts.markdown && complete) {
    await writeMarkdown(`${ROOT}/BENCHMARKS.md`, md);
    console.error("bench: tables written to BENCHMARKS.md");
  } else if (opts.markdown && !opts.quick) {
    console.error("bench: partial run, BENCHMARKS.md left as it is");
  }
  return 0;
}

if (import.meta.main) {
  // Deno.exit runs the `unload` listeners that kill the servers and Redis
  // still running; an interrupted or failed run must not leave them behind.
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    Deno.addSignalListener(signal, () => Deno.exit(code));
  }
  Deno.exit(
    await main().catch((err) => {
      console.error(`bench: ${err instanceof Error ? err.stack : err}`);
      return 1;
    }),
  );
}
