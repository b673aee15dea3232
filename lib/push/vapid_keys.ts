/**
 * The server's VAPID key pair (RFC 8292): given in the environment, or
 * generated once and kept in records, so that every node, instance and
 * restart signs with the same key. It must not change: browsers subscribed
 * with its public key, and push services refuse tokens of any other.
 *
 * @module
 */
import type { RecordKey, Records } from "../engine/records.ts";
import { generateVapidKeys, type VapidKeys } from "./web_push_package.ts";

/** Where generated keys are kept. */
export const VAPID_RECORD: RecordKey = ["push", "vapid"];

/**
 * The key pair: `fromEnv` when given, else the stored one, created first when
 * there is none. Nodes booting together race on a create-if-absent write;
 * the losers read the winner's keys back, so all of them agree.
 */
export async function loadVapidKeys(
  records: Records,
  fromEnv: VapidKeys | undefined,
): Promise<VapidKeys> {
  if (fromEnv) return fromEnv;
  for (let attempt = 0; attempt < 5; attempt++) {
    const stored = await records.get<VapidKeys>(VAPID_RECORD);
    if (stored) return stored.value;
    const fresh = generateVapidKeys();
    const created = await records.write({
      checks: [{ key: VAPID_RECORD, version: null }],
      set: [{ key: VAPID_RECORD, value: fresh }],
    });
    if (created) return fresh;
  }
  throw new Error("Cannot load the VAPID keys: records kept conflicting");
}
