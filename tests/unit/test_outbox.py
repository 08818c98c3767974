"""The outbox keeps e-mails until they are delivered, retrying with back-off."""

from __future__ import annotations

from datetime import timedelta

from lms_core import Lms
from lms_core.shared.clock import FixedClock
from tests.support.doubles import RecordingMailer
from tests.support.flows import register


async def test_failed_delivery_is_retried_later(lms: Lms, mailer: RecordingMailer, clock: FixedClock) -> None:
    await register(lms, "a@example.com")
    assert await lms.outbox.pending() == 3  # UserRegistered and two e-mails
    mailer.fail_next = 10
    assert await lms.outbox.run_once() == 1
    assert await lms.outbox.pending() == 2
    assert mailer.sent == []
    # Not due again until the back-off has passed.
    mailer.fail_next = 0
    assert await lms.outbox.run_once() == 0
    clock.advance(timedelta(seconds=6))
    assert await lms.outbox.run_once() == 2
    assert await lms.outbox.pending() == 0
    assert len(mailer.to("a@example.com")) == 2


async def test_rolled_back_transactions_leave_no_events(lms: Lms, mailer: RecordingMailer) -> None:
    import pytest

    from lms_core.users.errors import EmailAlreadyRegistered

    await register(lms, "b@example.com")
    with pytest.raises(EmailAlreadyRegistered):
        await register(lms, "b@example.com")
    assert await lms.outbox.pending() == 3


async def test_background_worker_delivers_soon_after_commit(sqlite_url: str) -> None:
    import asyncio

    from lms_adapters.bootstrap import open_lms
    from tests.conftest import make_settings

    mailer = RecordingMailer()
    async with open_lms(make_settings(sqlite_url, outbox_worker=True, outbox_poll_seconds=30), mailer=mailer) as lms:
        await register(lms, "c@example.com")
        for _ in range(100):
            if len(mailer.sent) == 2:
                break
            await asyncio.sleep(0.02)
    assert len(mailer.to("c@example.com")) == 2


async def test_the_worker_is_woken_by_new_events_only(sqlite_url: str) -> None:
    """Claiming and deleting events must not wake the relay again, or an idle server would spin."""
    import asyncio

    from lms_adapters.bootstrap import open_lms
    from tests.conftest import make_settings

    async with open_lms(make_settings(sqlite_url, outbox_worker=True, outbox_poll_seconds=30)) as lms:
        await register(lms, "idle@example.com")
        await asyncio.sleep(0.3)
        rounds: list[int] = []
        original = lms.outbox.run_once

        async def counting(limit: int = 100) -> int:
            rounds.append(limit)
            return await original(limit)

        lms.outbox.run_once = counting  # type: ignore[method-assign]
        await asyncio.sleep(0.5)
    assert rounds == []
