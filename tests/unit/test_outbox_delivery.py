"""Outbox delivery rules: claims and takes, retries with back-off and jitter, per-handler records, failed
events and their retry (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from lms_adapters.persistence.models import outbox, outbox_handlers
from lms_adapters.tasks.dispatch import task_batches
from lms_core import (
    FailedEventNotFound,
    InvalidRetry,
    Lms,
    NotDeliveryOperator,
    RetryFailedEvents,
    RetryReport,
    UserRegistered,
)
from lms_core.shared.actor import Actor
from lms_core.shared.clock import FixedClock
from lms_core.shared.events import DomainEvent
from lms_core.shared.outbox import RetryAt, retry_delay
from tests.support.attempts import table_rows
from tests.support.doubles import RecordingMailer
from tests.support.flows import actor_of, register


class FlakyHandler:
    """Fails its first `failures` calls, then records each event it is given."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.handled: list[DomainEvent] = []

    async def __call__(self, event: DomainEvent) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError(f"service down (call {self.calls})")
        self.handled.append(event)


def test_retry_delays_grow_exponentially_and_jitter_only_shortens_them() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert retry_delay(30).total_seconds() == 3600
    assert retry_delay(3, base_seconds=1, jitter=lambda: 0.0).total_seconds() == 2.0
    assert retry_delay(3, base_seconds=1, jitter=lambda: 0.5).total_seconds() == 3.0
    assert retry_delay(3, base_seconds=1, jitter=lambda: 0.999).total_seconds() < 4.0


async def test_a_handler_failing_then_succeeding_is_retried_with_back_off_and_runs_once(
    lms: Lms, clock: FixedClock, database_url: str
) -> None:
    handler = FlakyHandler(failures=3)
    lms.outbox.subscribe(UserRegistered, handler)
    response = await register(lms, "flaky@example.com")
    await lms.outbox.drain()  # the e-mails go; UserRegistered fails its first attempt
    assert handler.calls == 1

    for attempt in (1, 2, 3):
        [row] = [r for r in await table_rows(database_url, outbox) if r["event_type"] == "auth.user_registered"]
        assert row["attempts"] == attempt
        assert row["last_error"] == f"ConnectionError: service down (call {attempt})"
        assert row["dead"] is False
        wait = row["available_at"] - clock.now()
        # Jittered between half and all of 5 s, 10 s, 20 s.
        assert timedelta(seconds=5 * 2 ** (attempt - 1) / 2) <= wait <= timedelta(seconds=5 * 2 ** (attempt - 1))
        assert await lms.outbox.run_once() == 0  # not due before its back-off has passed
        clock.advance(wait)
        delivered = await lms.outbox.run_once()
        assert delivered == (1 if attempt == 3 else 0)

    assert handler.calls == 4
    assert handler.handled == [UserRegistered(user_id=response.user.id, email="flaky@example.com", role="student")]
    assert await table_rows(database_url, outbox) == []


async def test_a_redelivered_event_skips_the_handlers_that_already_ran(
    lms: Lms, clock: FixedClock, database_url: str
) -> None:
    first = FlakyHandler(failures=0)
    second = FlakyHandler(failures=1)
    lms.outbox.subscribe(UserRegistered, first)
    lms.outbox.subscribe(UserRegistered, second)
    await register(lms, "twice@example.com")
    await lms.outbox.drain()
    assert (first.calls, second.calls) == (1, 1)
    [record] = await table_rows(database_url, outbox_handlers, leave_out=("message_id", "handled_at"))
    assert record["handler"].endswith("FlakyHandler")

    clock.advance(timedelta(seconds=5))
    assert await lms.outbox.run_once() == 1
    assert (first.calls, second.calls) == (1, 2)  # the first handler's effect happened once
    assert len(second.handled) == 1
    assert await table_rows(database_url, outbox) == []
    assert await table_rows(database_url, outbox_handlers) == []  # the records leave with the event


async def test_a_task_delivered_twice_runs_its_handlers_once(lms: Lms, database_url: str) -> None:
    handler = FlakyHandler(failures=0)
    lms.outbox.subscribe(UserRegistered, handler)
    await register(lms, "dup@example.com")
    token, ids = await lms.outbox.claim_for_dispatch(100)
    assert len(ids) == 3
    for message_id in ids:
        assert await lms.outbox.deliver([message_id], token) == 1
    for message_id in ids:  # the broker hands the same tasks out again
        assert await lms.outbox.deliver([message_id], token) == 0
    assert handler.calls == 1
    assert await table_rows(database_url, outbox) == []


async def test_a_task_whose_claim_lapsed_and_was_claimed_again_does_nothing(lms: Lms, clock: FixedClock) -> None:
    handler = FlakyHandler(failures=0)
    lms.outbox.subscribe(UserRegistered, handler)
    await register(lms, "stale@example.com")
    stale_token, stale_ids = await lms.outbox.claim_for_dispatch(100)
    clock.advance(timedelta(seconds=lms.outbox.rules.claim_seconds + 1))
    fresh_token, fresh_ids = await lms.outbox.claim_for_dispatch(100)
    assert sorted(fresh_ids) == sorted(stale_ids)
    assert await lms.outbox.deliver(stale_ids, stale_token) == 0
    assert await lms.outbox.deliver(fresh_ids, fresh_token) == 3
    assert handler.calls == 1


class SelectiveHandler:
    """Records the e-mail of every `UserRegistered` it is given; fails for `failing`, and waits on `gate`
    (when set) before handling `blocking`."""

    def __init__(self, *, failing: str = "", blocking: str = "") -> None:
        self.failing = failing
        self.blocking = blocking
        self.gate = asyncio.Event()
        self.reached = asyncio.Event()
        self.seen: list[str] = []

    async def __call__(self, event: DomainEvent) -> None:
        assert isinstance(event, UserRegistered)
        if event.email == self.blocking:
            self.reached.set()
            await self.gate.wait()
        if event.email == self.failing:
            raise ConnectionError(f"cannot handle {event.email}")
        self.seen.append(event.email)


async def test_one_task_delivers_its_batch_in_recorded_order_and_reschedules_only_the_failing_event(
    lms: Lms, database_url: str
) -> None:
    handler = SelectiveHandler(failing="b@example.com")
    lms.outbox.subscribe(UserRegistered, handler)
    for name in ("a", "b", "c"):
        await register(lms, f"{name}@example.com")
    token, ids = await lms.outbox.claim_for_dispatch(100)
    assert len(ids) == 9  # each registration records its event and two e-mails

    assert await lms.outbox.deliver(ids, token) == 8
    assert handler.seen == ["a@example.com", "c@example.com"]
    [left] = await table_rows(database_url, outbox)
    assert (left["event_type"], left["attempts"], left["dead"]) == ("auth.user_registered", 1, False)
    assert left["payload"]["email"] == "b@example.com"
    assert left["last_error"] == "ConnectionError: cannot handle b@example.com"
    assert await lms.outbox.deliver(ids, token) == 0  # the same task again: nothing left under its token


async def test_a_task_stopped_half_way_keeps_what_it_delivered_and_leaves_the_rest_for_later(
    lms: Lms, clock: FixedClock, database_url: str
) -> None:
    handler = SelectiveHandler(blocking="b@example.com")
    lms.outbox.subscribe(UserRegistered, handler)
    for name in ("a", "b", "c"):
        await register(lms, f"{name}@example.com")
    token, ids = await lms.outbox.claim_for_dispatch(100)
    registered = [
        row["id"] for row in await table_rows(database_url, outbox) if row["event_type"] == "auth.user_registered"
    ]
    task = asyncio.create_task(lms.outbox.deliver(registered, token))
    await asyncio.wait_for(handler.reached.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    left = [row["payload"]["email"] for row in await table_rows(database_url, outbox) if row["id"] in registered]
    assert sorted(left) == ["b@example.com", "c@example.com"]  # a's event was delivered and is gone

    handler.gate.set()
    clock.advance(timedelta(seconds=lms.outbox.rules.claim_seconds + 1))  # the stopped task's claim lapses
    assert await lms.outbox.drain() == 2 + len(ids) - len(registered)
    assert handler.seen == ["a@example.com", "b@example.com", "c@example.com"]  # a's handler did not run again
    assert await table_rows(database_url, outbox) == []


async def test_an_event_whose_claim_lapsed_while_its_batch_ran_is_left_to_the_task_that_took_it(
    lms: Lms, clock: FixedClock, database_url: str
) -> None:
    handler = SelectiveHandler(blocking="a@example.com")
    lms.outbox.subscribe(UserRegistered, handler)
    for name in ("a", "b"):
        await register(lms, f"{name}@example.com")
    token, _ = await lms.outbox.claim_for_dispatch(100)
    registered = [
        row["id"] for row in await table_rows(database_url, outbox) if row["event_type"] == "auth.user_registered"
    ]
    first = asyncio.create_task(lms.outbox.deliver(registered, token))
    await asyncio.wait_for(handler.reached.wait(), timeout=10)
    # a's handler is slow; b waits its turn while its claim lapses, and another task takes it.
    clock.advance(timedelta(seconds=lms.outbox.rules.claim_seconds + 1))
    second_token, reclaimed = await lms.outbox.claim_for_dispatch(100)
    assert set(registered) <= set(reclaimed)
    assert await lms.outbox.deliver(registered[1:], second_token) == 1
    handler.gate.set()
    assert await asyncio.wait_for(first, timeout=10) == 1  # a only: b was no longer its to run
    assert handler.seen == ["b@example.com", "a@example.com"]


async def test_queued_claims_are_extended_until_a_worker_takes_them(lms: Lms, clock: FixedClock) -> None:
    await register(lms, "queued@example.com")
    token, ids = await lms.outbox.claim_for_dispatch(100)
    clock.advance(timedelta(seconds=lms.outbox.rules.claim_seconds - 1))
    assert await lms.outbox.extend_claims([token]) == {token}
    clock.advance(timedelta(seconds=2))  # past the first claim, within the extended one
    assert (await lms.outbox.claim_for_dispatch(100))[1] == []
    assert await lms.outbox.deliver(ids, token) == 3
    assert await lms.outbox.extend_claims([token]) == set()


async def test_released_claims_are_due_again_without_counting_an_attempt(
    lms: Lms, clock: FixedClock, database_url: str
) -> None:
    await register(lms, "released@example.com")
    token, ids = await lms.outbox.claim_for_dispatch(100)
    await lms.outbox.release(token, retry_in=timedelta(seconds=2))
    assert (await lms.outbox.claim_for_dispatch(100))[1] == []
    clock.advance(timedelta(seconds=2))
    assert sorted((await lms.outbox.claim_for_dispatch(100))[1]) == sorted(ids)
    assert {row["attempts"] for row in await table_rows(database_url, outbox)} == {0}


async def test_an_event_failing_beyond_the_last_retry_is_kept_as_failed_then_requeued_and_delivered(
    lms: Lms, clock: FixedClock, mailer: RecordingMailer, database_url: str
) -> None:
    handler = FlakyHandler(failures=lms.outbox.rules.max_attempts)
    lms.outbox.subscribe(UserRegistered, handler)
    await register(lms, "dead@example.com")
    await lms.outbox.drain()  # the first attempt
    for _ in range(lms.outbox.rules.max_attempts - 1):
        clock.advance(timedelta(hours=1))
        await lms.outbox.run_once()
    assert handler.calls == lms.outbox.rules.max_attempts
    assert await lms.outbox.pending() == 0

    failed = await lms.outbox.failed_events(Actor.system())
    assert [(event.event_type, event.attempts) for event in failed] == [
        ("auth.user_registered", lms.outbox.rules.max_attempts)
    ]
    assert failed[0].last_error == f"ConnectionError: service down (call {lms.outbox.rules.max_attempts})"
    assert failed[0].failed_at == clock.now()
    clock.advance(timedelta(days=1))
    assert await lms.outbox.run_once() == 0  # a failed event is never retried on its own

    report = await lms.outbox.retry_failed(Actor.system(), RetryFailedEvents(ids=[failed[0].id]))
    assert report == RetryReport(requeued=1)
    [row] = await table_rows(database_url, outbox)
    assert (row["attempts"], row["dead"], row["available_at"]) == (0, False, clock.now())
    assert await lms.outbox.run_once() == 1
    assert len(handler.handled) == 1
    assert await lms.outbox.failed_events(Actor.system()) == []


async def test_retry_all_requeues_every_failed_event(lms: Lms, clock: FixedClock) -> None:
    handler = FlakyHandler(failures=2 * lms.outbox.rules.max_attempts)
    lms.outbox.subscribe(UserRegistered, handler)
    await register(lms, "one@example.com")
    await register(lms, "two@example.com")
    await lms.outbox.drain()
    for _ in range(lms.outbox.rules.max_attempts):
        clock.advance(timedelta(hours=1))
        await lms.outbox.run_once()
    assert len(await lms.outbox.failed_events(Actor.system())) == 2
    handler.failures = 0
    assert await lms.outbox.retry_failed(Actor.system(), RetryFailedEvents(all=True)) == RetryReport(requeued=2)
    assert await lms.outbox.drain() == 2
    assert sorted(event.email for event in handler.handled if isinstance(event, UserRegistered)) == [
        "one@example.com",
        "two@example.com",
    ]


async def test_retrying_an_id_that_is_not_a_failed_event_requeues_nothing(lms: Lms, clock: FixedClock) -> None:
    from uuid import uuid4

    handler = FlakyHandler(failures=lms.outbox.rules.max_attempts)
    lms.outbox.subscribe(UserRegistered, handler)
    await register(lms, "kept@example.com")
    await lms.outbox.drain()
    for _ in range(lms.outbox.rules.max_attempts):
        clock.advance(timedelta(hours=1))
        await lms.outbox.run_once()
    [failed] = await lms.outbox.failed_events(Actor.system())
    unknown = uuid4()
    with pytest.raises(FailedEventNotFound) as raised:
        await lms.outbox.retry_failed(Actor.system(), RetryFailedEvents(ids=[failed.id, unknown]))
    assert raised.value.details == {"ids": [str(unknown)]}
    assert [event.id for event in await lms.outbox.failed_events(Actor.system())] == [failed.id]
    with pytest.raises(InvalidRetry):
        await lms.outbox.retry_failed(Actor.system(), RetryFailedEvents())
    with pytest.raises(InvalidRetry):
        await lms.outbox.retry_failed(Actor.system(), RetryFailedEvents(ids=[failed.id], all=True))


async def test_only_admins_and_the_system_see_and_retry_failed_events(lms: Lms) -> None:
    from tests.support.flows import create_admin

    student = actor_of(await register(lms, "student@example.com"))
    with pytest.raises(NotDeliveryOperator):
        await lms.outbox.failed_events(student)
    with pytest.raises(NotDeliveryOperator):
        await lms.outbox.retry_failed(student, RetryFailedEvents(all=True))
    with pytest.raises(NotDeliveryOperator):
        await lms.outbox.failed_events(Actor.anonymous())
    admin = await create_admin(lms)
    assert await lms.outbox.failed_events(admin) == []
    assert await lms.outbox.retry_failed(admin, RetryFailedEvents(all=True)) == RetryReport(requeued=0)


@pytest.mark.parametrize(
    ("events", "sizes"),
    [
        (1, [1]),
        (3, [1, 1, 1]),
        (16, [2] * 8),
        (17, [3] * 5 + [2]),
        (400, [50] * 8),
        (500, [50] * 10),
        (0, []),
    ],
)
def test_claimed_events_go_out_spread_over_tasks_of_at_most_fifty(events: int, sizes: list[int]) -> None:
    ids = [uuid4() for _ in range(events)]
    batches = task_batches(ids)
    assert [len(batch) for batch in batches] == sizes
    assert [message_id for batch in batches for message_id in batch] == ids


class DeferringHandler:
    """Asks the relay to bring `UserRegistered` back at `at`, as a failed attempt or as not due yet."""

    def __init__(self, at: datetime, *, attempted: bool) -> None:
        self.at = at
        self.attempted = attempted
        self.calls = 0

    async def __call__(self, event: DomainEvent) -> None:
        self.calls += 1
        raise RetryAt("come back later", at=self.at, attempted=self.attempted)


async def _registered_row(database_url: str) -> dict[str, Any]:
    [row] = [r for r in await table_rows(database_url, outbox) if r["event_type"] == "auth.user_registered"]
    return row


async def test_an_event_handed_over_before_it_is_due_comes_back_then_without_an_attempt_counted(
    lms: Lms, clock: FixedClock, database_url: str
) -> None:
    at = clock.now() + timedelta(minutes=7)
    handler = DeferringHandler(at, attempted=False)
    lms.outbox.subscribe(UserRegistered, handler)
    await register(lms, "early@example.com")
    await lms.outbox.drain()
    for _ in range(3):  # however often it comes early, nothing is counted against it
        row = await _registered_row(database_url)
        assert (row["available_at"], row["attempts"], row["last_error"], row["dead"]) == (at, 0, None, False)
        assert await lms.outbox.run_once() == 0
        clock.advance(timedelta(minutes=7))
        at = clock.now() + timedelta(minutes=7)
        handler.at = at
        await lms.outbox.run_once()
    assert handler.calls == 4


async def test_a_failed_attempt_that_names_its_retry_time_comes_back_then_and_is_counted(
    lms: Lms, clock: FixedClock, database_url: str
) -> None:
    at = clock.now() + timedelta(seconds=42)
    lms.outbox.subscribe(UserRegistered, DeferringHandler(at, attempted=True))
    await register(lms, "named@example.com")
    await lms.outbox.drain()
    row = await _registered_row(database_url)
    assert (row["available_at"], row["attempts"], row["dead"]) == (at, 1, False)
    assert row["last_error"] == "RetryAt: come back later"
