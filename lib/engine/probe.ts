/**
 * A readiness probe: one cheap request to storage that must answer within a
 * short time. Storage that can't answer can take no sends.
 *
 * @module
 */
import type { EngineHealth } from "./engine.ts";

/**
 * Runs `request`; `ok: false` with `what` and the reason when it fails or
 * takes longer than `timeoutMs`.
 */
export async function probe(
  what: string,
  request: () => Promise<unknown>,
  timeoutMs: number,
): Promise<EngineHealth> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([request(), timeout]);
    return { ok: true };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `${what} unreachable: ${reason}` };
  } finally {
    clearTimeout(timer);
  }
}
