/**
 * Command-line options of `deno task bench`.
 *
 * @module
 */

/** The scenarios, in the order they run. */
export const SCENARIOS = ["fanout", "latency", "idle", "coldstart"] as const;

/** One scenario name. */
export type Scenario = typeof SCENARIOS[number];

/** Parsed options. */
export interface Options {
  /** Short sanity run: fewer clients, shorter durations, one run. */
  quick: boolean;
  /** Scenarios to run. */
  only: Scenario[];
  /** Server names to run (see servers.ts); empty means all. */
  servers: string[];
  /** Runs per figure (median of these); 0 means the profile's default. */
  runs: number;
  /** Whether to (re)write BENCHMARKS.md; default: full runs only. */
  markdown: boolean;
}

/**
 * Usage text for `--help`.
 * @param serverNames the known server names
 */
export function usage(serverNames: string[]): string {
  return `deno task bench [--quick] [--only=${SCENARIOS.join(",")}]
                [--servers=${serverNames.join(",")}]
                [--runs=N] [--no-md]

  --quick     sanity run (< 1 min): fewer clients, short durations, 1 run;
              writes bench/results/quick.json, not BENCHMARKS.md
  --only      scenarios to run (default: all)
  --servers   servers to run (default: all); a server runs only in the
              scenarios it is made for (the engine rows: fanout, latency)
  --runs      runs per figure, reported as median (min–max); default 3
  --no-md     do not rewrite BENCHMARKS.md (only a complete full run does:
              every scenario, every server)`;
}

/**
 * Parses `args`; throws on unknown flags or names.
 * @param args the process arguments
 * @param serverNames the known server names
 */
export function parseArgs(args: string[], serverNames: string[]): Options {
  const opts: Options = {
    quick: false,
    only: [...SCENARIOS],
    servers: [],
    runs: 0,
    markdown: true,
  };
  let mdSet = false;
  for (const arg of args) {
    const [flag, value = ""] = arg.split("=", 2);
    const list = value.split(",").map((s) => s.trim()).filter(Boolean);
    if (flag === "--quick") {
      opts.quick = true;
    } else if (flag === "--only") {
      for (const s of list) {
        if (!(SCENARIOS as readonly string[]).includes(s)) {
          throw new Error(`unknown scenario ${s}`);
        }
      }
      opts.only = SCENARIOS.filter((s) => list.includes(s));
    } else if (flag === "--servers") {
      for (const s of list) {
        if (!serverNames.includes(s)) throw new Error(`unknown server ${s}`);
      }
      opts.servers = list;
    } else if (flag === "--runs") {
      opts.runs = Number(value);
      if (!Number.isInteger(opts.runs) || opts.runs < 1) {
        throw new Error(`bad --runs ${value}`);
      }
    } else if (flag === "--no-md") {
      opts.markdown = false;
      mdSet = true;
    } else {
      throw new Error(`unknown argument ${arg}\n${usage(serverNames)}`);
    }
  }
  if (opts.quick && !mdSet) opts.markdown = false;
  return opts;
}
