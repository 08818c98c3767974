"""Races are settled by the database: one winner, a clean conflict for the rest, nothing half-written."""

from __future__ import annotations

import asyncio

from lms_core import Actor, ConflictError, Lms, RefreshSession
from lms_core.auth.errors import InvalidToken
from lms_core.users.errors import EmailAlreadyRegistered
from tests.support.flows import register


async def test_concurrent_registrations_with_one_email_create_one_account(lms: Lms) -> None:
    results = await asyncio.gather(*[register(lms, "race@example.com") for _ in range(8)], return_exceptions=True)
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(e, EmailAlreadyRegistered) and isinstance(e, ConflictError) for e in losers)
    assert await lms.outbox.pending() == 3  # only the winner's events


async def test_concurrent_refreshes_with_one_token_rotate_once(lms: Lms) -> None:
    response = await register(lms, "twice@example.com")
    results = await asyncio.gather(
        *[lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token)) for _ in range(6)],
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1, results
    assert len(losers) == 5
    assert all(isinstance(e, InvalidToken) and "already used" in e.message for e in losers), losers
