"""Ports of the users module: the account store, the read cache of the hot path, password hashing, and
ending an account's sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from lms_core.shared.ids import UserId
from lms_core.users.commands import ListUsers
from lms_core.users.entities import User
from lms_core.users.views import UserView

if TYPE_CHECKING:
    from lms_core.shared.ports import Transaction


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

    async def list(self, query: ListUsers) -> tuple[list[User], int]:
        """One page of accounts matching the query, newest first, and how many match in all."""
        ...


class PasswordHasher(Protocol):
    """Hashes and checks passwords. Users own it (accounts are created with a password); auth uses it to
    sign in."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class SessionRevoker(Protocol):
    """Ends every session of an account, inside the transaction that deactivates it, so that a reactivated
    account does not find its old sessions alive again. The auth module implements it; users own the port
    so that they need not import auth."""

    async def revoke_all(self, tx: Transaction, user_id: UserId, now: datetime) -> None: ...


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
