/**
 * CPU time and memory of any process, read from /proc (Linux only).
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
export const CLK_TCK = 100;

/**
 * User + system CPU seconds used so far by all threads of `pid`
 * (NaN when the process is gone).
 * @param {number} pid
 * @returns {number}
 */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime
  } catch {
    return NaN;
  }
}

/**
 * User + system CPU seconds used so far by each kind of thread of `pid`: the
 * main thread as `main`, the others by name with a trailing number left out
 * (Deno KV's SQLite writer `sw-0` as `sw`, V8's `V8 DefaultWorke` helpers
 * that collect garbage, tokio's pool). Threads that ended meanwhile are
 * missing, so read it around a steady window.
 * @param {number} pid
 * @returns {Record<string, number>}
 */
export function threadCpuSeconds(pid) {
  /** @type {Record<string, number>} */
  const out = {};
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "latin1");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const name = tid === String(pid) ? "main" : comm.replace(/-?\d+$/, "");
      out[name] = (out[name] ?? 0) +
        (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return out;
}

/**
 * Resident set size of `pid` in KiB (NaN when the process is gone).
 * @param {number} pid
 * @returns {number}
 */
export function rssKiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "latin1");
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds of the whole machine so far (all CPUs): time charged to
 * processes (user, nice, system), interrupt work (irq, softirq: much of it
 * is the loopback traffic itself) and steal (taken by the hypervisor).
 * @returns {{tasks: number, irq: number, steal: number}}
 */
export function machineCpuSeconds() {
  try {
    const line = readFileSync("/proc/stat", "latin1").split("\n", 1)[0];
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line
      .trim().split(/\s+/).slice(1).map(Number);
    return {
      tasks: (user + nice + system) / CLK_TCK,
      irq: (irq + softirq) / CLK_TCK,
      steal: steal / CLK_TCK,
    };
  } catch {
    return { tasks: NaN, irq: NaN, steal: NaN };
  }
}

/**
 * Cores used in one window: one number per group (`server`, `generator`),
 * `other`, `irq`, `steal`, `roles` when the meter has roles, and
 * `threads`: the `server` group's cores by kind of thread.
 * @typedef {{seconds: number, roles?: Record<string, number>, threads?: Record<string, number>} & Record<string, number>} CpuWindow
 */

/**
 * A CPU meter over a set of processes: `start()` then `stop()` gives the
 * CPU used in between, in cores (1 = one CPU busy), per group, plus
 * `other`: the other processes on the machine in that window (background
 * load that disturbs the figures), `irq` (interrupt and softirq time, much
 * of it the loopback traffic) and `steal` (taken by the hypervisor); and
 * under `roles`, single processes that are also part of a group (a
 * server's nodes and its Redis), read alone.
 */
export class CpuMeter {
  /** @type {Record<string, number[]>} */
  #groups;
  /** @type {Record<string, number>} */
  #roles;
  /** @type {Record<string, number>} */
  #startCpu = {};
  /** @type {Record<string, number>} */
  #startRoles = {};
  /** @type {Record<string, number>} */
  #startThreads = {};
  #startAt = 0;
  #startMachine = { tasks: 0, irq: 0, steal: 0 };

  /**
   * @param {Record<string, number[]>} groups pids by group name (disjoint)
   * @param {Record<string, number>} [roles] a pid by name, each one also
   *   in a group
   */
  constructor(groups, roles = {}) {
    this.#groups = groups;
    this.#roles = roles;
  }

  /** Starts a window. */
  start() {
    this.#startAt = performance.now();
    this.#startMachine = machineCpuSeconds();
    for (const [name, pids] of Object.entries(this.#groups)) {
      this.#startCpu[name] = sum(pids.map(cpuSeconds));
    }
    for (const [name, pid] of Object.entries(this.#roles)) {
      this.#startRoles[name] = cpuSeconds(pid);
    }
    this.#startThreads = this.#serverThreads();
  }

  /** CPU seconds of the `server` group by kind of thread, summed over its processes. */
  #serverThreads() {
    /** @type {Record<string, number>} */
    const out = {};
    for (const pid of this.#groups.server ?? []) {
      for (const [name, s] of Object.entries(threadCpuSeconds(pid))) {
        out[name] = (out[name] ?? 0) + s;
      }
    }
    return out;
  }

  /**
   * Ends the window.
   * @returns {CpuWindow} cores used per group (and per role, when there
   *   are roles)
   */
  stop() {
    const seconds = (performance.now() - this.#startAt) / 1000;
    /** @type {CpuWindow} */
    const out = /** @type {CpuWindow} */ ({ seconds });
    let ours = 0;
    for (const [name, pids] of Object.entries(this.#groups)) {
      const used = sum(pids.map(cpuSeconds)) - this.#startCpu[name];
      ours += used;
      out[name] = round(used / seconds, 3);
    }
    const roles = Object.entries(this.#roles);
    if (roles.length > 0) {
      out.roles = Object.fromEntries(roles.map(([name, pid]) => [
        name,
        round((cpuSeconds(pid) - this.#startRoles[name]) / seconds, 3),
      ]));
    }
    const threads = this.#serverThreads();
    out.threads = Object.fromEntries(
      Object.entries(threads).map(([name, s]) => [
        name,
        round(Math.max(0, s - (this.#startThreads[name] ?? 0)) / seconds, 3),
      ]).filter(([, cores]) => Number(cores) > 0),
    );
    const m = machineCpuSeconds();
    const was = this.#startMachine;
    out.other = round(Math.max(0, m.tasks - was.tasks - ours) / seconds, 3);
    out.irq = round((m.irq - was.irq) / seconds, 3);
    out.steal = round((m.steal - was.steal) / seconds, 3);
    return out;
  }
}

/**
 * @param {number[]} xs
 * @returns {number}
 */
function sum(xs) {
  return xs.reduce((a, b) => a + b, 0);
}

/**
 * Rounds to `digits` decimals.
 * @param {number} x
 * @param {number} digits
 * @returns {number}
 */
export function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Resolves after `ms` milliseconds.
 * @param {number} ms
 * @returns {Promise<void>}
 */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
