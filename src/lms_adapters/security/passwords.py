"""argon2id password hashing, run in a thread pool capped at the number of cores."""

from __future__ import annotations

import os

import anyio
import anyio.to_thread
from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2PasswordHasher:
    """Implements `PasswordHasher` with argon2id.

    Hashing costs about 150 ms and 64 MiB at the default profile, so it runs off the event loop,
    and at most one hash per core runs at once: more would only add latency and memory.
    """

    def __init__(self, *, time_cost: int = 3, memory_cost_kib: int = 65536, parallelism: int = 4) -> None:
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism, type=Type.ID)
        self._limiter = anyio.CapacityLimiter(os.cpu_count() or 1)

    @classmethod
    def fast_for_tests(cls) -> Argon2PasswordHasher:
        """A cheap profile: the same algorithm and code paths, a fraction of the cost."""
        return cls(time_cost=1, memory_cost_kib=1024, parallelism=1)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._argon2.hash, password, limiter=self._limiter)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await anyio.to_thread.run_sync(self._verify, password_hash, password, limiter=self._limiter)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._argon2.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
