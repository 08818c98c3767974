"""In-process defaults for the denylist and the rate limiter (one server process)."""

from __future__ import annotations

import math
from collections import OrderedDict
from datetime import datetime

from lms_core.shared.clock import Clock


class InProcessDenylist:
    """Implements `AccessTokenDenylist` for a single process; entries leave when their token expires."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: dict[str, datetime] = {}

    async def add(self, jti: str, *, expires_at: datetime) -> None:
        self._purge()
        self._entries[jti] = expires_at

    async def contains(self, jti: str) -> bool:
        if not self._entries:
            return False
        expires_at = self._entries.get(jti)
        return expires_at is not None and expires_at > self._clock.now()

    def _purge(self) -> None:
        now = self._clock.now()
        for jti in [j for j, exp in self._entries.items() if exp <= now]:
            del self._entries[jti]


class InProcessRateLimiter:
    """Implements `RateLimiter` with fixed windows counted in this process."""

    def __init__(self, clock: Clock, *, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._windows: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._max_keys = max_keys

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None:
        now = self._clock.now().timestamp()
        window = int(now // window_seconds)
        started, count = self._windows.get(key, (window, 0))
        if started != window:
            started, count = window, 0
        count += 1
        self._windows[key] = (started, count)
        self._windows.move_to_end(key)
        if len(self._windows) > self._max_keys:
            self._windows.popitem(last=False)
        if count > limit:
            return max(1, math.ceil((window + 1) * window_seconds - now))
        return None
