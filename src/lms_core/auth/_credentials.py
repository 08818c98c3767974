"""Checking an email and password without revealing which of the two was wrong."""

from __future__ import annotations

from lms_core.auth._limits import AuthRateLimits, SignInThrottle
from lms_core.auth.errors import AccountInactive, InvalidCredentials
from lms_core.auth.ports import SecretGenerator
from lms_core.shared.actor import Actor
from lms_core.shared.ports import UnitOfWork
from lms_core.users.entities import User, normalize_email
from lms_core.users.ports import PasswordHasher

BAD_CREDENTIALS = "the email or password is not correct"


class CredentialChecker:
    """Reads the account in a read-only transaction of its own and compares the password after it: an
    argon2 check takes about 150 ms and must not hold a write transaction (on SQLite, the database's one
    write lock) while it runs. The caller writes the sign-in in its own transaction afterwards."""

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        secrets: SecretGenerator,
        limits: AuthRateLimits,
        throttle: SignInThrottle,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._secrets = secrets
        self._limits = limits
        self._throttle = throttle
        self._dummy_hash: str | None = None

    async def check(self, actor: Actor, email: str, password: str) -> User:
        """The account if the password matches and it is active; one identical error otherwise.

        A password needing a stronger hash is re-hashed on the returned entity (saved by the caller).
        """
        await self._limits.per_ip(actor)
        normalized = normalize_email(email)
        # Counted before the comparison: a failed check needs no further write, whatever happens to it.
        attempt = await self._throttle.admit(actor, normalized)
        async with self._uow.begin(write=False) as tx:
            user = await tx.users.get_by_email(normalized)
        if user is None:
            # Spend the time of a real check so response times do not reveal unknown emails.
            await self._hasher.verify(await self._dummy(), password)
            raise InvalidCredentials(BAD_CREDENTIALS)
        if not await self._hasher.verify(user.password_hash, password):
            raise InvalidCredentials(BAD_CREDENTIALS)
        if not user.is_active:
            raise AccountInactive(BAD_CREDENTIALS)
        await attempt.succeeded()
        if self._hasher.needs_rehash(user.password_hash):
            user.rehash_password(await self._hasher.hash(password))
        return user

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._hasher.hash(self._secrets.url_token())
        return self._dummy_hash
