/**
 * A value created once per KV database and shared from then on by every
 * isolate, instance and restart (the token secret, the storage epoch).
 *
 * @module
 */
import { withBusyRetry } from "./busy_retry.ts";

/**
 * Returns the value at `key`, storing `fresh()` there first when missing.
 * Concurrent first starts race on an atomic "create if absent"; the loser
 * reads the winner's value, so all of them end up with the same one.
 *
 * @param what names the value in the error when KV keeps conflicting
 */
export async function createOnce<T>(
  kv: Deno.Kv,
  key: Deno.KvKey,
  fresh: () => T,
  what: string,
): Promise<T> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await withBusyRetry(() => kv.get<T>(key));
    if (existing.value !== null) return existing.value;
    const value = fresh();
    const result = await withBusyRetry(() =>
      kv.atomic().check(existing).set(key, value).commit()
    );
    if (result.ok) return value;
  }
  throw new Error(`Cannot load the ${what}: KV kept conflicting`);
}
