"""Users repository: rows to `User` entities and back, explicitly."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.models import users
from lms_adapters.persistence.paging import fetch_page
from lms_core.shared.actor import Role
from lms_core.shared.ids import UserId
from lms_core.users.commands import ListUsers
from lms_core.users.entities import EmailPreferences, User, normalize_email

_COLUMNS = [c.name for c in users.columns]


def _to_user(row: Row[Any]) -> User:
    m = row._mapping
    return User(
        id=UserId(m["id"]),
        email=m["email"],
        password_hash=m["password_hash"],
        full_name=m["full_name"],
        role=Role(m["role"]),
        is_active=m["is_active"],
        mfa_enabled=m["mfa_enabled"],
        profile_metadata=m["profile_metadata"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        last_login_at=m["last_login_at"],
        email_verified_at=m["email_verified_at"],
        token_version=m["token_version"],
        email_preferences=_preferences(m["email_preferences"]),
    )


def _preferences(stored: dict[str, Any] | None) -> EmailPreferences:
    if not stored:
        return EmailPreferences()
    return EmailPreferences(
        weekly_progress=bool(stored.get("weekly_progress", True)), reminders=bool(stored.get("reminders", True))
    )


def _values(user: User, names: set[str] | None = None) -> dict[str, Any]:
    values = {name: getattr(user, name) for name in (names if names is not None else _COLUMNS)}
    if "role" in values:
        values["role"] = user.role.value
    if "email_preferences" in values:
        preferences = user.email_preferences
        values["email_preferences"] = {
            "weekly_progress": preferences.weekly_progress,
            "reminders": preferences.reminders,
        }
    return values


class SqlUserRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, user: User) -> None:
        await self._c.execute(insert(users).values(_values(user)))
        user.changed.clear()

    async def get(self, user_id: UserId) -> User | None:
        row = (await self._c.execute(select(users).where(users.c.id == user_id))).first()
        return _to_user(row) if row else None

    async def get_for_update(self, user_id: UserId) -> User | None:
        # SQLite serialises writers with BEGIN IMMEDIATE; PostgreSQL needs the row lock.
        row = (await self._c.execute(select(users).where(users.c.id == user_id).with_for_update())).first()
        return _to_user(row) if row else None

    async def get_by_email(self, email: str) -> User | None:
        row = (await self._c.execute(select(users).where(users.c.email == normalize_email(email)))).first()
        return _to_user(row) if row else None

    async def save(self, user: User) -> None:
        if not user.changed:
            return
        await self._c.execute(update(users).where(users.c.id == user.id).values(_values(user, user.changed)))
        user.changed.clear()

    async def list(self, query: ListUsers) -> tuple[list[User], int]:
        conditions = []
        if query.role is not None:
            conditions.append(users.c.role == query.role.value)
        if query.is_active is not None:
            conditions.append(users.c.is_active == query.is_active)
        if query.q:
            pattern = "%" + query.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conditions.append(
                or_(users.c.email.like(pattern, escape="\\"), func.lower(users.c.full_name).like(pattern, escape="\\"))
            )
        ordered = select(users).order_by(users.c.created_at.desc(), users.c.id.desc())
        rows, total = await fetch_page(
            self._c, ordered, table=users, conditions=conditions, offset=query.offset, limit=query.limit
        )
        return [_to_user(r) for r in rows], total
