/**
 * The epoch of a KV database's rooms. Deno KV loses history only as a whole
 * (a deleted file, a new database), so one epoch serves every room: created
 * once, at the first start on an empty database, and shared by every isolate
 * and instance from then on.
 *
 * @module
 */
import { withBusyRetry } from "./busy_retry.ts";

const EPOCH_KEY = ["config", "epoch"] as const;

/**
 * Returns the database's epoch, creating it when missing. Concurrent first
 * starts race on an atomic "create if absent"; the loser reads the winner's.
 */
export async function loadEpoch(kv: Deno.Kv): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await withBusyRetry(() => kv.get<string>(EPOCH_KEY));
    if (existing.value) return existing.value;
    const fresh = crypto.randomUUID().slice(0, 8);
    const result = await withBusyRetry(() =>
      kv.atomic().check(existing).set(EPOCH_KEY, fresh).commit()
    );
    if (result.ok) return fresh;
  }
  throw new Error("Cannot load the storage epoch: KV kept conflicting");
}
