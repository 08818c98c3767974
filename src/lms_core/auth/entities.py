"""Sessions and single-use secrets."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from lms_core.shared.ids import UserId


class SecretPurpose(enum.StrEnum):
    PASSWORD_RESET = "password_reset"
    EMAIL_VERIFICATION = "email_verification"
    MFA_LOGIN = "mfa_login"
    MFA_ENABLE = "mfa_enable"


@dataclass(kw_only=True, slots=True)
class RefreshToken:
    """A stored refresh token. The client holds `<token_jti>.<secret>`; only a digest of the secret is kept.

    Tokens descending from one login share a `family_id`: presenting a rotated token again means it
    was stolen, and the whole family is revoked.
    """

    id: UUID
    user_id: UserId
    token_jti: str
    token_hash: str
    family_id: UUID
    expires_at: datetime
    created_at: datetime
    revoked_at: datetime | None = None
    replaced_by_id: UUID | None = None

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(kw_only=True, slots=True)
class OneTimeSecret:
    """A single-use secret (link token and/or numeric code), stored as digests with an expiry and a try limit."""

    id: UUID
    user_id: UserId
    purpose: SecretPurpose
    token_hash: str | None
    code_hash: str | None
    expires_at: datetime
    created_at: datetime
    used_at: datetime | None = None
    attempts: int = 0

    def is_usable(self, now: datetime, max_attempts: int) -> bool:
        return self.used_at is None and now < self.expires_at and self.attempts < max_attempts


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """Lifetimes and limits of the auth module (defaults are the documented behaviour)."""

    public_base_url: str = "http://127.0.0.1:8000"
    access_token_ttl: timedelta = timedelta(minutes=15)
    refresh_token_ttl: timedelta = timedelta(days=30)
    password_reset_ttl: timedelta = timedelta(hours=1)
    email_verification_ttl: timedelta = timedelta(hours=24)
    mfa_code_ttl: timedelta = timedelta(minutes=10)
    mfa_max_attempts: int = 5
    # Rate limits: (requests, window in seconds).
    ip_limit: tuple[int, int] = (60, 60)
    account_email_limit: tuple[int, int] = (5, 3600)
    # Growing delays on password checks (see `SignInThrottle` and docs/architecture.md).
    sign_in_free_per_address: int = 5
    sign_in_free_per_account: int = 50
    sign_in_base_delay_seconds: int = 1
    sign_in_max_delay_seconds: int = 300
    sign_in_forget_after_seconds: int = 900
    sign_in_known_address_seconds: int = 30 * 24 * 3600
