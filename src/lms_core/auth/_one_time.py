"""Single-use secrets: link tokens and 6-digit codes, issued hashed and redeemed at most once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from lms_core.auth.entities import AuthSettings, OneTimeSecret, SecretPurpose
from lms_core.auth.errors import InvalidMfaCode
from lms_core.auth.ports import SecretGenerator
from lms_core.emails.entities import EmailTemplate
from lms_core.emails.events import EmailRequested
from lms_core.shared.clock import Clock
from lms_core.shared.ids import UserId, new_id
from lms_core.shared.ports import Transaction
from lms_core.users.entities import User

CODE_DIGITS = 6


# The e-mail that carries each kind of single-use link.
_LINK_TEMPLATES = {
    SecretPurpose.EMAIL_VERIFICATION: EmailTemplate.EMAIL_VERIFICATION,
    SecretPurpose.PASSWORD_RESET: EmailTemplate.PASSWORD_RESET,
}


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    token: str | None
    code: str | None


class OneTimeSecrets:
    """Issues and checks single-use secrets. Only keyed digests are stored. Every method works inside the
    caller's transaction."""

    def __init__(self, *, clock: Clock, secrets: SecretGenerator, settings: AuthSettings) -> None:
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

    async def find_by_token(self, tx: Transaction, token: str, purpose: SecretPurpose) -> OneTimeSecret | None:
        return await tx.one_time_tokens.get_by_token(self._secrets.digest(token), purpose)

    async def check_code(self, tx: Transaction, secret: OneTimeSecret, code: str) -> InvalidMfaCode | None:
        """Count one try, then compare the presented code: None when it matches, else the error to raise.

        The try is counted before the comparison by a conditional update, which holds the secret's row
        until the transaction ends, so no number of parallel guesses gets past the limit. A caller given
        an error must commit before raising it: the failed try has to stay counted.
        """
        limit = self._settings.mfa_max_attempts
        tries = await tx.one_time_tokens.claim_attempt(secret.id, now=self._clock.now(), max_attempts=limit)
        if tries is None:
            return InvalidMfaCode("the code has expired or too many wrong codes were tried; request a new one")
        if secret.code_hash is None or not self._secrets.matches(secret.code_hash, code):
            left = limit - tries
            return InvalidMfaCode(
                "the code is not correct" + (f"; {left} tries left" if left else "; request a new code"),
                details={"tries_left": left},
            )
        return None

    async def send_verification(self, tx: Transaction, user: User) -> None:
        """Issue a verification link for the account's address and record the e-mail that carries it."""
        await self._send_link(
            tx, user, SecretPurpose.EMAIL_VERIFICATION, self._settings.email_verification_ttl, "verify-email"
        )

    async def send_password_reset(self, tx: Transaction, user: User) -> None:
        """Issue a password-reset link and record the e-mail that carries it."""
        await self._send_link(
            tx, user, SecretPurpose.PASSWORD_RESET, self._settings.password_reset_ttl, "reset-password"
        )

    async def _send_link(self, tx: Transaction, user: User, purpose: SecretPurpose, ttl: timedelta, path: str) -> None:
        issued = await self.issue(tx, user.id, purpose, ttl=ttl, token=True, code=False)
        template = _LINK_TEMPLATES[purpose]
        link = self.link(path, issued.token or "")
        await tx.outbox.add(
            EmailRequested(to=user.email, template=template, context={"full_name": user.full_name, "link": link})
        )

    def link(self, path: str, token: str) -> str:
        return f"{self._settings.public_base_url.rstrip('/')}/{path}?token={token}"
