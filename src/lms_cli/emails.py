"""`lms emails weekly-progress|send-reminders`: the scheduled e-mails, for cron or any scheduler."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lms_cli.output import emit, run_on_engine
from lms_cli.progress import progress_bar
from lms_core import Actor, SendReminders, SendWeeklyProgress
from lms_core.notifications.commands import MAX_INACTIVE_DAYS

if TYPE_CHECKING:
    from lms_core import Lms, NotificationJobReport


@click.group("emails")
def emails() -> None:
    """Scheduled e-mails: weekly progress summaries and reminders."""


def _summary(report: NotificationJobReport) -> str:
    done = f"would send {report.would_send}" if report.dry_run else f"sent {report.sent}"
    lines = [
        f"{report.job} ({report.period}): {done} e-mail(s) of {report.candidates} candidate(s); "
        f"{report.already_sent} already sent, {report.opted_out} opted out, {report.not_applicable} not applicable"
    ]
    if report.dry_run:
        lines += [
            f"  {email.email}" + (f" ({email.course_title})" if email.course_title else "") for email in report.emails
        ]
    return "\n".join(lines)


@emails.command("weekly-progress")
@click.option("--dry-run", is_flag=True, help="Send nothing; list who would receive the summary.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report on stdout.")
def weekly_progress(dry_run: bool, as_json: bool) -> None:
    """Send this ISO week's progress summary to every learner with a course in progress. Run it weekly;
    running it again in the same week sends nothing more, and two runs at once send each summary once."""

    async def action(lms: Lms) -> NotificationJobReport:
        with progress_bar("weekly summaries") as bar:
            return await lms.notifications.send_weekly_progress(
                Actor.system(), SendWeeklyProgress(dry_run=dry_run), progress=bar
            )

    report = run_on_engine(action, as_json=as_json, read_only=dry_run)
    emit(report, as_json=as_json, text=_summary(report))


@emails.command("send-reminders")
@click.option(
    "--inactive-days",
    type=click.IntRange(1, MAX_INACTIVE_DAYS),
    default=7,
    show_default=True,
    help="Remind the learners of enrolments left alone for at least this many days.",
)
@click.option("--dry-run", is_flag=True, help="Send nothing; list who would be reminded.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report on stdout.")
def send_reminders(inactive_days: int, dry_run: bool, as_json: bool) -> None:
    """Remind learners of the active enrolments nobody has worked on for --inactive-days days. Run it daily;
    each enrolment is reminded once per stretch of inactivity, however often the job runs."""

    async def action(lms: Lms) -> NotificationJobReport:
        with progress_bar("reminders") as bar:
            return await lms.notifications.send_reminders(
                Actor.system(),
                SendReminders(inactive_days=inactive_days, dry_run=dry_run),
                progress=bar,
            )

    report = run_on_engine(action, as_json=as_json, read_only=dry_run)
    emit(report, as_json=as_json, text=_summary(report))
