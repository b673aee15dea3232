/**
 * Readiness of a KV database: a cheap read that must answer within a short
 * time. A database that can't be read can take no sends.
 *
 * @module
 */
import type { EngineHealth } from "./engine.ts";

/** How long the probe read may take. */
const PROBE_TIMEOUT_MS = 2_000;

/** Reads one key of `kv`; `ok: false` with the reason when that fails. */
export async function kvHealth(kv: Deno.Kv): Promise<EngineHealth> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer in ${PROBE_TIMEOUT_MS} ms`)),
      PROBE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([kv.get(["config", "epoch"]), timeout]);
    return { ok: true };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `storage unreachable: ${reason}` };
  } finally {
    clearTimeout(timer);
  }
}
