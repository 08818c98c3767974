"""Datetimes come back timezone-aware UTC on both databases; naive ones are refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.models import users
from lms_core.shared.ids import new_id


async def test_utc_round_trip_and_naive_refused(database_url: str) -> None:
    cairo = timezone(timedelta(hours=2))
    created = datetime(2026, 3, 1, 14, 30, 15, 123456, tzinfo=cairo)
    engine = create_engine(database_url)
    user_id = new_id()
    row = {
        "id": user_id,
        "email": f"{user_id.hex}@example.com",
        "password_hash": "x",
        "full_name": "T",
        "role": "student",
        "is_active": True,
        "mfa_enabled": False,
        "token_version": 0,
        "profile_metadata": {"nested": {"list": [1, 2, 3]}},
        "created_at": created,
        "updated_at": created,
    }
    try:
        async with engine.begin() as connection:
            await connection.execute(users.insert().values(row))
        async with engine.connect() as connection:
            stored = (await connection.execute(select(users).where(users.c.id == user_id))).one()
        assert stored.created_at == created
        assert stored.created_at.utcoffset() == timedelta(0)
        assert stored.profile_metadata == {"nested": {"list": [1, 2, 3]}}
        with pytest.raises(StatementError):
            async with engine.begin() as connection:
                await connection.execute(
                    users.update().where(users.c.id == user_id).values(updated_at=datetime(2026, 1, 1))
                )
    finally:
        await engine.dispose()
