/**
 * Facts about the machine and the runtimes, for the report.
 *
 * @module
 */
import { BENCH, capture } from "./proc.ts";

/** Machine and runtime versions. */
export interface Machine {
  nproc: number;
  cpuModel: string;
  memGiB: number;
  kernel: string;
  deno: string;
  node: string;
  bun: string;
  openFileLimit: string;
}

/** Collects the machine facts. */
export async function machineInfo(): Promise<Machine> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const meminfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  const memKiB = Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? NaN);
  return {
    nproc: Number(await capture(["nproc"])) || navigator.hardwareConcurrency,
    cpuModel: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    memGiB: Math.round(memKiB / 1024 / 1024 * 10) / 10,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    node: (await capture(["node", "--version"])).replace(/^v/, ""),
    bun: await capture([`${BENCH}/peers/node_modules/.bin/bun`, "--version"]),
    openFileLimit: await capture(["sh", "-c", "ulimit -n"]),
  };
}
