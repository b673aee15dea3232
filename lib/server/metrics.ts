/**
 * Counters and gauges, exposed in the Prometheus text format at `/metrics`.
 *
 * Each isolate keeps its own {@linkcode Metrics}; under
 * `deno serve --parallel` the isolate that answers a scrape gathers every
 * isolate's {@linkcode Metrics.snapshot} (`metrics_gather.ts`) and
 * {@linkcode renderMetrics} merges them into one view of the process.
 *
 * @module
 */

/** How a family's samples combine across isolates. */
export type MetricType = "counter" | "gauge";

/** One metric family's value in one isolate: plain data, sent between isolates. */
export interface FamilySample {
  name: string;
  help: string;
  type: MetricType;
  value: number;
  /**
   * Whether the merged view keeps one sample per isolate (label `node`)
   * instead of the sum, for gauges whose sum would mean nothing.
   */
  perIsolate: boolean;
}

/** Every family of one isolate, as gathered for a scrape. */
export interface IsolateSamples {
  node: string;
  families: FamilySample[];
}

/** Options of a gauge. */
export interface GaugeOptions {
  /** Report each isolate's value (label `node`) rather than their sum. */
  perIsolate?: boolean;
}

/** A counter this registry counts itself. */
export interface Counter {
  inc(by?: number): void;
}

interface Family {
  help: string;
  type: MetricType;
  read: () => number;
  perIsolate: boolean;
}

// Prometheus metric names; `_total` marks a counter (and only a counter).
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** The counters and gauges of one isolate. */
export class Metrics {
  readonly #families = new Map<string, Family>();

  /** Declares a counter counted with the returned `inc`. */
  counter(name: string, help: string): Counter;
  /**
   * Declares a counter whose running total is kept elsewhere and read when
   * scraped (it must never go down).
   */
  counter(name: string, help: string, read: () => number): void;
  counter(
    name: string,
    help: string,
    read?: () => number,
  ): Counter | void {
    if (read) {
      this.#declare(name, { help, type: "counter", read, perIsolate: false });
      return;
    }
    let value = 0;
    this.#declare(name, {
      help,
      type: "counter",
      read: () => value,
      perIsolate: false,
    });
    return {
      inc(by = 1) {
        value += by;
      },
    };
  }

  /** Declares a gauge read when scraped. */
  gauge(
    name: string,
    help: string,
    read: () => number,
    options: GaugeOptions = {},
  ): void {
    this.#declare(name, {
      help,
      type: "gauge",
      read,
      perIsolate: options.perIsolate ?? false,
    });
  }

  /** The current value of every family, in declaration order. */
  snapshot(): FamilySample[] {
    const samples: FamilySample[] = [];
    for (const [name, { help, type, read, perIsolate }] of this.#families) {
      samples.push({ name, help, type, value: read(), perIsolate });
    }
    return samples;
  }

  #declare(name: string, family: Family): void {
    // Checked at declaration, so a bad name fails at start-up, not in a
    // scraper that rejects the whole exposition.
    if (!NAME.test(name)) throw new Error(`Bad metric name ${name}`);
    if (name.endsWith("_total") !== (family.type === "counter")) {
      throw new Error(
        `Metric ${name}: counters, and only counters, end with _total`,
      );
    }
    if (this.#families.has(name) || name === ISOLATES_FAMILY) {
      throw new Error(`Metric ${name} is declared twice`);
    }
    this.#families.set(name, family);
  }
}

/** The name of the family counting the isolates a scrape includes. */
export const ISOLATES_FAMILY = "chat_metrics_isolates";

/**
 * The Prometheus exposition of several isolates' samples, merged: one
 * `# HELP`/`# TYPE` per family, counters and gauges summed across isolates
 * (no label), gauges declared `perIsolate` one sample per isolate (label
 * `node`). A family's help and type are the first isolate's (every isolate
 * runs the same code). {@linkcode ISOLATES_FAMILY} tells how many isolates
 * answered, so a sum missing one is visible.
 */
export function renderMetrics(isolates: readonly IsolateSamples[]): string {
  const merged = new Map<
    string,
    { first: FamilySample; sum: number; byNode: Array<[string, number]> }
  >();
  for (const { node, families } of isolates) {
    for (const family of families) {
      let entry = merged.get(family.name);
      if (!entry) {
        merged.set(family.name, entry = { first: family, sum: 0, byNode: [] });
      }
      entry.sum += family.value;
      entry.byNode.push([node, family.value]);
    }
  }
  const lines = [
    `# HELP ${ISOLATES_FAMILY} Isolates whose metrics this answer includes`,
    `# TYPE ${ISOLATES_FAMILY} gauge`,
    `${ISOLATES_FAMILY} ${isolates.length}`,
  ];
  for (const [name, { first, sum, byNode }] of merged) {
    lines.push(`# HELP ${name} ${first.help}`, `# TYPE ${name} ${first.type}`);
    if (first.perIsolate) {
      for (const [node, value] of byNode) {
        lines.push(`${name}{node="${node}"} ${value}`);
      }
    } else {
      lines.push(`${name} ${sum}`);
    }
  }
  return lines.join("\n") + "\n";
}
