"""`lms scheduler`: sends the periodic jobs on their schedules (`LMS_SCHEDULE_*`) with taskiq's scheduler.

With a broker (`LMS_BROKER_URL`) the scheduler only sends the tasks and `lms worker` processes run them;
without one it runs them in its own process. Two schedulers running at once send every job twice, which the
jobs tolerate (see `lms_adapters.tasks.jobs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from lms_adapters.settings import ConfigurationError, Settings
from lms_adapters.tasks.brokers import build_broker, uses_external_broker
from lms_adapters.tasks.jobs import (
    GRADE_PENDING_TASK,
    PURGE_EXPIRED_TASK,
    RECONCILE_PAYMENTS_TASK,
    REMINDERS_TASK,
    WEEKLY_PROGRESS_TASK,
    register_jobs,
)

if TYPE_CHECKING:
    from taskiq import AsyncBroker, ScheduledTask

log = logging.getLogger("lms.scheduler")

# (name, lowest, highest) of the five cron fields.
_CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("weekday", 0, 6))
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_CRON_ITEM = re.compile(r"^(?:\*|(?P<low>[0-9a-z]+)(?:-(?P<high>[0-9a-z]+))?)(?:/(?P<step>[0-9]+))?$")
# The schedules are fixed for the life of the process: there is nothing to re-read often.
_SCHEDULES_REREAD = timedelta(hours=1)

# Scheduled reconciliation asks about payments pending for longer than this (a webhook is usually seconds).
RECONCILE_AFTER_SECONDS = 900


def check_cron(variable: str, cron: str) -> None:
    """Refuse a cron string that would never fire or that taskiq's parser (pycron) reads differently from
    cron: pycron silently accepts `61 * * * *` or `a b c d e` and never runs them."""
    fields = cron.split()
    if len(fields) != len(_CRON_FIELDS):
        raise ConfigurationError(f"{variable}={cron!r}: a cron schedule has 5 fields (minute hour day month weekday)")
    for text, (name, low, high) in zip(fields, _CRON_FIELDS, strict=True):
        for item in text.lower().split(","):
            match = _CRON_ITEM.match(item)
            if match is None:
                raise ConfigurationError(f"{variable}={cron!r}: {item!r} is not a valid {name}")
            bounds = [_cron_number(variable, cron, name, match[part]) for part in ("low", "high") if match[part]]
            if any(not low <= value <= high for value in bounds) or (len(bounds) == 2 and bounds[0] > bounds[1]):
                raise ConfigurationError(f"{variable}={cron!r}: {item!r} is outside the {name}s {low}-{high}")
            if match["step"] is not None and int(match["step"]) < 1:
                raise ConfigurationError(f"{variable}={cron!r}: the step in {item!r} must be at least 1")
    import pycron  # type: ignore[import-untyped]

    try:
        pycron.is_now(cron, datetime.now(UTC))
    except ValueError as exc:
        raise ConfigurationError(f"{variable}={cron!r}: {exc}") from exc


def _cron_number(variable: str, cron: str, field: str, text: str) -> int:
    if text.isdigit():
        return int(text)
    if field == "weekday" and text in _WEEKDAYS:
        return _WEEKDAYS.index(text)
    raise ConfigurationError(f"{variable}={cron!r}: {text!r} is not a valid {field}")


def build_schedules(settings: Settings) -> list[ScheduledTask]:
    """The job schedules the settings ask for (an empty `LMS_SCHEDULE_*` leaves its job out), each with a
    stable id: the job's name. A malformed cron string is a `ConfigurationError`."""
    from taskiq import ScheduledTask

    jobs: list[tuple[str, str, str, dict[str, Any]]] = [
        ("weekly_progress", WEEKLY_PROGRESS_TASK, settings.schedule_weekly_progress, {}),
        ("reminders", REMINDERS_TASK, settings.schedule_reminders, {"inactive_days": settings.reminder_inactive_days}),
        ("grade_pending", GRADE_PENDING_TASK, settings.schedule_grade_pending, {}),
        ("purge_expired", PURGE_EXPIRED_TASK, settings.schedule_purge_expired, {}),
        (
            "reconcile_payments",
            RECONCILE_PAYMENTS_TASK,
            settings.schedule_reconcile_payments,
            {"older_than_seconds": RECONCILE_AFTER_SECONDS},
        ),
    ]
    schedules = []
    for name, task_name, cron, kwargs in jobs:
        cron = cron.strip()
        if not cron:
            continue
        check_cron(f"LMS_SCHEDULE_{name.upper()}", cron)
        schedules.append(
            ScheduledTask(schedule_id=name, task_name=task_name, labels={}, args=[], kwargs=kwargs, cron=cron)
        )
    return schedules


def _static_source(schedules: Sequence[ScheduledTask]) -> Any:
    from taskiq import ScheduleSource

    class SettingsScheduleSource(ScheduleSource):
        """The schedules built from the settings at start-up."""

        async def get_schedules(self) -> list[ScheduledTask]:
            return list(schedules)

    return SettingsScheduleSource()


async def run_scheduler(
    settings: Settings,
    *,
    stop: asyncio.Event,
    on_ready: Callable[[list[str]], None] | None = None,
    schedules: Sequence[ScheduledTask] | None = None,
) -> None:
    """Send each job when its schedule comes due, until `stop` is set; `on_ready` gets one line per schedule
    once it runs. `schedules` replaces the ones built from the settings (tests use taskiq's second-level
    `interval` schedules)."""
    chosen = build_schedules(settings) if schedules is None else list(schedules)
    if not chosen:
        raise ConfigurationError("every LMS_SCHEDULE_* is empty: the scheduler has no job to run")
    broker = build_broker(settings)
    if uses_external_broker(settings):
        # Workers run the jobs; this process only sends them, and needs no database.
        broker.is_scheduler_process = True
        await _schedule(broker, chosen, stop, on_ready, runs_jobs_here=False)
        return
    from lms_adapters.bootstrap import open_lms

    async with open_lms(settings) as lms:
        register_jobs(broker, lms)
        await _schedule(broker, chosen, stop, on_ready, runs_jobs_here=True)


async def _schedule(
    broker: AsyncBroker,
    schedules: list[ScheduledTask],
    stop: asyncio.Event,
    on_ready: Callable[[list[str]], None] | None,
    *,
    runs_jobs_here: bool,
) -> None:
    from taskiq import TaskiqScheduler
    from taskiq.api import run_scheduler_task

    scheduler = TaskiqScheduler(broker, [_static_source(schedules)])
    await scheduler.startup()
    try:
        loop = asyncio.create_task(run_scheduler_task(scheduler, interval=_SCHEDULES_REREAD), name="lms-scheduler-loop")
        stopped = asyncio.create_task(stop.wait(), name="lms-scheduler-stop")
        described = [f"{s.schedule_id}: {s.cron or f'every {s.interval} s'}" for s in schedules]
        for line in described:
            log.info("scheduled %s", line)
        if on_ready is not None:
            on_ready(described)
        await asyncio.wait({loop, stopped}, return_when=asyncio.FIRST_COMPLETED)
        for task in (loop, stopped):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if runs_jobs_here:
            # A job already started finishes (they are idempotent, but half-sent e-mails help nobody).
            wait_all = getattr(broker, "wait_all", None)
            if wait_all is not None:
                await wait_all()
    finally:
        await scheduler.shutdown()
