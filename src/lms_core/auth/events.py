from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from lms_core.shared.events import DomainEvent


class UserRegistered(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "auth.user_registered"
    user_id: UUID
    email: str
    role: str


class PasswordChanged(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "auth.password_changed"
    user_id: UUID


# What this module records; the composition root puts these in the engine's event catalogue.
EVENTS: tuple[type[DomainEvent], ...] = (UserRegistered, PasswordChanged)
