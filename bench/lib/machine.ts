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

/** The commit under test, and which server files differ from it. */
export interface GitState {
  commit: string;
  /** `git status --short` lines outside bench/ (uncommitted server work). */
  dirty: string[];
}

/** Reads the repository state (the server is measured as checked out). */
export async function gitState(root: string): Promise<GitState> {
  const commit = await capture([
    "git",
    "-C",
    root,
    "rev-parse",
    "--short",
    "HEAD",
  ]);
  const status = await capture([
    "git",
    "-C",
    root,
    "status",
    "--short",
    "--untracked-files=no",
    "--",
    "main.ts",
    "lib",
    "routes",
  ]);
  return { commit, dirty: status ? status.split("\n") : [] };
}
