"""The periodic jobs as taskiq tasks: run through a real broker with their effects in the database, run twice
at once with one effect, built from the settings, and sent by the scheduler's own loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from taskiq import AsyncTaskiqDecoratedTask, InMemoryBroker, ScheduledTask

from lms_adapters import Settings
from lms_adapters.bootstrap import open_lms
from lms_adapters.persistence.models import one_time_secrets
from lms_adapters.settings import ConfigurationError
from lms_adapters.tasks.jobs import PURGE_EXPIRED_TASK, JobTasks, register_jobs
from lms_adapters.tasks.scheduler import build_schedules, run_scheduler
from lms_core import Actor, AttemptStatus, Lms
from lms_core.quizzes.entities import DEADLINE_GRACE
from lms_core.shared.clock import FixedClock
from tests.conftest import make_settings
from tests.support.attempts import ALL_RIGHT, classmate, quiz_room, sheet, table_rows
from tests.support.cli import cli_env
from tests.support.databases import truncate_postgres
from tests.support.delivery import redis_server, worker
from tests.support.doubles import RecordingMailer
from tests.support.flows import register
from tests.support.waiting import eventually

SYSTEM = Actor.system()
WEEKLY = "Your week on LMS"


async def run(task: AsyncTaskiqDecoratedTask[Any, Any], *args: Any) -> dict[str, Any]:
    """Send `task` through its broker and wait for its result; a failed task fails the test with its error."""
    result = await (await task.kiq(*args)).wait_result(check_interval=0.02, timeout=60)
    assert not result.is_err, result.error
    value: dict[str, Any] = result.return_value
    return value


@asynccontextmanager
async def jobs_on(lms: Lms) -> AsyncIterator[JobTasks]:
    broker = InMemoryBroker()
    tasks = register_jobs(broker, lms)
    await broker.startup()
    try:
        yield tasks
    finally:
        await broker.shutdown()


async def pending_work(lms: Lms, clock: FixedClock) -> tuple[UUID, UUID]:
    """Two learners in a course a day after signing up: one left a 10-minute quiz attempt with right answers
    open, and every sign-up's verification link has expired. The quiz's id and the attempt's."""
    room = await quiz_room(lms, time_limit_minutes=10)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    await lms.quizzes.save_answers(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_RIGHT))
    await classmate(lms, room, "classmate@example.com")
    await lms.outbox.drain()
    clock.advance(timedelta(hours=25) + DEADLINE_GRACE)
    return room.quiz_id, attempt.id


async def test_the_job_tasks_run_through_a_broker_with_their_effects_in_the_database(
    lms: Lms, clock: FixedClock, mailer: RecordingMailer, database_url: str
) -> None:
    quiz_id, attempt_id = await pending_work(lms, clock)
    secrets_before = await table_rows(database_url, one_time_secrets)
    sent_before = len(mailer.sent)

    async with jobs_on(lms) as jobs:
        reminders = await run(jobs.send_reminders, 1)
        weekly = await run(jobs.weekly_progress)
        graded = await run(jobs.grade_pending)
        purged = await run(jobs.purge_expired)
        reconciled = await run(jobs.reconcile_payments, 900)
    await lms.outbox.drain()

    assert (reminders["job"], reminders["sent"]) == ("send-reminders", 2)
    assert (weekly["job"], weekly["sent"]) == ("weekly-progress", 2)
    assert "emails" not in weekly  # results carry counts, not every learner's address
    assert sorted(m.to for m in mailer.sent[sent_before:] if m.subject.startswith(WEEKLY)) == [
        "classmate@example.com",
        "learner@example.com",
    ]
    assert (graded["overdue_closed"], graded["passed"]) == (1, 1)
    attempt = await lms.quizzes.get_attempt(SYSTEM, quiz_id, attempt_id)
    assert attempt.status is AttemptStatus.GRADED
    assert purged == {"one_time_secrets": len(secrets_before), "refresh_tokens": 0}
    assert len(secrets_before) == 3  # the instructor's and both learners' verification links
    assert reconciled == {"checked": 0, "succeeded": 0, "failed": 0, "refunded": 0, "still_pending": 0, "errors": 0}
    assert await table_rows(database_url, one_time_secrets) == []


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("postgres_database")
    asyncio.run(truncate_postgres(url))
    return url


@pytest.mark.postgres
async def test_each_job_run_twice_at_once_by_two_processes_has_one_effect(postgres_url: str, clock: FixedClock) -> None:
    mailer = RecordingMailer()
    settings = make_settings(postgres_url)
    async with (
        open_lms(settings, clock=clock, mailer=mailer) as first,
        open_lms(settings, clock=clock, mailer=mailer) as second,
    ):
        quiz_id, attempt_id = await pending_work(first, clock)
        async with jobs_on(first) as one, jobs_on(second) as other:
            reminders = await asyncio.gather(run(one.send_reminders, 1), run(other.send_reminders, 1))
            weekly = await asyncio.gather(run(one.weekly_progress), run(other.weekly_progress))
            graded = await asyncio.gather(run(one.grade_pending), run(other.grade_pending))
            purged = await asyncio.gather(run(one.purge_expired), run(other.purge_expired))
        await first.outbox.drain()
        attempt = await first.quizzes.get_attempt(SYSTEM, quiz_id, attempt_id)

    assert sum(report["sent"] for report in reminders) == 2
    assert sum(report["sent"] for report in weekly) == 2
    weekly_to = sorted(m.to for m in mailer.sent if m.subject.startswith(WEEKLY))
    assert weekly_to == ["classmate@example.com", "learner@example.com"]
    assert sum(report["overdue_closed"] for report in graded) == 1
    assert (attempt.status, attempt.is_passed) == (AttemptStatus.GRADED, True)
    assert sum(report["one_time_secrets"] for report in purged) == 3
    assert await table_rows(postgres_url, one_time_secrets) == []


# -- schedules -----------------------------------------------------------------------------------------


def test_the_default_schedules_run_weekly_daily_every_minute_hourly_and_quarter_hourly() -> None:
    schedules = {s.schedule_id: s for s in build_schedules(Settings.from_env({}))}
    assert {name: s.cron for name, s in schedules.items()} == {
        "weekly_progress": "0 8 * * 1",
        "reminders": "0 9 * * *",
        "grade_pending": "* * * * *",
        "purge_expired": "0 * * * *",
        "reconcile_payments": "*/15 * * * *",
    }
    assert schedules["reminders"].kwargs == {"inactive_days": 7}
    assert schedules["reconcile_payments"].kwargs == {"older_than_seconds": 900}
    assert schedules["weekly_progress"].task_name == "lms.jobs.weekly_progress"


def test_schedules_come_from_the_settings_and_an_empty_one_is_switched_off() -> None:
    settings = Settings.from_env(
        {
            "LMS_SCHEDULE_WEEKLY_PROGRESS": "30 6 * * fri",
            "LMS_SCHEDULE_REMINDERS": "",
            "LMS_SCHEDULE_GRADE_PENDING": "*/5 * * * *",
            "LMS_SCHEDULE_PURGE_EXPIRED": "15 2,14 * * 1-5",
            "LMS_SCHEDULE_RECONCILE_PAYMENTS": "",
            "LMS_REMINDER_INACTIVE_DAYS": "3",
        }
    )
    assert {s.schedule_id: s.cron for s in build_schedules(settings)} == {
        "weekly_progress": "30 6 * * fri",
        "grade_pending": "*/5 * * * *",
        "purge_expired": "15 2,14 * * 1-5",
    }
    assert settings.reminder_inactive_days == 3


@pytest.mark.parametrize(
    "cron", ["61 * * * *", "a b c d e", "0 8 * *", "0 8 * * 7", "0 25 * * *", "0 8 0 * *", "5-1 * * * *", "*/0 * * * *"]
)
def test_a_malformed_cron_string_is_a_configuration_error_naming_its_variable(cron: str) -> None:
    settings = Settings.from_env({"LMS_SCHEDULE_PURGE_EXPIRED": cron})
    with pytest.raises(ConfigurationError, match="LMS_SCHEDULE_PURGE_EXPIRED"):
        build_schedules(settings)


async def test_every_schedule_switched_off_is_a_configuration_error(sqlite_url: str) -> None:
    off = {
        name: "" for name in ("weekly_progress", "reminders", "grade_pending", "purge_expired", "reconcile_payments")
    }
    settings = make_settings(sqlite_url, **{f"schedule_{name}": value for name, value in off.items()})
    with pytest.raises(ConfigurationError, match="no job to run"):
        await run_scheduler(settings, stop=asyncio.Event())


# -- the scheduler's loop ------------------------------------------------------------------------------


def every_second_purge() -> ScheduledTask:
    return ScheduledTask(
        schedule_id="purge_expired", task_name=PURGE_EXPIRED_TASK, labels={}, args=[], kwargs={}, interval=1
    )


async def scheduled_until(settings: Settings, done: Callable[[], Awaitable[bool]], what: str) -> list[list[str]]:
    """Run the scheduler on an every-second purge until `done`; the lines it was ready with."""
    stop = asyncio.Event()
    ready: list[list[str]] = []
    scheduler = asyncio.create_task(
        run_scheduler(settings, stop=stop, on_ready=ready.append, schedules=[every_second_purge()])
    )
    try:
        await eventually(done, within=30, what=what)
    finally:
        stop.set()
        await asyncio.wait_for(scheduler, timeout=30)
    return ready


async def test_the_scheduler_without_a_broker_runs_a_due_job_in_its_own_process(
    lms: Lms, clock: FixedClock, settings: Settings, database_url: str
) -> None:
    # The scheduler's engine reads the real clock, long past the test clock's day: every secret has expired.
    await pending_work(lms, clock)
    assert len(await table_rows(database_url, one_time_secrets)) == 3

    async def purged() -> bool:
        return await table_rows(database_url, one_time_secrets) == []

    assert await scheduled_until(settings, purged, "the scheduled purge") == [["purge_expired: every 1 s"]]


@pytest.mark.slow
async def test_with_a_broker_the_scheduler_sends_the_job_and_a_worker_runs_it(sqlite_url: str, tmp_path: Path) -> None:
    async with open_lms(make_settings(sqlite_url), clock=FixedClock()) as lms:
        await register(lms, "someone@example.com")  # a verification link, expired by the real clock
    assert len(await table_rows(sqlite_url, one_time_secrets)) == 1

    async def purged() -> bool:
        return await table_rows(sqlite_url, one_time_secrets) == []

    with redis_server(tmp_path) as redis, worker(cli_env(sqlite_url, tmp_path, LMS_BROKER_URL=redis.url), tmp_path):
        await scheduled_until(make_settings(sqlite_url, broker_url=redis.url), purged, "a worker to run the purge")
