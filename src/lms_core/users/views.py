"""Outputs of the users module. No view carries a password hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from lms_core.shared.actor import Role
from lms_core.users.entities import EmailPreferences, User


class EmailPreferencesView(msgspec.Struct, frozen=True, kw_only=True):
    """The optional e-mails the account receives (each can be switched off in the profile or by the
    unsubscribe link of the e-mail itself)."""

    weekly_progress: bool
    reminders: bool

    @classmethod
    def of(cls, preferences: EmailPreferences) -> EmailPreferencesView:
        return cls(weekly_progress=preferences.weekly_progress, reminders=preferences.reminders)


class UserView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    email: str
    full_name: str
    role: Role
    is_active: bool
    mfa_enabled: bool
    profile_metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None
    email_verified_at: datetime | None
    email_preferences: EmailPreferencesView

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            role=user.role,
            is_active=user.is_active,
            mfa_enabled=user.mfa_enabled,
            profile_metadata=user.profile_metadata,
            created_at=user.created_at,
            updated_at=user.updated_at,
            last_login_at=user.last_login_at,
            email_verified_at=user.email_verified_at,
            email_preferences=EmailPreferencesView.of(user.email_preferences),
        )
