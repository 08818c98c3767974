"""An in-process read cache with a generation counter."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class InProcessCache(Generic[K, V]):
    """A bounded LRU map whose every invalidation bumps a generation.

    A `put` made with an older generation is dropped, so a value read from the database before a
    write can never be cached after that write's invalidation. Implements the core's `UserCache`
    and `ReadCache` ports.
    """

    def __init__(self, *, max_entries: int = 50_000) -> None:
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._generation = 0
        self._max = max_entries
        self._lock = threading.Lock()

    def generation(self) -> int:
        return self._generation

    def get(self, key: K) -> V | None:
        return self._entries.get(key)

    def put(self, key: K, value: V, *, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return
            self._entries[key] = value
            if len(self._entries) > self._max:
                self._entries.popitem(last=False)

    async def evict(self, key: K) -> None:
        self.evict_local(key)

    async def invalidate_all(self) -> None:
        self.clear_local()

    def evict_local(self, key: K) -> None:
        with self._lock:
            self._generation += 1
            self._entries.pop(key, None)

    def clear_local(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()
