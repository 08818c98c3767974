"""Short-hands for the steps many tests share."""

from __future__ import annotations

from lms_core import Actor, AuthResponse, CreateUser, Lms, Login, Register, Role
from lms_core.shared.events import DomainEvent
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


async def delivered_events(lms: Lms, *event_types: type[DomainEvent]) -> list[DomainEvent]:
    """Deliver every pending outbox event; those of `event_types`, in the order they were recorded."""
    seen: list[DomainEvent] = []

    async def record(event: DomainEvent) -> None:
        seen.append(event)

    for event_type in event_types:
        lms.outbox.subscribe(event_type, record)
    await lms.outbox.drain()
    return seen
