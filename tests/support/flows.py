"""Short-hands for the steps many tests share."""

from __future__ import annotations

from lms_core import Actor, AuthResponse, CreateUser, Lms, Login, Register, Role
from lms_core.shared.ids import UserId

PASSWORD = "correct horse battery"


async def register(lms: Lms, email: str, *, role: Role = Role.STUDENT, name: str = "Test User") -> AuthResponse:
    return await lms.auth.register(
        Actor.anonymous(), Register(email=email, password=PASSWORD, full_name=name, role=role)
    )


async def create_admin(lms: Lms, email: str = "admin@example.com") -> Actor:
    view = await lms.users.create_user(
        Actor.system(), CreateUser(email=email, password=PASSWORD, full_name="Admin", role=Role.ADMIN)
    )
    return Actor.user(UserId(view.id), Role.ADMIN)


async def login_tokens(lms: Lms, email: str, password: str = PASSWORD) -> tuple[str, str]:
    result = await lms.auth.login(Actor.anonymous(), Login(email=email, password=password))
    assert result.access_token and result.refresh_token
    return result.access_token, result.refresh_token


def actor_of(response: AuthResponse) -> Actor:
    return Actor.user(UserId(response.user.id), response.user.role)
