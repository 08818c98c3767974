"""Purging expired single-use secrets and wholly expired refresh-token families."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from lms_adapters import Settings
from lms_adapters.persistence.models import one_time_secrets, refresh_tokens, users
from lms_core import Actor, ExpiredSecretsPurged, ForgotPassword, Lms, NotAuthOperator, RefreshSession, ResetPassword
from lms_core.auth.errors import InvalidToken
from lms_core.shared.actor import Role
from lms_core.shared.clock import FixedClock
from lms_core.shared.ids import UserId
from tests.support.doubles import RecordingMailer
from tests.support.flows import actor_of, register


async def _rows(settings: Settings, now: datetime) -> dict[str, dict[str, int]]:
    """Per user e-mail: secrets and refresh tokens stored, and how many of them have expired at `now`."""
    engine = create_async_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            counts: dict[str, dict[str, int]] = {}
            for name, table in (("secrets", one_time_secrets), ("tokens", refresh_tokens)):
                rows = await connection.execute(
                    select(users.c.email, func.count(), func.sum(case((table.c.expires_at <= now, 1), else_=0)))
                    .join(users, users.c.id == table.c.user_id)
                    .group_by(users.c.email)
                )
                for email, total, expired in rows:
                    counts.setdefault(email, {})[name] = int(total)
                    counts[email][f"expired_{name}"] = int(expired or 0)
            return counts
    finally:
        await engine.dispose()


async def test_purge_deletes_expired_secrets_and_dead_families_and_keeps_live_ones(
    lms: Lms, settings: Settings, clock: FixedClock, mailer: RecordingMailer
) -> None:
    # Day 0: an account whose secrets and only session all expire before the purge.
    await register(lms, "gone@example.com")
    await lms.auth.forgot_password(Actor.anonymous(), ForgotPassword(email="gone@example.com"))
    # Day 20: a session rotated on day 45; its first token expires on day 50, the family lives on to day 75.
    clock.advance(timedelta(days=20))
    kept = await register(lms, "kept@example.com")
    clock.advance(timedelta(days=25))
    await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=kept.refresh_token))
    # Day 55: an account whose secrets and session are live.
    clock.advance(timedelta(days=10))
    fresh = await register(lms, "new@example.com")
    await lms.auth.forgot_password(Actor.anonymous(), ForgotPassword(email="new@example.com"))
    await lms.outbox.drain()
    before = await _rows(settings, clock.now())
    # Each sign-up stored an e-mail verification secret (24 hours); each reset request a reset secret (1 hour).
    assert before == {
        "gone@example.com": {"secrets": 2, "expired_secrets": 2, "tokens": 1, "expired_tokens": 1},
        "kept@example.com": {"secrets": 1, "expired_secrets": 1, "tokens": 2, "expired_tokens": 1},
        "new@example.com": {"secrets": 2, "expired_secrets": 0, "tokens": 1, "expired_tokens": 0},
    }

    report = await lms.auth.purge_expired(Actor.system())

    assert report == ExpiredSecretsPurged(one_time_secrets=3, refresh_tokens=1)
    # The live family keeps its expired, rotated token: presenting it must still end the family.
    assert await _rows(settings, clock.now()) == {
        "kept@example.com": {"tokens": 2, "expired_tokens": 1},
        "new@example.com": {"secrets": 2, "expired_secrets": 0, "tokens": 1, "expired_tokens": 0},
    }
    with pytest.raises(InvalidToken, match="already used"):
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=kept.refresh_token))
    # The live reset link still works (and ends the account's live session).
    reset = mailer.last_token("new@example.com")
    await lms.auth.reset_password(Actor.anonymous(), ResetPassword(token=reset, new_password="another long phrase"))
    with pytest.raises(InvalidToken):
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=fresh.refresh_token))


async def test_purge_twice_deletes_nothing_the_second_time(lms: Lms, clock: FixedClock) -> None:
    await register(lms, "a@example.com")
    await lms.auth.forgot_password(Actor.anonymous(), ForgotPassword(email="a@example.com"))
    clock.advance(timedelta(days=31))
    first = await lms.auth.purge_expired(Actor.system())
    second = await lms.auth.purge_expired(Actor.system())
    assert first == ExpiredSecretsPurged(one_time_secrets=2, refresh_tokens=1)
    assert second == ExpiredSecretsPurged(one_time_secrets=0, refresh_tokens=0)


async def test_only_admins_and_the_system_purge(lms: Lms) -> None:
    student = await register(lms, "s@example.com")
    with pytest.raises(NotAuthOperator):
        await lms.auth.purge_expired(actor_of(student))
    with pytest.raises(NotAuthOperator):
        await lms.auth.purge_expired(Actor.anonymous())
    admin = Actor.user(UserId(student.user.id), Role.ADMIN)
    assert await lms.auth.purge_expired(admin) == ExpiredSecretsPurged(one_time_secrets=0, refresh_tokens=0)
