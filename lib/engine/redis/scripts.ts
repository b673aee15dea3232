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
 * Appends one event, or finds the one stored under the same idempotency
 * key. The event JSON is built around the `seq` here: `ARGV[1] .. seq ..
 * ARGV[2]`, so the node need not know the `seq` in advance. An update (or a
 * reply) is first checked against its target as `lib/engine/fold.ts` does,
 * and an update rewrites the target's fold in the same script, so the check
 * and the write are one atomic step.
 *
 * Messages go to the room's stream, updates to its update stream; both are
 * trimmed to the events of the latest `limit` `seq`s.
 *
 * KEYS: head hash, message stream, idempotency key, feed channel, folds
 * hash, update stream.
 * ARGV: JSON before the seq, JSON after it, ts, a fresh epoch (used only
 * when the room has none), history limit, idempotency TTL in seconds,
 * `1` to publish on a sharded channel (cluster), the input's type
 * (`message`, `edit`, `delete`, `reaction`), its target `seq` (`0`: none),
 * the user id, the edit's text or the reaction's emoji, `1` for a reaction
 * on, the most distinct emoji and the most reactions per message, `1` for
 * a moderator's deletion.
 * Returns `{stored (1|0), seq, epoch}`, or `{-1, 0, epoch, code}` when the
 * target refuses the event (`not_found`, `forbidden`): nothing is written.
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
local kind = ARGV[8]
local target = tonumber(ARGV[9])
local fold = nil
if target > 0 then
  -- The message stream holds messages only: an update is not a target.
  local found = redis.call('XRANGE', KEYS[2], target .. '-0', target .. '-0')
  local message = found[1] and cjson.decode(found[1][2][2])
  local raw = redis.call('HGET', KEYS[5], ARGV[9])
  fold = raw and cjson.decode(raw) or {}
  if not message or fold.deleted then
    return {-1, 0, epoch, 'not_found'}
  end
  -- A moderator (checked by the core: ARGV[15]) may delete any message.
  if (kind == 'edit' or (kind == 'delete' and ARGV[15] ~= '1'))
    and message.user.id ~= ARGV[10] then
    return {-1, 0, epoch, 'forbidden'}
  end
  if kind == 'edit' then
    fold.text = ARGV[11]
    fold.edited = tonumber(ARGV[3])
  elseif kind == 'delete' then
    fold = {deleted = true}
  elseif kind == 'reaction' then
    local reactions = fold.reactions or {}
    local users = {}
    local had = false
    for _, id in ipairs(reactions[ARGV[11]] or {}) do
      if id == ARGV[10] then had = true else users[#users + 1] = id end
    end
    if ARGV[12] == '1' and not had then
      local kinds, total = 0, 0
      for _, ids in pairs(reactions) do
        kinds = kinds + 1
        total = total + #ids
      end
      if (not reactions[ARGV[11]] and kinds >= tonumber(ARGV[13]))
        or total >= tonumber(ARGV[14]) then
        return {-1, 0, epoch, 'forbidden'}
      end
    end
    -- A set: a reaction given again keeps its place.
    if had and ARGV[12] == '1' then users = reactions[ARGV[11]]
    elseif ARGV[12] == '1' then users[#users + 1] = ARGV[10] end
    if #users > 0 then reactions[ARGV[11]] = users else reactions[ARGV[11]] = nil end
    if next(reactions) then fold.reactions = reactions else fold.reactions = nil end
  else
    fold = nil
  end
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[1], 'ts', ARGV[3])
local event = ARGV[1] .. seq .. ARGV[2]
local oldest = math.max(0, seq - tonumber(ARGV[5]) + 1) .. '-0'
local into, other = KEYS[2], KEYS[6]
if kind ~= 'message' then into, other = KEYS[6], KEYS[2] end
redis.call('XADD', into, 'MINID', oldest, seq .. '-0', 'm', event)
redis.call('XTRIM', other, 'MINID', oldest)
redis.call('SET', KEYS[3], seq, 'EX', ARGV[6])
if fold then redis.call('HSET', KEYS[5], ARGV[9], cjson.encode(fold)) end
-- The message that just left the stream takes its fold along.
local expired = seq - tonumber(ARGV[5])
if expired > 0 then redis.call('HDEL', KEYS[5], tostring(expired)) end
local published = '{"epoch":"' .. epoch .. '","messages":[' .. event .. ']}'
if ARGV[7] == '1' then
  redis.call('SPUBLISH', KEYS[4], published)
else
  redis.call('PUBLISH', KEYS[4], published)
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
