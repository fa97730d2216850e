"""The Lua scripts of `JobSlots`, each run atomically by Redis on the server's clock.

Every script gets the same three keys: 1 the leases (a sorted set of holders scored by the
millisecond their lease ends), 2 video id -> holder, 3 holder -> video id.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ACQUIRE",
    "ADOPT",
    "BIND",
    "IN_USE",
    "RELEASE",
    "RELEASE_MANY",
    "RELEASE_VIDEO",
    "RENEW",
    "RENEW_VIDEO",
]

# Shared by every script. KEYS: 1 the leases (sorted set), 2 video -> holder, 3 holder -> video.
_PRELUDE: Final = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function unbind(holder)
  local video = redis.call('HGET', KEYS[3], holder)
  if video and video ~= '' and redis.call('HGET', KEYS[2], video) == holder then
    redis.call('HDEL', KEYS[2], video)
  end
  redis.call('HDEL', KEYS[3], holder)
end
local function purge()
  local ended = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
  for _, holder in ipairs(ended) do
    unbind(holder)
    redis.call('ZREM', KEYS[1], holder)
  end
end
local function keep(ms)
  for i = 1, 3 do
    if redis.call('PTTL', KEYS[i]) < ms then redis.call('PEXPIRE', KEYS[i], ms) end
  end
end
"""

# Idempotent: a holder that already has a live slot (its earlier try ran although the answer
# never arrived) keeps it, under a fresh lease.
ACQUIRE: Final = (  # ARGV: holder, limit, lease ms -> {1, 0} or {0, ms until a lease ends}
    _PRELUDE
    + """
purge()
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[3]), ARGV[1])
  keep(tonumber(ARGV[3]))
  return {1, 0}
end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('HSET', KEYS[3], ARGV[1], '')
  keep(tonumber(ARGV[3]))
  return {1, 0}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(first[2]) - now}
"""
)

RENEW: Final = (  # ARGV: holder, lease ms -> 1, or 0 if the lease had ended
    _PRELUDE
    + """
purge()
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
keep(tonumber(ARGV[2]))
return 1
"""
)

RELEASE: Final = (  # ARGV: holder -> 1 if it held a live slot
    _PRELUDE
    + """
purge()
unbind(ARGV[1])
return redis.call('ZREM', KEYS[1], ARGV[1])
"""
)

RELEASE_MANY: Final = (  # ARGV: holders -> how many held a live slot
    _PRELUDE
    + """
purge()
local freed = 0
for _, holder in ipairs(ARGV) do
  unbind(holder)
  freed = freed + redis.call('ZREM', KEYS[1], holder)
end
return freed
"""
)

# A job HeyGen runs takes a slot whatever the limit says: the count must match what runs.
ADOPT: Final = (  # ARGV: holder, video id, lease ms -> 1
    _PRELUDE
    + """
purge()
unbind(ARGV[1])
local old = redis.call('HGET', KEYS[2], ARGV[2])
if old and old ~= ARGV[1] then return 1 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
keep(tonumber(ARGV[3]))
return 1
"""
)

BIND: Final = (  # ARGV: holder, video id -> 1, or 0 if the lease had ended
    _PRELUDE
    + """
purge()
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
unbind(ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
keep(math.max(redis.call('PTTL', KEYS[1]), 1))
return 1
"""
)

RELEASE_VIDEO: Final = (  # ARGV: video id -> 1 if a live slot was bound to it
    _PRELUDE
    + """
purge()
local holder = redis.call('HGET', KEYS[2], ARGV[1])
if not holder then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], holder)
return redis.call('ZREM', KEYS[1], holder)
"""
)

RENEW_VIDEO: Final = (  # ARGV: video id, lease ms -> 1, or 0 if no live slot is bound to it
    _PRELUDE
    + """
purge()
local holder = redis.call('HGET', KEYS[2], ARGV[1])
if not holder or not redis.call('ZSCORE', KEYS[1], holder) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), holder)
keep(tonumber(ARGV[2]))
return 1
"""
)

IN_USE: Final = (
    _PRELUDE
    + """
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
"""
)
