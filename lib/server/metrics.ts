/**
 * Process counters, exposed in the Prometheus text format at `/metrics`.
 * Each isolate reports its own (label `node`).
 *
 * @module
 */

/** Counters and gauges of one isolate. */
export class Metrics {
  readonly #counters = new Map<string, { help: string; value: number }>();
  readonly #gauges = new Map<string, { help: string; read: () => number }>();

  /** Declares a counter. */
  counter(name: string, help: string): { inc(by?: number): void } {
    const entry = { help, value: 0 };
    this.#counters.set(name, entry);
    return {
      inc(by = 1) {
        entry.value += by;
      },
    };
  }

  /** Declares a gauge read when scraped. */
  gauge(name: string, help: string, read: () => number): void {
    this.#gauges.set(name, { help, read });
  }

  /** The Prometheus exposition of every metric. */
  render(node: string): string {
    const lines: string[] = [];
    const label = `{node="${node}"}`;
    for (const [name, { help, value }] of this.#counters) {
      lines.push(
        `# HELP ${name} ${help}`,
        `# TYPE ${name} counter`,
        `${name}${label} ${value}`,
      );
    }
    for (const [name, { help, read }] of this.#gauges) {
      lines.push(
        `# HELP ${name} ${help}`,
        `# TYPE ${name} gauge`,
        `${name}${label} ${read()}`,
      );
    }
    return lines.join("\n") + "\n";
  }
}
