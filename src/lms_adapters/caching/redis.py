"""A local cache whose invalidations reach every process through a Redis channel."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from redis.asyncio import Redis

from lms_adapters.caching.memory import InProcessCache

log = logging.getLogger("lms.redis")

K = TypeVar("K")
V = TypeVar("V")

CLEAR_ALL = "*"


class RedisBroadcastCache(Generic[K, V]):
    """An `InProcessCache` per process, kept exact across processes.

    An invalidation is applied locally at once and published on `channel`; every process listens and
    applies it too. While the subscription is down the cache is bypassed (and emptied when it comes
    back), so an invalidation missed during an outage cannot leave a stale entry behind.
    """

    def __init__(
        self,
        redis: Redis,
        channel: str,
        *,
        encode_key: Callable[[K], str] = str,
        decode_key: Callable[[str], K] | None = None,
        max_entries: int = 50_000,
    ) -> None:
        self._redis = redis
        self._channel = channel
        self._encode = encode_key
        self._decode = decode_key
        self._local: InProcessCache[K, V] = InProcessCache(max_entries=max_entries)
        self._listening = False
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name=f"lms-cache-{self._channel}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout=5)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def generation(self) -> int:
        return self._local.generation()

    def get(self, key: K) -> V | None:
        return self._local.get(key) if self._listening else None

    def put(self, key: K, value: V, *, generation: int) -> None:
        if self._listening:
            self._local.put(key, value, generation=generation)

    async def evict(self, key: K) -> None:
        self._local.evict_local(key)
        await self._redis.publish(self._channel, self._encode(key))

    async def invalidate_all(self) -> None:
        self._local.clear_local()
        await self._redis.publish(self._channel, CLEAR_ALL)

    def _apply(self, data: Any) -> None:
        text = data.decode() if isinstance(data, bytes) else str(data)
        if text == CLEAR_ALL or self._decode is None:
            self._local.clear_local()
            return
        try:
            self._local.evict_local(self._decode(text))
        except ValueError:
            self._local.clear_local()

    async def _listen(self) -> None:
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self._channel)
                self._local.clear_local()
                self._listening = True
                self._ready.set()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._apply(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("cache channel %s lost (%s); cache bypassed until it is back", self._channel, exc)
            finally:
                self._listening = False
                self._local.clear_local()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(1)
