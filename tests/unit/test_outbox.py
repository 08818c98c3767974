"""The outbox keeps e-mails until they are delivered, retrying with back-off."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from datetime import timedelta
from itertools import pairwise
from typing import ClassVar

import pytest

import lms_core
from lms_adapters.bootstrap import Container
from lms_adapters.tasks.brokers import build_broker, register_delivery
from lms_adapters.tasks.dispatch import OutboxDispatcher
from lms_core import Lms
from lms_core.auth.events import UserRegistered
from lms_core.emails.events import EmailRequested
from lms_core.shared.clock import FixedClock
from lms_core.shared.events import DomainEvent, EventCatalogue
from tests.support.doubles import RecordingMailer
from tests.support.flows import register
from tests.support.waiting import eventually


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
    from lms_adapters.bootstrap import open_lms
    from tests.conftest import make_settings

    mailer = RecordingMailer()
    async with open_lms(make_settings(sqlite_url, outbox_worker=True, outbox_poll_seconds=30), mailer=mailer) as lms:
        await register(lms, "c@example.com")
        # Far sooner than the 30 s poll: the commit itself woke the worker.
        await eventually(lambda: len(mailer.sent) == 2, within=20, what="the worker to deliver both e-mails")
    assert len(mailer.to("c@example.com")) == 2


async def test_the_worker_is_woken_by_new_events_only(sqlite_url: str) -> None:
    """Claiming and deleting events must not wake the relay again, or an idle server would spin."""
    from dependency_injector import providers

    from tests.conftest import make_settings

    mailer = RecordingMailer()
    container = Container(settings=make_settings(sqlite_url, outbox_worker=True, outbox_poll_seconds=3600))
    container.mailer.override(providers.Object(mailer))
    await container.init_resources()  # type: ignore[misc]
    try:
        lms = await container.lms()  # type: ignore[misc]
        dispatcher = await container.outbox_worker()  # type: ignore[misc]
        assert isinstance(dispatcher, OutboxDispatcher)
        rounds: list[int] = []  # events each round queued, in order
        original = dispatcher.dispatch_once

        async def counting() -> int:
            queued = await original()
            rounds.append(queued)
            return queued

        dispatcher.dispatch_once = counting  # type: ignore[method-assign]
        for number, email in enumerate(["one@example.com", "two@example.com", "three@example.com"], start=1):
            await register(lms, email)

            def settled(email: str = email, number: int = number) -> bool:
                delivered_rounds = sum(1 for r in rounds if r)
                return len(mailer.to(email)) == 2 and delivered_rounds == number and rounds[-1] == 0

            await eventually(settled, within=20, what=f"the worker to deliver the e-mails of {email} and go idle")
    finally:
        await container.shutdown_resources()  # type: ignore[misc]
    # One loop handles wake-ups in turn: a wake-up by its own claims and deletes would run a second
    # empty round before the next registration's round, so an empty round never follows an empty round.
    assert rounds, "the worker never ran"
    assert all(earlier or later for earlier, later in pairwise(rounds)), rounds


async def test_the_worker_stops_when_a_wake_up_and_the_stop_arrive_together(lms: Lms) -> None:
    from tests.conftest import make_settings

    """A command that records an event and closes the engine at once wakes the worker and stops it in one
    step: the stop must win, or the process never exits."""
    broker = build_broker(make_settings("sqlite+aiosqlite:///unused.db"))
    worker = OutboxDispatcher(
        lms.outbox, broker, register_delivery(broker, lms.outbox), poll_seconds=3600, runs_tasks_here=True
    )
    await worker.start()
    for _ in range(3):  # let the worker reach its wait (scheduling turns, not time)
        await asyncio.sleep(0)
    worker.kick()
    stopping = asyncio.create_task(worker.stop())
    try:
        await eventually(stopping.done, within=30, what="the worker to stop")
    finally:
        stopping.cancel()
    assert stopping.exception() is None


class _Greeted(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "tests.greeted"
    name: str


class _AlsoGreeted(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "tests.greeted"
    name: str


class _Untyped(DomainEvent, frozen=True, kw_only=True):
    name: str


def test_a_catalogue_refuses_two_classes_with_one_event_type() -> None:
    with pytest.raises(ValueError, match=r"duplicate event type 'tests\.greeted'"):
        EventCatalogue.of(_Greeted, EmailRequested, _AlsoGreeted)
    with pytest.raises(ValueError, match="does not set its own event_type"):
        EventCatalogue.of(_Untyped)


def test_a_catalogue_decodes_only_the_events_it_lists() -> None:
    catalogue = EventCatalogue.of(_Greeted, UserRegistered)
    assert catalogue.decode("tests.greeted", {"name": "Ada"}) == _Greeted(name="Ada")
    assert _Greeted in catalogue
    assert _AlsoGreeted not in catalogue
    assert set(catalogue) == {_Greeted, UserRegistered}
    with pytest.raises(LookupError, match=r"unknown event type 'emails\.requested'"):
        catalogue.decode("emails.requested", {"to": "a@example.com", "template": "welcome", "context": {}})


def _events_defined_in_the_core() -> set[type[DomainEvent]]:
    for module in pkgutil.walk_packages(lms_core.__path__, "lms_core."):
        importlib.import_module(module.name)
    found: set[type[DomainEvent]] = set()
    pending = list(DomainEvent.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("lms_core."):
            found.add(cls)
    return found


def test_the_engine_catalogue_lists_every_event_the_modules_define() -> None:
    """An event a module records but does not list in its `EVENTS` could never be read back from the outbox."""
    catalogue = Container.events()
    assert set(catalogue) == _events_defined_in_the_core()


async def test_the_relay_hands_subscribers_events_decoded_with_its_catalogue(lms: Lms) -> None:
    seen: list[DomainEvent] = []

    async def record(event: DomainEvent) -> None:
        seen.append(event)

    with pytest.raises(LookupError, match="_Greeted is not in this engine's event catalogue"):
        lms.outbox.subscribe(_Greeted, record)
    lms.outbox.subscribe(UserRegistered, record)
    response = await register(lms, "d@example.com")
    assert await lms.outbox.drain() == 3
    assert seen == [UserRegistered(user_id=response.user.id, email="d@example.com", role="student")]


async def test_secrets_rest_sealed_in_the_outbox_and_leave_with_the_delivered_row(
    lms: Lms, mailer: RecordingMailer, database_url: str
) -> None:
    from lms_adapters.persistence.models import outbox
    from lms_core import ConfirmMfa, ForgotPassword, Login, ResetPassword
    from lms_core.shared.actor import Actor
    from tests.support.attempts import table_rows
    from tests.support.flows import actor_of

    me = actor_of(await register(lms, "sealed@example.com"))
    await lms.outbox.drain()
    mailer.sent.clear()
    await lms.auth.forgot_password(Actor.anonymous(), ForgotPassword(email="sealed@example.com"))
    await lms.auth.request_mfa_enable(me)
    stored = [row for row in await table_rows(database_url, outbox) if row["event_type"] == "emails.requested"]
    assert len(stored) == 2
    for row in stored:
        assert list(row["payload"]) == ["sealed"]
        assert row["payload"]["sealed"].startswith("v1.")

    assert await lms.outbox.drain() == 2
    token = mailer.last_token("sealed@example.com")
    code = mailer.last_code("sealed@example.com")
    for row in stored:
        text = repr(row)
        assert token not in text
        assert code not in text
        assert "sealed@example.com" not in text
    assert await table_rows(database_url, outbox) == []

    # The delivered link and code work.
    confirmed = await lms.auth.confirm_mfa_enable(me, ConfirmMfa(code=code))
    assert confirmed.mfa_enabled is True
    await lms.auth.reset_password(Actor.anonymous(), ResetPassword(token=token, new_password="a brand new passphrase"))
    signed_in = await lms.auth.login(
        Actor.anonymous(), Login(email="sealed@example.com", password="a brand new passphrase")
    )
    assert signed_in.mfa_required is True  # the new password was taken; the MFA step follows


async def test_a_payload_sealed_under_another_secret_key_is_retried_not_delivered(
    sqlite_url: str, mailer: RecordingMailer, clock: FixedClock
) -> None:
    from lms_adapters.bootstrap import open_lms
    from tests.conftest import make_settings

    async with open_lms(make_settings(sqlite_url), clock=clock, mailer=mailer) as first:
        await register(first, "rotated@example.com")
    other_key = make_settings(sqlite_url, secret_key="another secret key of at least 32 bytes!!")
    async with open_lms(other_key, clock=clock, mailer=mailer) as second:
        assert await second.outbox.run_once() == 1  # UserRegistered is not sealed
        assert mailer.sent == []
        assert await second.outbox.pending() == 2


async def test_stopping_the_relay_lets_a_delivery_running_in_this_process_finish(lms: Lms) -> None:
    """A server shutting down stops its relay while a delivery task runs here: the task completes its events
    (no cancellation half-way), and the stop returns once it has."""
    from tests.conftest import make_settings

    reached = asyncio.Event()
    release = asyncio.Event()
    finished: list[str] = []

    async def slow(event: DomainEvent) -> None:
        assert isinstance(event, UserRegistered)
        reached.set()
        await release.wait()
        finished.append(event.email)

    lms.outbox.subscribe(UserRegistered, slow)
    broker = build_broker(make_settings("sqlite+aiosqlite:///unused.db"))
    relay = OutboxDispatcher(
        lms.outbox, broker, register_delivery(broker, lms.outbox), poll_seconds=3600, runs_tasks_here=True
    )
    await relay.start()
    await register(lms, "slow@example.com")
    relay.kick()
    await asyncio.wait_for(reached.wait(), timeout=30)
    stopping = asyncio.create_task(relay.stop())
    for _ in range(5):  # the stop reaches its wait for the running task
        await asyncio.sleep(0)
    assert not stopping.done()
    release.set()
    await asyncio.wait_for(stopping, timeout=30)
    assert finished == ["slow@example.com"]
    assert await lms.outbox.pending() == 0  # and the e-mails it had queued beside it
