/**
 * The epoch of a KV database's rooms. Deno KV loses history only as a whole
 * (a deleted file, a new database), so one epoch serves every room: created
 * once, at the first start on an empty database, and shared by every isolate
 * and instance from then on.
 *
 * @module
 */
import { createOnce } from "./create_once.ts";

/** Returns the database's epoch, creating it when missing. */
export function loadEpoch(kv: Deno.Kv): Promise<string> {
  return createOnce(
    kv,
    ["config", "epoch"],
    () => crypto.randomUUID().slice(0, 8),
    "storage epoch",
  );
}
