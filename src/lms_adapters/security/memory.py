"""In-process defaults for the denylist and the rate limiter (one server process)."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lms_core.auth.ports import Backoff
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


@dataclass(slots=True)
class _Tally:
    count: int
    last: float
    expires: float


class InProcessRateLimiter:
    """Implements `RateLimiter` in this process: fixed windows, backoff tallies and remembered keys, each
    kept to `max_keys` entries (the least recently used leave first)."""

    def __init__(self, clock: Clock, *, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._windows: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._tallies: OrderedDict[str, _Tally] = OrderedDict()
        self._marks: OrderedDict[str, float] = OrderedDict()
        self._max_keys = max_keys

    async def attempt(self, backoffs: Sequence[Backoff]) -> int | None:
        # No await between reading and counting: the check and the count are one step on the event loop.
        now = self._clock.now().timestamp()
        wait = 0.0
        for backoff in backoffs:
            tally = self._live_tally(backoff.key, now)
            if tally is not None and tally.count >= backoff.free:
                # The exponent is bounded so that a long attack does not build huge integers.
                delay = min(backoff.base_seconds * 2 ** min(tally.count - backoff.free, 32), backoff.max_seconds)
                wait = max(wait, tally.last + delay - now)
        if wait > 0:
            return max(1, math.ceil(wait))
        for backoff in backoffs:
            tally = self._live_tally(backoff.key, now) or _Tally(count=0, last=now, expires=now)
            tally.count += 1
            tally.last = now
            tally.expires = now + backoff.forget_after_seconds
            self._tallies[backoff.key] = tally
            _bound(self._tallies, self._max_keys, backoff.key)
        return None

    async def forget(self, key: str) -> None:
        self._tallies.pop(key, None)

    async def remember(self, key: str, *, seconds: int) -> None:
        self._marks[key] = self._clock.now().timestamp() + seconds
        _bound(self._marks, self._max_keys, key)

    async def remembers(self, key: str) -> bool:
        until = self._marks.get(key)
        return until is not None and until > self._clock.now().timestamp()

    def _live_tally(self, key: str, now: float) -> _Tally | None:
        tally = self._tallies.get(key)
        if tally is not None and tally.expires <= now:
            del self._tallies[key]
            return None
        return tally

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None:
        now = self._clock.now().timestamp()
        window = int(now // window_seconds)
        started, count = self._windows.get(key, (window, 0))
        if started != window:
            started, count = window, 0
        count += 1
        self._windows[key] = (started, count)
        _bound(self._windows, self._max_keys, key)
        if count > limit:
            return max(1, math.ceil((window + 1) * window_seconds - now))
        return None


def _bound(entries: OrderedDict[str, Any], max_keys: int, used: str) -> None:
    entries.move_to_end(used)
    if len(entries) > max_keys:
        entries.popitem(last=False)
