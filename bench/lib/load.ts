/**
 * Runs the Node load controller (bench/load/controller.mjs) for one scenario
 * against a running server, on the load CPU when the server is pinned.
 *
 * @module
 */
import { BENCH, pinned, ROOT } from "./proc.ts";
import { LOAD_CORE, type RunningServer } from "./servers.ts";

/**
 * Runs one scenario's load and returns the controller's JSON result.
 * @param server the server under test
 * @param scenario load module name in bench/load/
 * @param params scenario parameters
 * @param workers number of generator processes
 * @param timeoutMs hard limit for the whole load run
 */
export async function runLoad(
  server: RunningServer,
  scenario: "fanout" | "latency" | "idle",
  params: Record<string, unknown>,
  workers: number,
  timeoutMs: number,
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  const config = {
    scenario,
    // Every node; clients of a room are spread over them in turn.
    target: {
      proto: server.spec.proto,
      host: "127.0.0.1",
      ports: server.ports,
    },
    serverPids: server.pids,
    // CPU per process of the server side, when it has several.
    serverRoles: server.pids.length > 1 ? server.roles : null,
    // Where to force a full GC (null unless started with `forceGc`).
    gc: server.gc,
    workers,
    params,
  };
  const cmd = pinned(server.spec.pinned ? LOAD_CORE : null, [
    "node",
    `${BENCH}/load/controller.mjs`,
    JSON.stringify(config),
  ]);
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
  }, timeoutMs);
  const out = await child.output();
  clearTimeout(timer);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  const last = lines.at(-1) ?? "";
  let result;
  try {
    result = JSON.parse(last);
  } catch {
    throw new Error(
      `load controller exited ${out.code} without a result` +
        (out.signal ? ` (${out.signal}, timeout ${timeoutMs} ms?)` : ""),
    );
  }
  if (result.error) throw new Error(`load: ${result.error}`);
  return result;
}
