from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from lms_core.shared.events import DomainEvent, register_event


@register_event
class UserRegistered(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "auth.user_registered"
    user_id: UUID
    email: str
    role: str


@register_event
class PasswordChanged(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "auth.password_changed"
    user_id: UUID
