"""Redis adapters, for several server processes sharing the denylist and rate limits."""

from __future__ import annotations

import logging
import math
from datetime import datetime

from redis.asyncio import Redis

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


class RedisRateLimiter:
    """Implements `RateLimiter` with fixed windows shared by every process through Redis."""

    def __init__(self, redis: Redis, clock: Clock, *, prefix: str = "lms:rate:") -> None:
        self._redis = redis
        self._clock = clock
        self._prefix = prefix
        self._script = redis.register_script(_HIT_SCRIPT)

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None:
        window = int(self._clock.now().timestamp() // window_seconds)
        count, ttl = await self._script(keys=[f"{self._prefix}{key}:{window}"], args=[window_seconds])
        if int(count) > limit:
            return max(1, int(ttl))
        return None
