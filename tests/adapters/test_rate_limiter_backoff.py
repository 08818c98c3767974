"""The growing-delay part of `RateLimiter`: the in-process and Redis adapters give the same answers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from lms_adapters.security.memory import InProcessRateLimiter
from lms_adapters.security.redis import RedisRateLimiter
from lms_core.auth.ports import Backoff, RateLimiter
from lms_core.shared.clock import FixedClock
from tests.support.databases import require_service

LimiterFactory = Callable[[FixedClock], RateLimiter]


@pytest.fixture(params=["in_process", pytest.param("redis", marks=pytest.mark.redis)])
async def make_limiter(request: pytest.FixtureRequest) -> AsyncIterator[LimiterFactory]:
    if request.param == "in_process":
        shared: dict[int, InProcessRateLimiter] = {}

        def in_process(clock: FixedClock) -> RateLimiter:
            # One store, as Redis is one store for every process.
            return shared.setdefault(id(clock), InProcessRateLimiter(clock))

        yield in_process
        return
    client = Redis.from_url(require_service("Redis", "LMS_TEST_REDIS_URL"))
    prefix = f"test:{uuid.uuid4().hex}:"
    try:
        yield lambda clock: RedisRateLimiter(client, clock, prefix=prefix)
    finally:
        await client.aclose()


def backoff(key: str, *, free: int = 2, forget_after: int = 900) -> Backoff:
    return Backoff(key=key, free=free, base_seconds=1, max_seconds=8, forget_after_seconds=forget_after)


async def test_free_attempts_then_growing_capped_delays(make_limiter: LimiterFactory) -> None:
    clock = FixedClock()
    limiter = make_limiter(clock)
    rule = [backoff("pair")]
    assert await limiter.attempt(rule) is None
    assert await limiter.attempt(rule) is None
    waits = []
    for _ in range(6):
        wait = await limiter.attempt(rule)
        assert wait is not None
        waits.append(wait)
        # A refused attempt is not counted: the same wait, less the time gone by.
        clock.advance(timedelta(seconds=wait - 0.5))
        assert await limiter.attempt(rule) == 1
        clock.advance(timedelta(seconds=0.5))
        assert await limiter.attempt(rule) is None
    assert waits == [1, 2, 4, 8, 8, 8]


async def test_every_key_must_admit_and_only_admitted_attempts_count(make_limiter: LimiterFactory) -> None:
    clock = FixedClock()
    limiter = make_limiter(clock)
    assert await limiter.attempt([backoff("account", free=1)]) is None
    # The account's backoff refuses, so the fresh pair key is not counted either.
    assert await limiter.attempt([backoff("pair", free=1), backoff("account", free=1)]) == 1
    assert await limiter.attempt([backoff("pair", free=1)]) is None
    assert await limiter.attempt([backoff("pair", free=1)]) == 1


async def test_forget_clears_a_tally(make_limiter: LimiterFactory) -> None:
    clock = FixedClock()
    limiter = make_limiter(clock)
    for _ in range(2):
        assert await limiter.attempt([backoff("k")]) is None
    assert await limiter.attempt([backoff("k")]) == 1
    await limiter.forget("k")
    assert await limiter.attempt([backoff("k")]) is None


async def test_remembered_keys(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(FixedClock())
    assert not await limiter.remembers("known")
    await limiter.remember("known", seconds=60)
    assert await limiter.remembers("known")
    assert not await limiter.remembers("other")


async def test_concurrent_attempts_from_several_processes_admit_exactly_the_free_ones(
    make_limiter: LimiterFactory,
) -> None:
    clock = FixedClock()
    # Two limiter objects stand for two server processes sharing one store.
    first, second = make_limiter(clock), make_limiter(clock)
    rule = [backoff("pair", free=5), backoff("account", free=50)]
    results = await asyncio.gather(*[(first if i % 2 else second).attempt(rule) for i in range(40)])
    assert results.count(None) == 5
    assert all(result == 1 for result in results if result is not None)


@pytest.mark.redis
async def test_redis_tallies_and_marks_expire_on_their_own() -> None:
    client = Redis.from_url(require_service("Redis", "LMS_TEST_REDIS_URL"))
    prefix = f"test:{uuid.uuid4().hex}:"
    try:
        limiter = RedisRateLimiter(client, FixedClock(), prefix=prefix)
        assert await limiter.attempt([backoff("k", forget_after=900)]) is None
        await limiter.remember("known", seconds=60)
        assert 890 <= await client.ttl(prefix + "k") <= 900
        assert 50 <= await client.ttl(prefix + "known") <= 60
    finally:
        await client.aclose()


async def test_in_process_tallies_are_forgotten_after_their_quiet_time() -> None:
    clock = FixedClock()
    limiter = InProcessRateLimiter(clock)
    for _ in range(2):
        assert await limiter.attempt([backoff("k", forget_after=900)]) is None
    assert await limiter.attempt([backoff("k", forget_after=900)]) == 1
    clock.advance(timedelta(seconds=900))
    assert await limiter.attempt([backoff("k", forget_after=900)]) is None
    await limiter.remember("known", seconds=60)
    clock.advance(timedelta(seconds=60))
    assert not await limiter.remembers("known")
