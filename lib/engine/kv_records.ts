/**
 * {@linkcode Records} in Deno KV, under `["rec", …key]` (the embedded and
 * KV-only engines): versions are KV versionstamps, an atomic write is one
 * KV atomic operation.
 *
 * @module
 */
import { withBusyRetry } from "../store/busy_retry.ts";
import {
  checkRecordKey,
  MAX_RECORD_CHANGES,
  type RecordEntry,
  type RecordKey,
  type Records,
  type RecordWrite,
} from "./records.ts";

/** Where records live in the KV key space. */
export const RECORDS_PREFIX = "rec";

const kvKey = (key: RecordKey): Deno.KvKey => {
  checkRecordKey(key);
  return [RECORDS_PREFIX, ...key];
};

function entryOf<T>(entry: Deno.KvEntryMaybe<T>): RecordEntry<T> | null {
  if (entry.versionstamp === null) return null;
  return {
    key: entry.key.slice(1) as string[],
    value: entry.value,
    version: entry.versionstamp,
  };
}

/** Records in one Deno KV database. */
export class KvRecords implements Records {
  readonly #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async get<T>(key: RecordKey): Promise<RecordEntry<T> | null> {
    return entryOf(await withBusyRetry(() => this.#kv.get<T>(kvKey(key))));
  }

  async getMany<T>(
    keys: readonly RecordKey[],
  ): Promise<Array<RecordEntry<T> | null>> {
    const out: Array<RecordEntry<T> | null> = [];
    // KV reads at most 10 keys at once.
    for (let i = 0; i < keys.length; i += 10) {
      const chunk = keys.slice(i, i + 10).map(kvKey);
      const entries = await withBusyRetry(() => this.#kv.getMany<T[]>(chunk));
      for (const entry of entries) out.push(entryOf(entry));
    }
    return out;
  }

  async list<T>(prefix: RecordKey, limit = 1000): Promise<RecordEntry<T>[]> {
    const out: RecordEntry<T>[] = [];
    const depth = prefix.length + 2;
    for await (
      const entry of this.#kv.list<T>({ prefix: kvKey(prefix) }, {
        batchSize: Math.min(500, limit),
      })
    ) {
      if (entry.key.length !== depth) continue;
      out.push(entryOf(entry)!);
      if (out.length >= limit) break;
    }
    return out;
  }

  async write(write: RecordWrite): Promise<boolean> {
    const changes = (write.set?.length ?? 0) + (write.delete?.length ?? 0);
    if (changes > MAX_RECORD_CHANGES) {
      throw new RangeError(
        `Cannot write ${changes} records at once: at most ${MAX_RECORD_CHANGES}`,
      );
    }
    const atomic = this.#kv.atomic();
    for (const { key, version } of write.checks ?? []) {
      atomic.check({ key: kvKey(key), versionstamp: version });
    }
    for (const { key, value, expireInMs } of write.set ?? []) {
      atomic.set(
        kvKey(key),
        value,
        expireInMs === undefined ? undefined : { expireIn: expireInMs },
      );
    }
    for (const key of write.delete ?? []) atomic.delete(kvKey(key));
    const result = await withBusyRetry(() => atomic.commit());
    return result.ok;
  }
}
