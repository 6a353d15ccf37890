package redis

import goredis "github.com/redis/go-redis/v9"

// Every script takes the four keys of one stream, in keyNames order, so all
// of them share one hash tag (one Redis Cluster slot) and one prelude. Each
// script is one atomic step: the dedupe index never disagrees with the
// stream and the delayed set except where MAXLEN trimming dropped entries,
// which outstanding() detects.
const prelude = `
local STREAM, JOBS, DELAYED, HELD = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

-- outstanding reports whether key's job still exists. Its index entry can
-- outlive the stream entry when MAXLEN trimming dropped that.
local function outstanding(key)
  local at = redis.call('HGET', JOBS, key)
  if not at then return false end
  if at == 'delayed' then return redis.call('ZSCORE', DELAYED, key) ~= false end
  return #redis.call('XRANGE', STREAM, at, at) > 0
end

local function ready(key, body, maxlen)
  local id = redis.call('XADD', STREAM, 'MAXLEN', '~', maxlen, '*', 'k', key, 'j', body)
  redis.call('HSET', JOBS, key, id)
end

-- place makes a job ready, or parks it in the delayed set until notBefore.
local function place(key, body, notBefore, now, maxlen)
  if tonumber(notBefore) <= now then
    ready(key, body, maxlen)
    return
  end
  redis.call('ZADD', DELAYED, notBefore, key)
  redis.call('HSET', HELD, key, body)
  redis.call('HSET', JOBS, key, 'delayed')
end

-- promote makes up to limit due jobs ready, earliest first, and returns
-- when the next delayed job falls due (unix ms), or -1.
local function promote(now, limit, maxlen)
  local due = redis.call('ZRANGEBYSCORE', DELAYED, '-inf', now, 'LIMIT', 0, limit)
  for _, key in ipairs(due) do
    local body = redis.call('HGET', HELD, key)
    redis.call('ZREM', DELAYED, key)
    redis.call('HDEL', HELD, key)
    if body then ready(key, body, maxlen) else redis.call('HDEL', JOBS, key) end
  end
  local first = redis.call('ZRANGE', DELAYED, 0, 0, 'WITHSCORES')
  if #first == 0 then return -1 end
  return tonumber(first[2])
end

-- emit appends id, key, body of each stream entry to out. Entries without
-- fields (deleted, as Redis 6.2 reports them) are skipped.
local function emit(out, entries)
  for _, e in ipairs(entries) do
    local f, key, body = e[2], nil, nil
    if f then
      for i = 1, #f, 2 do
        if f[i] == 'k' then key = f[i + 1] elseif f[i] == 'j' then body = f[i + 1] end
      end
    end
    if key and body then
      out[#out + 1] = e[1]
      out[#out + 1] = key
      out[#out + 1] = body
    end
  end
end
`

// enqueueScript: ARGV now-ms, maxlen, then key, body, not-before-ms per job.
// Returns how many jobs were added.
var enqueueScript = goredis.NewScript(prelude + `
local now, maxlen = tonumber(ARGV[1]), ARGV[2]
local added = 0
for i = 3, #ARGV, 3 do
  local key = ARGV[i]
  if not outstanding(key) then
    place(key, ARGV[i + 1], ARGV[i + 2], now, maxlen)
    added = added + 1
  end
end
return added
`)

// consumeScript: ARGV now-ms, maxlen, promote limit, group, consumer,
// count. Promotes due jobs, creates the group at the start of the stream if
// it is missing (first use, or after the data was lost), then reads new
// entries without blocking. Returns {next-due-ms or -1, id, key, body, ...}.
var consumeScript = goredis.NewScript(prelude + `
local nextDue = promote(ARGV[1], tonumber(ARGV[3]), ARGV[2])
local res = redis.pcall('XREADGROUP', 'GROUP', ARGV[4], ARGV[5], 'COUNT', ARGV[6], 'STREAMS', STREAM, '>')
if type(res) == 'table' and res.err then
  if not string.find(res.err, 'NOGROUP', 1, true) then return res end
  redis.call('XGROUP', 'CREATE', STREAM, ARGV[4], '0', 'MKSTREAM')
  res = redis.call('XREADGROUP', 'GROUP', ARGV[4], ARGV[5], 'COUNT', ARGV[6], 'STREAMS', STREAM, '>')
end
local out = {nextDue}
if res then emit(out, res[1][2]) end
return out
`)

// ackScript: ARGV group, then id, key per delivery. Acknowledges each
// entry and, when it still holds its key's job, deletes entry and index
// entry. Returns how many jobs were completed.
var ackScript = goredis.NewScript(prelude + `
local done = 0
for i = 2, #ARGV, 2 do
  local id, key = ARGV[i], ARGV[i + 1]
  redis.pcall('XACK', STREAM, ARGV[1], id)
  if redis.call('HGET', JOBS, key) == id then
    redis.call('HDEL', JOBS, key)
    redis.call('XDEL', STREAM, id)
    done = done + 1
  end
end
return done
`)

// retryScript: ARGV now-ms, maxlen, group, consumer, id, key, new body,
// not-before-ms. Re-places the job if entry id still holds it and consumer
// owns the delivery. Returns 1, or 0 when the delivery is stale.
var retryScript = goredis.NewScript(prelude + `
local group, consumer, id, key = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if redis.call('HGET', JOBS, key) ~= id then return 0 end
local p = redis.pcall('XPENDING', STREAM, group, id, id, 1)
if type(p) ~= 'table' or p.err or #p == 0 or p[1][2] ~= consumer then return 0 end
redis.call('XACK', STREAM, group, id)
redis.call('XDEL', STREAM, id)
redis.call('HDEL', JOBS, key)
place(key, ARGV[7], ARGV[8], tonumber(ARGV[1]), ARGV[2])
return 1
`)

// reclaimScript: ARGV group, consumer, min-idle-ms, max. Claims up to max
// entries idle for min-idle-ms with XAUTOCLAIM, scanning the whole pending
// list if needed. Returns {id, key, body, ...}.
var reclaimScript = goredis.NewScript(prelude + `
local max, out, n, cursor = tonumber(ARGV[4]), {}, 0, '0-0'
repeat
  local r = redis.pcall('XAUTOCLAIM', STREAM, ARGV[1], ARGV[2], ARGV[3], cursor, 'COUNT', max - n)
  if r.err then
    if string.find(r.err, 'NOGROUP', 1, true) then return out end
    return r
  end
  cursor = r[1]
  emit(out, r[2])
  n = #out / 3
until cursor == '0-0' or n >= max
return out
`)

// depthScript: ARGV group. Returns {ready, pending, delayed}. Acknowledged
// entries are deleted, so the stream holds exactly the ready and pending
// jobs of its (single) group.
var depthScript = goredis.NewScript(prelude + `
local pending = 0
local p = redis.pcall('XPENDING', STREAM, ARGV[1])
if type(p) == 'table' and not p.err then pending = p[1] end
local ready = redis.call('XLEN', STREAM) - pending
if ready < 0 then ready = 0 end
return {ready, pending, redis.call('ZCARD', DELAYED)}
`)
