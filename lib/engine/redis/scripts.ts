/**
 * The Lua scripts of the Redis engine. Each runs atomically on the shard of
 * its room, which is what makes a room's `seq` strictly +1 across any number
 * of nodes, an append idempotent, and the feed's order `seq` order (the
 * script publishes what it stored before any other append can run).
 *
 * @module
 */

/** A script's source (run by `EVALSHA`, with a fall-back to `EVAL`). */
export interface LuaScript {
  readonly source: string;
}

/**
 * Appends one message, or finds the one stored under the same idempotency
 * key. The message JSON is built around the `seq` here: `ARGV[1] .. seq ..
 * ARGV[2]`, so the node need not know the `seq` in advance.
 *
 * KEYS: head hash, stream, idempotency key, feed channel.
 * ARGV: JSON before the seq, JSON after it, ts, a fresh epoch (used only
 * when the room has none), history limit, idempotency TTL in seconds,
 * `1` to publish on a sharded channel (cluster).
 * Returns `{stored (1|0), seq, epoch}`.
 */
export const APPEND: LuaScript = {
  source: `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[4]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
local prior = redis.call('GET', KEYS[3])
if prior then return {0, tonumber(prior), epoch} end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[1], 'ts', ARGV[3])
local message = ARGV[1] .. seq .. ARGV[2]
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[5], seq .. '-0', 'm', message)
redis.call('SET', KEYS[3], seq, 'EX', ARGV[6])
local event = '{"epoch":"' .. epoch .. '","messages":[' .. message .. ']}'
if ARGV[7] == '1' then
  redis.call('SPUBLISH', KEYS[4], event)
else
  redis.call('PUBLISH', KEYS[4], event)
end
return {1, seq, epoch}
`,
};

/**
 * Reads a room's head, creating its epoch when missing (a room never
 * written, or one whose data Redis lost: the new epoch tells clients).
 *
 * KEYS: head hash. ARGV: a fresh epoch. Returns `{seq, ts, epoch}`.
 */
export const HEAD: LuaScript = {
  source: `
local h = redis.call('HMGET', KEYS[1], 'seq', 'ts', 'epoch')
local epoch = h[3]
if not epoch then
  epoch = ARGV[1]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
return {h[1] or '0', h[2] or '0', epoch}
`,
};

/**
 * Replaces a room's epoch if it is still `ARGV[1]`: a node saw the head go
 * backwards under it (Redis restarted from an older copy), so `seq`s of
 * that epoch may be taken again and must not be mistaken for the old ones.
 *
 * KEYS: head hash. ARGV: the old epoch, a fresh one. Returns the epoch now.
 */
export const RENEW_EPOCH: LuaScript = {
  source: `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if epoch == ARGV[1] then
  redis.call('HSET', KEYS[1], 'epoch', ARGV[2])
  return ARGV[2]
end
return epoch
`,
};

/** A fresh epoch: 8 hex digits (the contract: opaque, `[A-Za-z0-9_-]`). */
export function freshEpoch(): string {
  return crypto.randomUUID().slice(0, 8);
}
