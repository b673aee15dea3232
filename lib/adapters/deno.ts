/**
 * The thin adapter to the Deno runtime: the only module of the core that
 * calls `Deno.*`. Another Deno-compatible runtime supplies its own.
 *
 * @module
 */
import type { RuntimeAdapter } from "../server/runtime.ts";
import { withBusyRetry } from "../store/busy_retry.ts";
import { onStopSignal } from "./stop_signal.ts";

const DEFAULT_KV_PATH = "./data/chat.kv";

function onDenoDeploy(): boolean {
  return Deno.env.get("DENO_DEPLOYMENT_ID") !== undefined;
}

async function openKv(path: string | undefined): Promise<Deno.Kv> {
  // On Deno Deploy the managed database is opened without a path.
  if (onDenoDeploy() && !path) return await Deno.openKv();
  const file = path || DEFAULT_KV_PATH;
  if (file !== ":memory:") {
    const dir = file.replace(/[^/]*$/, "");
    if (dir) await Deno.mkdir(dir, { recursive: true });
  }
  // Isolates of one process open (and may be creating) the same file at once.
  return await withBusyRetry(() => Deno.openKv(file));
}

/** A DNS answer that has not come by then counts as none. */
const DNS_TIMEOUT_MS = 5_000;

/**
 * A name's A and AAAA records. `Deno.resolveDns` asks the DNS servers
 * directly: the hosts file, which `fetch` would read too, is not seen.
 */
async function resolveHost(host: string): Promise<string[]> {
  const signal = AbortSignal.timeout(DNS_TIMEOUT_MS);
  const answers = await Promise.allSettled([
    Deno.resolveDns(host, "A", { signal }),
    Deno.resolveDns(host, "AAAA", { signal }),
  ]);
  const addresses = answers.flatMap((answer) =>
    answer.status === "fulfilled" ? answer.value : []
  );
  if (addresses.length === 0) throw new Error(`Cannot resolve ${host}`);
  return addresses;
}

/** The Deno runtime adapter. */
export const denoAdapter: RuntimeAdapter = {
  env: (name) => Deno.env.get(name),
  openKv,
  upgradeWebSocket(req) {
    // The server checks frame sizes itself, and closes silent sockets itself
    // (lib/ws/idle_sweep.ts): Deno's idle timeout would cost every socket a
    // timer re-armed per frame and keep its upgrade request alive.
    return Deno.upgradeWebSocket(req, { idleTimeout: 0 });
  },
  onShutdown: onStopSignal,
  resolveHost,
};
