"""Who is calling a service: a user with a role, an anonymous client, or the system itself."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from lms_core.shared.errors import NotAuthenticatedError
from lms_core.shared.ids import UserId


class Role(enum.StrEnum):
    ADMIN = "admin"
    INSTRUCTOR = "instructor"
    STUDENT = "student"


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of a use case.

    `client_ip` is carried so that rate limits apply to library, HTTP and CLI callers alike.
    `is_system` marks operator jobs (CLI, batch work), which act with full rights.
    """

    user_id: UserId | None = None
    role: Role | None = None
    client_ip: str | None = None
    is_system: bool = False

    @classmethod
    def anonymous(cls, client_ip: str | None = None) -> Actor:
        return cls(client_ip=client_ip)

    @classmethod
    def system(cls) -> Actor:
        return cls(is_system=True, role=Role.ADMIN)

    @classmethod
    def user(cls, user_id: UserId, role: Role, client_ip: str | None = None) -> Actor:
        return cls(user_id=user_id, role=role, client_ip=client_ip)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None or self.is_system

    @property
    def is_admin(self) -> bool:
        return self.is_system or self.role is Role.ADMIN

    def require_user(self) -> UserId:
        """The caller's user id; anonymous and system callers have none."""
        if self.user_id is None:
            raise NotAuthenticatedError("this action needs a signed-in user", code="auth.not_authenticated")
        return self.user_id
