/**
 * Records: the small, strongly consistent documents beside room events
 * (accounts, claimed names, room settings, members and roles, bans, revoked
 * sessions), kept by every engine in its own storage so that every node
 * agrees on them.
 *
 * The shape is a subset of Deno KV's, the least every engine can give:
 * reads of single keys and of a key's direct children, and atomic writes
 * that check versions first, so "claim this name unless someone has" and
 * "change a role unless it changed meanwhile" are one step. Values are JSON
 * objects. Expiry is for clean-up only; records whose meaning ends at a time
 * (bans, invites) carry that time and readers check it.
 *
 * @module
 */

/** A record's key: non-empty strings, most general first. */
export type RecordKey = readonly string[];

/** A stored record. */
export interface RecordEntry<T> {
  key: RecordKey;
  value: T;
  /** Opaque; changes on every write of the key. */
  version: string;
}

/** One atomic write: every check holds, then every change is made. */
export interface RecordWrite {
  /** `version: null` checks that the key is absent. */
  checks?: ReadonlyArray<{ key: RecordKey; version: string | null }>;
  set?: ReadonlyArray<{ key: RecordKey; value: unknown; expireInMs?: number }>;
  delete?: ReadonlyArray<RecordKey>;
}

/** Most changes one {@linkcode RecordWrite} may make (checks aside). */
export const MAX_RECORD_CHANGES = 100;

/** Strongly consistent records shared by every node. */
export interface Records {
  /** The record at `key`, or `null`. */
  get<T>(key: RecordKey): Promise<RecordEntry<T> | null>;
  /** The records at `keys`, in order (`null` where absent). */
  getMany<T>(keys: readonly RecordKey[]): Promise<Array<RecordEntry<T> | null>>;
  /**
   * The records one part below `prefix` (`[...prefix, x]`), in key order,
   * at most `limit` (default 1000).
   */
  list<T>(prefix: RecordKey, limit?: number): Promise<RecordEntry<T>[]>;
  /** Applies `write` atomically; `false` (and nothing changed) when a check failed. */
  write(write: RecordWrite): Promise<boolean>;
}

/** Throws unless `key` is a valid record key. */
export function checkRecordKey(key: RecordKey): void {
  if (key.length === 0 || key.some((part) => part.length === 0)) {
    throw new RangeError(
      `Cannot use record key ${JSON.stringify(key)}: parts must be non-empty`,
    );
  }
}
