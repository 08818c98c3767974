"""Redis adapters, for several server processes sharing the denylist and rate limits."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import datetime

from redis.asyncio import Redis

from lms_core.auth.ports import Backoff
from lms_core.shared.clock import Clock

log = logging.getLogger("lms.redis")


class RedisDenylist:
    """Implements `AccessTokenDenylist`; keys expire with the token they deny."""

    def __init__(self, redis: Redis, clock: Clock, *, prefix: str = "lms:deny:") -> None:
        self._redis = redis
        self._clock = clock
        self._prefix = prefix

    async def add(self, jti: str, *, expires_at: datetime) -> None:
        ttl = math.ceil((expires_at - self._clock.now()).total_seconds())
        if ttl > 0:
            await self._redis.set(self._prefix + jti, b"1", ex=ttl)

    async def contains(self, jti: str) -> bool:
        return bool(await self._redis.exists(self._prefix + jti))


# Increment and set the expiry atomically on the first hit of a window.
_HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
return {count, ttl}
"""


# Check every backoff, then count the attempt under every key only if none makes it wait: one atomic step,
# so concurrent attempts from any number of processes are each checked against the ones before them.
# ARGV: now, then (free, base, max, forget_after) for each key. Returns 0 when admitted, else the wait.
_ATTEMPT_SCRIPT = """
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local base_arg = 2 + (i - 1) * 4
  local free = tonumber(ARGV[base_arg])
  local tally = redis.call('HMGET', key, 'count', 'last')
  local count = tonumber(tally[1]) or 0
  if count >= free then
    local delay = math.min(tonumber(ARGV[base_arg + 1]) * 2 ^ (count - free), tonumber(ARGV[base_arg + 2]))
    wait = math.max(wait, tonumber(tally[2]) + delay - now)
  end
end
if wait > 0 then return math.max(1, math.ceil(wait)) end
for i, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'count', 1)
  redis.call('HSET', key, 'last', ARGV[1])
  redis.call('EXPIRE', key, ARGV[2 + (i - 1) * 4 + 3])
end
return 0
"""


class RedisRateLimiter:
    """Implements `RateLimiter` through Redis, shared by every process: fixed windows, backoff tallies
    (hashes of count and last attempt) and remembered keys, all expiring on their own."""

    def __init__(self, redis: Redis, clock: Clock, *, prefix: str = "lms:rate:") -> None:
        self._redis = redis
        self._clock = clock
        self._prefix = prefix
        self._script = redis.register_script(_HIT_SCRIPT)
        self._attempt_script = redis.register_script(_ATTEMPT_SCRIPT)

    async def attempt(self, backoffs: Sequence[Backoff]) -> int | None:
        args: list[str | int] = [repr(self._clock.now().timestamp())]
        for backoff in backoffs:
            args += [backoff.free, backoff.base_seconds, backoff.max_seconds, backoff.forget_after_seconds]
        wait = int(await self._attempt_script(keys=[self._prefix + b.key for b in backoffs], args=args))
        return wait or None

    async def forget(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def remember(self, key: str, *, seconds: int) -> None:
        await self._redis.set(self._prefix + key, b"1", ex=seconds)

    async def remembers(self, key: str) -> bool:
        return bool(await self._redis.exists(self._prefix + key))

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None:
        window = int(self._clock.now().timestamp() // window_seconds)
        count, ttl = await self._script(keys=[f"{self._prefix}{key}:{window}"], args=[window_seconds])
        if int(count) > limit:
            return max(1, int(ttl))
        return None
