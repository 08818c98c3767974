"""The user account and the rules that guard its fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from lms_core.shared.actor import Role
from lms_core.shared.ids import UserId
from lms_core.users.errors import ProfileMetadataTooLarge, WeakPassword

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MAX_PROFILE_METADATA_BYTES = 16 * 1024

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    """The form used for uniqueness and look-up: trimmed and lower-cased."""
    return email.strip().lower()


def check_password_policy(password: str, *, email: str) -> None:
    """Passwords are at least 10 characters and are not the account's email address."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters", details={"field": "password"}
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(
            f"the password must have at most {MAX_PASSWORD_LENGTH} characters", details={"field": "password"}
        )
    if password.strip().lower() == normalize_email(email):
        raise WeakPassword("the password must not be the email address", details={"field": "password"})


def check_profile_metadata(metadata: dict[str, Any] | None) -> None:
    if metadata is None:
        return
    size = len(msgspec.json.encode(metadata))
    if size > MAX_PROFILE_METADATA_BYTES:
        raise ProfileMetadataTooLarge(
            f"profile_metadata is {size} bytes; the limit is {MAX_PROFILE_METADATA_BYTES}",
            details={"field": "profile_metadata", "limit_bytes": MAX_PROFILE_METADATA_BYTES},
        )


@dataclass(kw_only=True, slots=True)
class User:
    id: UserId
    email: str
    password_hash: str
    full_name: str
    role: Role
    is_active: bool = True
    mfa_enabled: bool = False
    profile_metadata: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None = None
    email_verified_at: datetime | None = None
    # Access tokens carry the version they were issued under; bumping it (password reset,
    # deactivation, role change) refuses every earlier token at once, whatever the clocks say.
    token_version: int = 0
    changed: set[str] = field(default_factory=set, repr=False, compare=False)

    def _touch(self, now: datetime, *names: str) -> None:
        self.updated_at = now
        self.changed.update(names)
        self.changed.add("updated_at")

    def record_login(self, now: datetime) -> None:
        self.last_login_at = now
        self.changed.add("last_login_at")

    def mark_email_verified(self, now: datetime) -> None:
        if self.email_verified_at is None:
            self.email_verified_at = now
            self._touch(now, "email_verified_at")

    def change_password(self, password_hash: str, now: datetime) -> None:
        self.password_hash = password_hash
        self.token_version += 1
        self._touch(now, "password_hash", "token_version")

    def rehash_password(self, password_hash: str) -> None:
        # A cost upgrade is not a password change: live sessions stay valid.
        self.password_hash = password_hash
        self.changed.add("password_hash")

    def enable_mfa(self, now: datetime) -> None:
        self.mfa_enabled = True
        self._touch(now, "mfa_enabled")

    def disable_mfa(self, now: datetime) -> None:
        self.mfa_enabled = False
        self._touch(now, "mfa_enabled")

    def deactivate(self, now: datetime) -> bool:
        """Close the account; its live access tokens stop working at once. False if it was already inactive."""
        if not self.is_active:
            return False
        self.is_active = False
        self.token_version += 1
        self._touch(now, "is_active", "token_version")
        return True

    def reactivate(self, now: datetime) -> bool:
        """Open a closed account again. False if it was already active."""
        if self.is_active:
            return False
        self.is_active = True
        self._touch(now, "is_active")
        return True

    def change_role(self, role: Role, now: datetime) -> bool:
        """Give the account another role; False if it already had it."""
        if self.role is role:
            return False
        self.role = role
        # Tokens carry the role: old ones must not keep the old rights.
        self.token_version += 1
        self._touch(now, "role", "token_version")
        return True

    def rename(self, full_name: str, now: datetime) -> None:
        self.full_name = full_name
        self._touch(now, "full_name")

    def set_profile_metadata(self, metadata: dict[str, Any] | None, now: datetime) -> None:
        check_profile_metadata(metadata)
        self.profile_metadata = metadata
        self._touch(now, "profile_metadata")


def is_plausible_email(email: str) -> bool:
    return bool(_EMAIL.match(email.strip()))
