"""Ports of the users module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from lms_core.shared.ids import UserId
from lms_core.users.commands import ListUsers
from lms_core.users.entities import User
from lms_core.users.views import UserView


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Insert; raises `EmailAlreadyRegistered` when the email is taken (case-insensitively)."""
        ...

    async def get(self, user_id: UserId) -> User | None: ...

    async def get_for_update(self, user_id: UserId) -> User | None:
        """Like `get`, locking the row until the transaction ends where the database can."""
        ...

    async def get_by_email(self, email: str) -> User | None: ...

    async def save(self, user: User) -> None:
        """Write the fields listed in `user.changed`."""
        ...

    async def list(self, query: ListUsers) -> tuple[list[User], int]: ...


@dataclass(frozen=True, slots=True)
class CachedUser:
    """What authenticating a request needs to know about its user, without a database read."""

    view: UserView
    token_version: int


class UserCache(Protocol):
    """A read cache of users for the hot authentication path.

    Correctness rule: `evict` is exact and immediate in this process and, with a shared adapter, in
    the others. `put` carries the generation read before the database query, so a value read before
    an eviction is never stored after it.
    """

    def generation(self) -> int: ...

    def get(self, user_id: UserId) -> CachedUser | None: ...

    def put(self, user_id: UserId, entry: CachedUser, *, generation: int) -> None: ...

    async def evict(self, user_id: UserId) -> None: ...
