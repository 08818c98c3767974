"""Single-use secrets: link tokens and 6-digit codes, issued hashed and redeemed at most once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from lms_core.auth.entities import AuthSettings, OneTimeSecret, SecretPurpose
from lms_core.auth.errors import InvalidMfaCode
from lms_core.auth.ports import SecretGenerator
from lms_core.shared.clock import Clock
from lms_core.shared.ids import UserId, new_id
from lms_core.shared.ports import Transaction, UnitOfWork

CODE_DIGITS = 6


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    token: str | None
    code: str | None


class OneTimeSecrets:
    """Issues and checks single-use secrets. Only keyed digests are stored."""

    def __init__(self, *, uow: UnitOfWork, clock: Clock, secrets: SecretGenerator, settings: AuthSettings) -> None:
        self._uow = uow
        self._clock = clock
        self._secrets = secrets
        self._settings = settings

    async def issue(
        self,
        tx: Transaction,
        user_id: UserId,
        purpose: SecretPurpose,
        *,
        ttl: timedelta,
        token: bool,
        code: bool,
    ) -> IssuedSecret:
        """A fresh secret; the user's older unused secrets of the same purpose stop working."""
        now = self._clock.now()
        await tx.one_time_tokens.retire_for_user(user_id, purpose, now=now)
        issued = IssuedSecret(
            token=self._secrets.url_token() if token else None,
            code=self._secrets.numeric_code(CODE_DIGITS) if code else None,
        )
        await tx.one_time_tokens.add(
            OneTimeSecret(
                id=new_id(),
                user_id=user_id,
                purpose=purpose,
                token_hash=self._secrets.digest(issued.token) if issued.token else None,
                code_hash=self._secrets.digest(issued.code) if issued.code else None,
                expires_at=now + ttl,
                created_at=now,
            )
        )
        return issued

    async def find_by_token(self, token: str, purpose: SecretPurpose) -> OneTimeSecret | None:
        async with self._uow.begin(write=False) as tx:
            return await tx.one_time_tokens.get_by_token(self._secrets.digest(token), purpose)

    async def find_latest(self, user_id: UserId, purpose: SecretPurpose) -> OneTimeSecret | None:
        async with self._uow.begin(write=False) as tx:
            return await tx.one_time_tokens.latest_for_user(user_id, purpose)

    def token_digest(self, token: str) -> str:
        return self._secrets.digest(token)

    async def check_code(self, secret: OneTimeSecret, code: str) -> None:
        """Compare a presented code, counting the try first (in its own committed transaction) so that
        no number of parallel guesses gets past the limit."""
        limit = self._settings.mfa_max_attempts
        async with self._uow.begin() as tx:
            tries = await tx.one_time_tokens.claim_attempt(secret.id, now=self._clock.now(), max_attempts=limit)
            await tx.commit()
        if tries is None:
            raise InvalidMfaCode("the code has expired or too many wrong codes were tried; request a new one")
        if secret.code_hash is None or not self._secrets.matches(secret.code_hash, code):
            left = limit - tries
            raise InvalidMfaCode(
                "the code is not correct" + (f"; {left} tries left" if left else "; request a new code"),
                details={"tries_left": left},
            )

    def link(self, path: str, token: str) -> str:
        return f"{self._settings.public_base_url.rstrip('/')}/{path}?token={token}"
