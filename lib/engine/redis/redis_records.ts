/**
 * {@linkcode Records} in Redis (the Redis engine), laid out as `keys.ts`
 * says: a string per record, a sorted set per parent key for `list`, and one
 * Lua script per write, which checks every version before it changes
 * anything. Every key carries the hash tag `{rec}`, so in a Redis Cluster
 * the script's keys are on one shard and it runs there atomically.
 *
 * @module
 */
import type { RedisConnection } from "./connection.ts";
import { recordIndexKey, recordKey, RECORDS_COUNTER_KEY } from "./keys.ts";
import { freshEpoch, type LuaScript } from "./scripts.ts";
import {
  MAX_RECORD_CHANGES,
  type RecordEntry,
  type RecordKey,
  type Records,
  type RecordWrite,
} from "../records.ts";

/**
 * One atomic write. Every check runs before any change, so a failed check
 * leaves everything as it was. All sets of one write share one version.
 * Sets come before deletes, as in a Deno KV atomic operation (a key both
 * set and deleted ends deleted).
 *
 * KEYS: the counter hash; each check's record; each set's record, then its
 * parent's index unless the key has one part; the same for each delete.
 * ARGV: a fresh epoch (used only when there is none), the number of
 * checks, of sets and of deletes; each check's version (`''`: absent); each
 * set's last part (`''`: a one-part key, no index), value JSON and ms to
 * expiry (`''`: none); each delete's last part (`''` likewise).
 * Returns 1, or 0 when a check failed.
 */
const WRITE: LuaScript = {
  source: `
local k, a = 2, 5
for _ = 1, tonumber(ARGV[2]) do
  local raw = redis.call('GET', KEYS[k])
  local version = raw and string.match(raw, '^{"v":"([^"]*)"') or ''
  if version ~= ARGV[a] then return 0 end
  k, a = k + 1, a + 1
end
local sets = tonumber(ARGV[3])
if sets > 0 then
  local epoch = redis.call('HGET', KEYS[1], 'epoch')
  if not epoch then
    epoch = ARGV[1]
    redis.call('HSET', KEYS[1], 'epoch', epoch)
  end
  local version = epoch .. '.' .. redis.call('HINCRBY', KEYS[1], 'n', 1)
  for _ = 1, sets do
    local record = '{"v":"' .. version .. '","d":' .. ARGV[a + 1] .. '}'
    -- A SET without PX also ends an earlier expiry, as a KV set does.
    if ARGV[a + 2] == '' then
      redis.call('SET', KEYS[k], record)
    else
      redis.call('SET', KEYS[k], record, 'PX', ARGV[a + 2])
    end
    k = k + 1
    if ARGV[a] ~= '' then
      redis.call('ZADD', KEYS[k], 0, ARGV[a])
      k = k + 1
    end
    a = a + 3
  end
end
for _ = 1, tonumber(ARGV[4]) do
  redis.call('DEL', KEYS[k])
  k = k + 1
  if ARGV[a] ~= '' then
    redis.call('ZREM', KEYS[k], ARGV[a])
    k = k + 1
  end
  a = a + 1
end
return 1
`,
};

/**
 * Drops from an index the members whose records are gone (expired). The
 * check is made here rather than by the reader: a record written again
 * since the reader found it gone keeps its member.
 *
 * KEYS: the index, then the record of each member. ARGV: the members.
 */
const PRUNE: LuaScript = {
  source: `
for i = 1, #ARGV do
  if redis.call('EXISTS', KEYS[i + 1]) == 0 then
    redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return 0
`,
};

/** What a record's string holds. */
interface Stored {
  v: string;
  d: unknown;
}

function entryOf<T>(key: RecordKey, raw: unknown): RecordEntry<T> | null {
  if (typeof raw !== "string") return null;
  const stored = JSON.parse(raw) as Stored;
  return { key, value: stored.d as T, version: stored.v };
}

/** Records in one Redis server or cluster. */
export class RedisRecords implements Records {
  readonly #redis: RedisConnection;

  constructor(redis: RedisConnection) {
    this.#redis = redis;
  }

  async get<T>(key: RecordKey): Promise<RecordEntry<T> | null> {
    const name = recordKey(key);
    return entryOf<T>(key, await this.#redis.command(name, ["GET", name]));
  }

  async getMany<T>(
    keys: readonly RecordKey[],
  ): Promise<Array<RecordEntry<T> | null>> {
    const names = keys.map(recordKey);
    if (names.length === 0) return [];
    // One slot for every record: one MGET, in a cluster too.
    const raws = await this.#redis.command(names[0], ["MGET", ...names]);
    return (raws as unknown[]).map((raw, i) => entryOf<T>(keys[i], raw));
  }

  async list<T>(prefix: RecordKey, limit = 1000): Promise<RecordEntry<T>[]> {
    const index = recordIndexKey(prefix);
    const out: RecordEntry<T>[] = [];
    const gone: string[] = [];
    let from = "-";
    // Expired records leave their members behind: read on past them until
    // `limit` records are found or the index ends.
    while (out.length < limit) {
      const want = limit - out.length;
      const members = await this.#redis.command(index, [
        "ZRANGE",
        index,
        from,
        "+",
        "BYLEX",
        "LIMIT",
        "0",
        String(want),
      ]) as string[];
      if (members.length === 0) break;
      const keys = members.map((member) => [...prefix, member]);
      const entries = await this.getMany<T>(keys);
      entries.forEach((entry, i) => {
        if (entry) out.push(entry);
        else gone.push(members[i]);
      });
      if (members.length < want) break;
      // `(` excludes the bound: the next page starts after the last member.
      from = `(${members.at(-1)}`;
    }
    if (gone.length > 0) {
      await this.#redis.script(
        PRUNE,
        [index, ...gone.map((member) => recordKey([...prefix, member]))],
        gone,
      );
    }
    return out;
  }

  async write(write: RecordWrite): Promise<boolean> {
    const checks = write.checks ?? [];
    const sets = write.set ?? [];
    const deletes = write.delete ?? [];
    const changes = sets.length + deletes.length;
    if (changes > MAX_RECORD_CHANGES) {
      throw new RangeError(
        `Cannot write ${changes} records at once: at most ${MAX_RECORD_CHANGES}`,
      );
    }
    const keys = [RECORDS_COUNTER_KEY];
    const args = [
      freshEpoch(),
      String(checks.length),
      String(sets.length),
      String(deletes.length),
    ];
    for (const { key, version } of checks) {
      keys.push(recordKey(key));
      args.push(version ?? "");
    }
    for (const { key, value, expireInMs } of sets) {
      const json = JSON.stringify(value);
      if (typeof json !== "string") {
        throw new TypeError(
          `Cannot write record ${JSON.stringify(key)}: its value is not JSON`,
        );
      }
      keys.push(...keysOfChange(key));
      args.push(
        key.length > 1 ? key.at(-1)! : "",
        json,
        // PX takes a positive integer; a past expiry expires at once.
        expireInMs === undefined
          ? ""
          : String(Math.max(1, Math.ceil(expireInMs))),
      );
    }
    for (const key of deletes) {
      keys.push(...keysOfChange(key));
      args.push(key.length > 1 ? key.at(-1)! : "");
    }
    return await this.#redis.script(WRITE, keys, args) === 1;
  }
}

/** The record of `key` and, below a parent, the parent's index. */
function keysOfChange(key: RecordKey): string[] {
  return key.length > 1
    ? [recordKey(key), recordIndexKey(key.slice(0, -1))]
    : [recordKey(key)];
}
