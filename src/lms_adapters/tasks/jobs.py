"""The periodic jobs as taskiq tasks: `lms scheduler` sends them, and `lms worker` (or the scheduler itself,
without a broker) runs them.

Every job is safe to run twice at once (two schedulers, or a run that overlaps the next): the weekly summary
and the reminders are recorded once per learner and period in the database, closing an overdue attempt is a
conditional update, a purged row is deleted once, and a payment moves under its row lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from lms_core import Actor, GradePending, ReconcilePayments, SendReminders, SendWeeklyProgress

if TYPE_CHECKING:
    from taskiq import AsyncBroker, AsyncTaskiqDecoratedTask

    from lms_core import Lms

log = logging.getLogger("lms.jobs")

WEEKLY_PROGRESS_TASK = "lms.jobs.weekly_progress"
REMINDERS_TASK = "lms.jobs.send_reminders"
GRADE_PENDING_TASK = "lms.jobs.grade_pending"
PURGE_EXPIRED_TASK = "lms.jobs.purge_expired"
RECONCILE_PAYMENTS_TASK = "lms.jobs.reconcile_payments"

JobResult = dict[str, Any]


@dataclass(frozen=True, slots=True)
class JobTasks:
    """The job tasks registered on one broker."""

    weekly_progress: AsyncTaskiqDecoratedTask[Any, Any]
    send_reminders: AsyncTaskiqDecoratedTask[Any, Any]
    grade_pending: AsyncTaskiqDecoratedTask[Any, Any]
    purge_expired: AsyncTaskiqDecoratedTask[Any, Any]
    reconcile_payments: AsyncTaskiqDecoratedTask[Any, Any]


def _counts(report: msgspec.Struct) -> JobResult:
    # A job's result carries counts only: the list of e-mails a weekly run sent can be every learner.
    result: JobResult = msgspec.to_builtins(report)
    result.pop("emails", None)
    return result


def register_jobs(broker: AsyncBroker, lms: Lms) -> JobTasks:
    """Register the periodic jobs on `broker`, run on this engine as the system."""

    async def weekly_progress() -> JobResult:
        report = await lms.notifications.send_weekly_progress(Actor.system(), SendWeeklyProgress())
        log.info("weekly progress (%s): %d sent, %d already sent", report.period, report.sent, report.already_sent)
        return _counts(report)

    async def send_reminders(inactive_days: int) -> JobResult:
        report = await lms.notifications.send_reminders(Actor.system(), SendReminders(inactive_days=inactive_days))
        log.info("reminders (%s): %d sent, %d already sent", report.period, report.sent, report.already_sent)
        return _counts(report)

    async def grade_pending() -> JobResult:
        report = await lms.quizzes.grade_pending(Actor.system(), GradePending())
        if report.overdue_closed or report.ungraded_graded:
            log.info(
                "pending grading: %d overdue attempt(s) closed, %d submitted attempt(s) graded",
                report.overdue_closed,
                report.ungraded_graded,
            )
        return _counts(report)

    async def purge_expired() -> JobResult:
        report = await lms.auth.purge_expired(Actor.system())
        log.info("purged %d expired secret(s), %d refresh token(s)", report.one_time_secrets, report.refresh_tokens)
        return _counts(report)

    async def reconcile_payments(older_than_seconds: int) -> JobResult:
        report = await lms.payments.reconcile(Actor.system(), ReconcilePayments(older_than_seconds=older_than_seconds))
        if report.checked:
            log.info(
                "payments reconciled: %d checked, %d succeeded, %d failed, %d refunded, %d still pending, %d errors",
                report.checked,
                report.succeeded,
                report.failed,
                report.refunded,
                report.still_pending,
                report.errors,
            )
        return _counts(report)

    return JobTasks(
        weekly_progress=broker.register_task(weekly_progress, task_name=WEEKLY_PROGRESS_TASK),
        send_reminders=broker.register_task(send_reminders, task_name=REMINDERS_TASK),
        grade_pending=broker.register_task(grade_pending, task_name=GRADE_PENDING_TASK),
        purge_expired=broker.register_task(purge_expired, task_name=PURGE_EXPIRED_TASK),
        reconcile_payments=broker.register_task(reconcile_payments, task_name=RECONCILE_PAYMENTS_TASK),
    )
