/**
 * Scenario sizes and durations for full and quick runs.
 *
 * @module
 */

/** Parameters of every scenario. */
export interface Profile {
  /** Runs per figure. */
  runs: number;
  fanout: { clients: number[]; warmMs: number; measureMs: number };
  latency: {
    rooms: number;
    members: number;
    /** Offered deliveries per second. */
    levels: number[];
    warmMs: number;
    measureMs: number;
    drainMs: number;
    workers: number;
  };
  idle: {
    levels: number[];
    roomSize: number;
    settleMs: number;
    idleMs: number;
    /** Wait after each forced GC before RSS is read. */
    gcSettleMs: number;
    concurrency: number;
    workers: number;
  };
  /** `runs` measured starts after `discard` warm-up starts, per run. */
  coldstart: { runs: number; discard: number };
}

/** The full run (about 35 minutes for all servers). */
export const FULL: Profile = {
  runs: 3,
  fanout: { clients: [32, 128], warmMs: 2000, measureMs: 5000 },
  latency: {
    rooms: 1000,
    members: 10,
    levels: [10_000, 25_000, 35_000, 50_000, 75_000, 100_000],
    warmMs: 1000,
    measureMs: 4000,
    drainMs: 1500,
    workers: 2,
  },
  idle: {
    levels: [1000, 5000, 10_000, 19_000],
    roomSize: 10,
    settleMs: 3000,
    idleMs: 3000,
    gcSettleMs: 1000,
    concurrency: 64,
    workers: 4,
  },
  coldstart: { runs: 3, discard: 1 },
};

/** The sanity run (under a minute for all servers). */
export const QUICK: Profile = {
  runs: 1,
  fanout: { clients: [32], warmMs: 300, measureMs: 1000 },
  latency: {
    rooms: 50,
    members: 10,
    levels: [10_000],
    warmMs: 300,
    measureMs: 1000,
    drainMs: 300,
    workers: 1,
  },
  idle: {
    levels: [1000],
    roomSize: 10,
    settleMs: 300,
    idleMs: 300,
    gcSettleMs: 300,
    concurrency: 64,
    workers: 4,
  },
  coldstart: { runs: 1, discard: 0 },
};
