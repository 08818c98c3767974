"""Events of the users module: changes to who an account is and what it may do.

Registration is auth's event (`auth.user_registered`); these are an admin's later changes to an account.
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from lms_core.shared.events import DomainEvent


class UserRoleChanged(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "users.role_changed"
    user_id: UUID
    old_role: str
    new_role: str
    changed_by: UUID | None


class UserDeactivated(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "users.deactivated"
    user_id: UUID
    changed_by: UUID | None


class UserReactivated(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "users.reactivated"
    user_id: UUID
    changed_by: UUID | None


# What this module records; the composition root puts these in the engine's event catalogue.
EVENTS: tuple[type[DomainEvent], ...] = (UserRoleChanged, UserDeactivated, UserReactivated)
