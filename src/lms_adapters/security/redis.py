"""Redis adapters, for several server processes sharing the denylist, rate limits and cache evictions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from datetime import datetime
from uuid import UUID

from redis.asyncio import Redis

from lms_adapters.security.memory import InProcessUserCache
from lms_core.shared.clock import Clock
from lms_core.shared.ids import UserId
from lms_core.users.ports import CachedUser

log = logging.getLogger("lms.redis")

EVICTION_CHANNEL = "lms:user-cache:evict"


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


class RedisBroadcastUserCache:
    """Implements `UserCache`: a local in-process cache whose evictions reach every process.

    An eviction is applied locally at once and published on a Redis channel; each process listens
    and evicts too. If the subscription drops, the local cache is cleared and not used until the
    subscription is back, so a missed eviction cannot leave a stale entry in place.
    """

    def __init__(self, redis: Redis, *, local: InProcessUserCache | None = None) -> None:
        self._redis = redis
        self._local = local or InProcessUserCache()
        self._listening = False
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="lms-user-cache-evictions")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout=5)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def generation(self) -> int:
        return self._local.generation()

    def get(self, user_id: UserId) -> CachedUser | None:
        return self._local.get(user_id) if self._listening else None

    def put(self, user_id: UserId, entry: CachedUser, *, generation: int) -> None:
        if self._listening:
            self._local.put(user_id, entry, generation=generation)

    async def evict(self, user_id: UserId) -> None:
        self._local.evict_local(user_id)
        await self._redis.publish(EVICTION_CHANNEL, str(user_id))

    async def _listen(self) -> None:
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(EVICTION_CHANNEL)
                self._local.clear_local()
                self._listening = True
                self._ready.set()
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    data = message["data"]
                    with contextlib.suppress(ValueError):
                        self._local.evict_local(UserId(UUID(data.decode() if isinstance(data, bytes) else data)))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("user cache eviction channel lost (%s); cache disabled until it is back", exc)
            finally:
                self._listening = False
                self._local.clear_local()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(1)
