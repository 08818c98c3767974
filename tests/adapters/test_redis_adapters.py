"""Redis denylist, rate limiter and cross-process cache evictions against a real Redis server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from lms_adapters.caching.redis import RedisBroadcastCache
from lms_adapters.security.redis import RedisDenylist, RedisRateLimiter
from lms_core.shared.clock import FixedClock, SystemClock
from lms_core.shared.ids import UserId, new_user_id
from lms_core.users.ports import CachedUser
from tests.support.databases import require_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.redis


def _user_id(text: str) -> UserId:
    return UserId(uuid.UUID(text))


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(require_service("Redis", "LMS_TEST_REDIS_URL"))
    try:
        yield client
    finally:
        await client.aclose()


async def test_denylist_entries_expire_with_the_token(redis: Redis) -> None:
    clock = SystemClock()
    denylist = RedisDenylist(redis, clock, prefix=f"test:{uuid.uuid4().hex}:")
    await denylist.add("jti-1", expires_at=clock.now() + timedelta(seconds=1))
    await denylist.add("jti-expired", expires_at=clock.now() - timedelta(seconds=1))
    assert await denylist.contains("jti-1")
    assert not await denylist.contains("jti-expired")

    async def expired() -> bool:
        return not await denylist.contains("jti-1")

    # Redis expires the key on its own clock: wait for that, however slow the machine is today.
    await eventually(expired, within=15, what="Redis to expire the denylist entry")


async def test_rate_limiter_is_shared_between_instances(redis: Redis) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    clock = FixedClock()
    first = RedisRateLimiter(redis, clock, prefix=prefix)
    second = RedisRateLimiter(redis, clock, prefix=prefix)
    assert await first.hit("k", limit=3, window_seconds=60) is None
    assert await second.hit("k", limit=3, window_seconds=60) is None
    assert await first.hit("k", limit=3, window_seconds=60) is None
    retry_after = await second.hit("k", limit=3, window_seconds=60)
    assert retry_after is not None
    assert 0 < retry_after <= 60


async def test_concurrent_hits_from_two_processes_allow_exactly_the_limit(redis: Redis) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    clock = FixedClock()
    limiters = [RedisRateLimiter(redis, clock, prefix=prefix), RedisRateLimiter(redis, clock, prefix=prefix)]
    results = await asyncio.gather(*[limiters[i % 2].hit("k", limit=7, window_seconds=60) for i in range(40)])
    assert results.count(None) == 7
    assert all(result is not None and 0 < result <= 60 for result in results if result is not None)


async def test_rate_limiter_admits_exactly_the_limit_under_concurrent_hits(redis: Redis) -> None:
    """Hits from several connections at once (as from several servers): the count is atomic in Redis,
    so exactly `limit` are admitted, however the hits interleave."""
    url = require_service("Redis", "LMS_TEST_REDIS_URL")
    prefix = f"test:{uuid.uuid4().hex}:"
    clock = FixedClock()
    clients = [Redis.from_url(url) for _ in range(4)]
    try:
        limiters = [RedisRateLimiter(client, clock, prefix=prefix) for client in clients]
        results = await asyncio.gather(
            *[limiters[n % len(limiters)].hit("crowd", limit=25, window_seconds=60) for n in range(100)]
        )
    finally:
        for client in clients:
            await client.aclose()
    admitted = [r for r in results if r is None]
    refused = [r for r in results if r is not None]
    assert len(admitted) == 25
    assert len(refused) == 75
    assert all(0 < retry_after <= 60 for retry_after in refused)


async def test_an_eviction_reaches_every_process_cache(redis: Redis) -> None:
    from lms_core.shared.actor import Role
    from lms_core.users.views import EmailPreferencesView, UserView

    other_client = Redis.from_url(require_service("Redis", "LMS_TEST_REDIS_URL"))
    channel = f"test:{uuid.uuid4().hex}"
    here: RedisBroadcastCache[UserId, CachedUser] = RedisBroadcastCache(redis, channel, decode_key=_user_id)
    there: RedisBroadcastCache[UserId, CachedUser] = RedisBroadcastCache(other_client, channel, decode_key=_user_id)
    await here.start()
    await there.start()
    try:
        user_id = new_user_id()
        now = FixedClock().now()
        view = UserView(
            id=user_id,
            email="a@example.com",
            full_name="A",
            role=Role.STUDENT,
            is_active=True,
            mfa_enabled=False,
            profile_metadata=None,
            created_at=now,
            updated_at=now,
            last_login_at=None,
            email_verified_at=None,
            email_preferences=EmailPreferencesView(weekly_progress=True, reminders=True),
        )
        there.put(user_id, CachedUser(view=view, token_version=0), generation=there.generation())
        assert there.get(user_id) is not None
        await here.evict(user_id)
        await eventually(lambda: there.get(user_id) is None, within=15, what="the eviction to reach the other cache")
    finally:
        await here.stop()
        await there.stop()
        await other_client.aclose()
