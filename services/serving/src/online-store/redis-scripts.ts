import type { RedisClient } from "./redis-client.js";

// Lua compare-and-set scripts: newest event wins atomically per key (Feast's read-then-write is not
// atomic; runtime-notes "Feast weaknesses"). Defined once per client; ioredis sends EVALSHA and falls
// back to EVAL on NOSCRIPT. Long argument lists go to redis.call in chunks (Lua's unpack stack limit).

const CHUNKED_CALL = `
local function chunked(cmd, key, list, from)
  local i = from
  while i <= #list do
    local last = math.min(i + 999, #list)
    redis.call(cmd, key, unpack(list, i, last))
    i = last + 1
  end
end
`;

/**
 * Larder layout. KEYS[1] row key; ARGV: packed row, complete ('1' = carries every feature), force ('1' =
 * skip the comparison), ttl ms ('0' = none). The first 8 bytes order rows (packed-row.ts), compared byte by
 * byte to avoid locale-dependent string comparison. A partial row keeps the stored entries it lacks.
 */
const PUT_PACKED_ROW = `
local row = ARGV[1]
local old = redis.call('GET', KEYS[1])
if old and #old >= 8 then
  if ARGV[3] ~= '1' then
    local newer = false
    for i = 1, 8 do
      local a, b = string.byte(row, i), string.byte(old, i)
      if a ~= b then
        newer = a > b
        break
      end
    end
    if not newer then return 0 end
  end
  if ARGV[2] ~= '1' then
    local function u32(s, p)
      local b1, b2, b3, b4 = string.byte(s, p, p + 3)
      return b1 + b2 * 256 + b3 * 65536 + b4 * 16777216
    end
    local seen = {}
    local pos = 9
    while pos + 7 <= #row do
      seen[string.sub(row, pos, pos + 3)] = true
      pos = pos + 8 + u32(row, pos + 4)
    end
    local parts = { row }
    pos = 9
    while pos + 7 <= #old do
      local len = u32(old, pos + 4)
      if not seen[string.sub(old, pos, pos + 3)] then
        parts[#parts + 1] = string.sub(old, pos, pos + 7 + len)
      end
      pos = pos + 8 + len
    end
    row = table.concat(parts)
  end
end
local ttl = tonumber(ARGV[4])
if ttl > 0 then
  redis.call('SET', KEYS[1], row, 'PX', ttl)
else
  redis.call('SET', KEYS[1], row)
end
return 1
`;

/**
 * Feast layout. KEYS[1] hash key; ARGV: ts field, new seconds, new nanos, new Timestamp bytes, ttl seconds
 * ('0' = none), force ('1'), then field/value pairs. The stored google.protobuf.Timestamp is decoded here
 * (field 1 seconds, field 2 nanos, varints; negative int64 varints are exact while they fit a double).
 */
const PUT_FEAST_ROW = `${CHUNKED_CALL}
local function varint(s, pos)
  local groups = {}
  while pos <= #s and #groups < 10 do
    local b = string.byte(s, pos)
    pos = pos + 1
    groups[#groups + 1] = b % 128
    if b < 128 then break end
  end
  local v = 0
  if #groups == 10 then
    v = 1 - groups[10] % 2
    for i = 9, 1, -1 do v = v * 128 + (127 - groups[i]) end
    return -v - 1, pos
  end
  for i = #groups, 1, -1 do v = v * 128 + groups[i] end
  return v, pos
end
local function timestamp(s)
  local sec, nanos, pos = 0, 0, 1
  while pos <= #s do
    local tag, v
    tag, pos = varint(s, pos)
    local wire = tag % 8
    if wire == 0 then
      v, pos = varint(s, pos)
      if tag == 8 then sec = v elseif tag == 16 then nanos = v end
    elseif wire == 1 then pos = pos + 8
    elseif wire == 5 then pos = pos + 4
    elseif wire == 2 then
      v, pos = varint(s, pos)
      if v < 0 then break end
      pos = pos + v
    else break end
  end
  return sec, nanos
end
if ARGV[6] ~= '1' then
  local old = redis.call('HGET', KEYS[1], ARGV[1])
  if old then
    local sec, nanos = timestamp(old)
    local newSec, newNanos = tonumber(ARGV[2]), tonumber(ARGV[3])
    if newSec < sec or (newSec == sec and newNanos <= nanos) then return 0 end
  end
end
local args = { ARGV[1], ARGV[4] }
for i = 7, #ARGV do args[#args + 1] = ARGV[i] end
chunked('HSET', KEYS[1], args, 1)
local ttl = tonumber(ARGV[5])
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
return 1
`;

/**
 * Feast layout view deletion (§5h). KEYS[1] hash key; ARGV: ts field, then the view's feature fields.
 * DEL when this view is the only one stored in the hash, else HDEL its fields.
 */
const DELETE_FEAST_VIEW = `${CHUNKED_CALL}
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 0 end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  local views = 0
  for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.sub(f, 1, 4) == '_ts:' then views = views + 1 end
  end
  if views == 1 then
    redis.call('DEL', KEYS[1])
    return 1
  end
end
chunked('HDEL', KEYS[1], ARGV, 1)
return 1
`;

/** Names of the scripts defined on the client (also callable on its pipelines). */
export const SCRIPT = Object.freeze({
  putPackedRow: "larderPutPackedRow",
  putFeastRow: "larderPutFeastRow",
  deleteFeastView: "larderDeleteFeastView",
});

/** Defines Larder's scripts on an ioredis client. */
export function defineScripts(client: RedisClient): void {
  client.defineCommand(SCRIPT.putPackedRow, { numberOfKeys: 1, lua: PUT_PACKED_ROW });
  client.defineCommand(SCRIPT.putFeastRow, { numberOfKeys: 1, lua: PUT_FEAST_ROW });
  client.defineCommand(SCRIPT.deleteFeastView, { numberOfKeys: 1, lua: DELETE_FEAST_VIEW });
}
