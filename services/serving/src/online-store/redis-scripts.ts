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
 * Larder layout, many rows per call (one EVALSHA per chunk instead of per key: Redis and ioredis pay the
 * per-command cost once; measured in bench/materialize.ts). KEYS: the row keys; ARGV: force ('1' = skip the
 * comparison), ttl ms ('0' = none), then one blob holding per key, in order: u8 complete (1 = the row
 * carries every feature) ‖ u32 LE length ‖ packed row. Each key is still compared and set on its own, so
 * newest event wins per key, and a key given twice is applied in order. The first 8 bytes of a packed row
 * order rows (packed-row.ts), compared byte by byte to avoid locale-dependent string comparison. A partial
 * row keeps the stored entries it lacks. Returns how many rows were written.
 */
const PUT_PACKED_HELPERS = `
local function u32(s, p)
  local b1, b2, b3, b4 = string.byte(s, p, p + 3)
  return b1 + b2 * 256 + b3 * 65536 + b4 * 16777216
end
local function put(key, row, complete, force, ttl)
  local old = redis.call('GET', key)
  if old and #old >= 8 then
    if not force then
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
    if not complete then
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
  if ttl > 0 then
    redis.call('SET', key, row, 'PX', ttl)
  else
    redis.call('SET', key, row)
  end
  return 1
end
`;

const PUT_PACKED_ROWS = `${PUT_PACKED_HELPERS}
local force = ARGV[1] == '1'
local ttl = tonumber(ARGV[2])
local blob = ARGV[3]
local written = 0
local pos = 1
for k = 1, #KEYS do
  local complete = string.byte(blob, pos) == 1
  local len = u32(blob, pos + 1)
  written = written + put(KEYS[k], string.sub(blob, pos + 5, pos + 4 + len), complete, force, ttl)
  pos = pos + 5 + len
end
return written
`;

/**
 * larderPutPackedRows with the keys inside the blob: per row u32 LE key length ‖ key ‖ u8 complete ‖ u32 LE
 * length ‖ packed row. For a standalone or Sentinel Redis only (a Cluster needs every key declared so it
 * can route the call; its calls carry one declared key each): 250 key arguments cost ioredis ≈ 20 % of a
 * materialization's CPU (an argument each to measure, frame and copy), one blob argument almost nothing.
 * ACLs still apply to each key, as they do to every redis.call. Same semantics and return value.
 */
const PUT_PACKED_BLOB = `${PUT_PACKED_HELPERS}
local force = ARGV[1] == '1'
local ttl = tonumber(ARGV[2])
local blob = ARGV[3]
local written = 0
local pos = 1
while pos <= #blob do
  local keyLen = u32(blob, pos)
  local key = string.sub(blob, pos + 4, pos + 3 + keyLen)
  pos = pos + 4 + keyLen
  local complete = string.byte(blob, pos) == 1
  local len = u32(blob, pos + 1)
  written = written + put(key, string.sub(blob, pos + 5, pos + 4 + len), complete, force, ttl)
  pos = pos + 5 + len
end
return written
`;

/** Decodes a stored google.protobuf.Timestamp: timestamp(bytes) → seconds, nanos. */
const FEAST_TIMESTAMP = `
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
`;

/**
 * Feast layout. KEYS[1] hash key; ARGV: ts field, new seconds, new nanos, new Timestamp bytes, ttl seconds
 * ('0' = none), force ('1'), then field/value pairs. The stored google.protobuf.Timestamp is decoded here
 * (field 1 seconds, field 2 nanos, varints; negative int64 varints are exact while they fit a double).
 */
const PUT_FEAST_ROW = `${CHUNKED_CALL}${FEAST_TIMESTAMP}
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
 * larderPutFeastRow for many keys in one call, the keys inside the blob (standalone or Sentinel Redis only,
 * as larderPutPackedBlob; a Cluster keeps one declared key per call). ARGV: ts field, ttl seconds ('0' =
 * none), force ('1'), blob. Per row in the blob, every length a u32 LE: key ‖ seconds (decimal text) ‖
 * nanos (decimal text) ‖ Timestamp bytes ‖ field count ‖ per field: name ‖ value. Each key is compared
 * and set on its own, in order (newest event wins per key); returns how many rows were written.
 */
const PUT_FEAST_BLOB = `${CHUNKED_CALL}${FEAST_TIMESTAMP}
local tsField = ARGV[1]
local ttl = tonumber(ARGV[2])
local force = ARGV[3] == '1'
local blob = ARGV[4]
local pos = 1
local function u32()
  local b1, b2, b3, b4 = string.byte(blob, pos, pos + 3)
  pos = pos + 4
  return b1 + b2 * 256 + b3 * 65536 + b4 * 16777216
end
local function bytes()
  local len = u32()
  local s = string.sub(blob, pos, pos + len - 1)
  pos = pos + len
  return s
end
local written = 0
while pos <= #blob do
  local key = bytes()
  local newSec = tonumber(bytes())
  local newNanos = tonumber(bytes())
  local args = { tsField, bytes() }
  for _ = 1, u32() do
    args[#args + 1] = bytes()
    args[#args + 1] = bytes()
  end
  local newer = true
  if not force then
    local old = redis.call('HGET', key, tsField)
    if old then
      local sec, nanos = timestamp(old)
      if newSec < sec or (newSec == sec and newNanos <= nanos) then newer = false end
    end
  end
  if newer then
    chunked('HSET', key, args, 1)
    if ttl > 0 then redis.call('EXPIRE', key, ttl) end
    written = written + 1
  end
end
return written
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
  putPackedRows: "larderPutPackedRows",
  putPackedBlob: "larderPutPackedBlob",
  putFeastRow: "larderPutFeastRow",
  putFeastBlob: "larderPutFeastBlob",
  deleteFeastView: "larderDeleteFeastView",
});

/** Defines Larder's scripts on an ioredis client. */
export function defineScripts(client: RedisClient): void {
  // No numberOfKeys: the first argument of each call gives it (one script call carries many keys).
  client.defineCommand(SCRIPT.putPackedRows, { lua: PUT_PACKED_ROWS });
  client.defineCommand(SCRIPT.putPackedBlob, { numberOfKeys: 0, lua: PUT_PACKED_BLOB });
  client.defineCommand(SCRIPT.putFeastRow, { numberOfKeys: 1, lua: PUT_FEAST_ROW });
  client.defineCommand(SCRIPT.putFeastBlob, { numberOfKeys: 0, lua: PUT_FEAST_BLOB });
  client.defineCommand(SCRIPT.deleteFeastView, { numberOfKeys: 1, lua: DELETE_FEAST_VIEW });
}
