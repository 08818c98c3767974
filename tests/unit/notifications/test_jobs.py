"""The scheduled e-mails (weekly progress, reminders) and unsubscribing, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import msgspec
import pytest

from lms_core import (
    Actor,
    InvalidInputError,
    InvalidUnsubscribeToken,
    Lms,
    NotNotificationsOperator,
    SendReminders,
    SendWeeklyProgress,
    Unsubscribe,
)
from lms_core.emails.entities import OutgoingEmail
from lms_core.enrollments.commands import EnrollInCourse, UpdateProgress
from lms_core.shared.clock import FixedClock
from lms_core.users.commands import ChangeEmailPreferences, UpdateMyProfile
from tests.support.doubles import RecordingMailer
from tests.support.flows import actor_of, register
from tests.support.learning import Classroom, classroom

SYSTEM = Actor.system()
WEEKLY = "Your week on LMS"


async def learner_in(lms: Lms, room: Classroom, email: str, name: str) -> tuple[Actor, UUID]:
    actor = actor_of(await register(lms, email, name=name))
    enrollment = await lms.enrollments.enroll(actor, EnrollInCourse(course_id=room.course.id))
    return actor, enrollment.id


def of_kind(mailer: RecordingMailer, prefix: str) -> list[OutgoingEmail]:
    return [message for message in mailer.sent if message.subject.startswith(prefix)]


def token_of(message: OutgoingEmail) -> str:
    assert message.list_unsubscribe is not None
    return parse_qs(urlsplit(message.list_unsubscribe).query)["token"][0]


@pytest.fixture
async def room(lms: Lms) -> Classroom:
    return await classroom(lms, title="Looms", required=4)


async def test_weekly_progress_goes_once_per_learner_and_week_with_an_unsubscribe_link(
    lms: Lms, mailer: RecordingMailer, clock: FixedClock, room: Classroom
) -> None:
    ada, ada_enrollment = await learner_in(lms, room, "ada@example.com", "Ada Lovelace")
    await lms.enrollments.complete_lesson(ada, ada_enrollment, room.lesson_ids[0])
    await learner_in(lms, room, "grace@example.com", "Grace Hopper")
    await lms.outbox.drain()

    report = await lms.notifications.send_weekly_progress(SYSTEM, SendWeeklyProgress())
    await lms.outbox.drain()

    assert (report.job, report.period, report.candidates, report.sent) == ("weekly-progress", "2026-W01", 2, 2)
    assert sorted(email.email for email in report.emails) == ["ada@example.com", "grace@example.com"]
    [message] = [m for m in of_kind(mailer, WEEKLY) if m.to == "ada@example.com"]
    assert "Looms: 25.00 %, 1 of 4 lessons" in message.text
    assert message.list_unsubscribe is not None
    assert message.list_unsubscribe.startswith("https://lms.example.test/api/v1/notifications/unsubscribe?token=")
    assert f"https://lms.example.test/unsubscribe?token={token_of(message)}" in message.text

    again = await lms.notifications.send_weekly_progress(SYSTEM, SendWeeklyProgress())
    await lms.outbox.drain()
    assert (again.candidates, again.sent) == (0, 0)
    assert len(of_kind(mailer, WEEKLY)) == 2

    clock.advance(timedelta(days=7))
    next_week = await lms.notifications.send_weekly_progress(SYSTEM, SendWeeklyProgress())
    await lms.outbox.drain()
    assert (next_week.period, next_week.sent) == ("2026-W02", 2)
    assert len(of_kind(mailer, WEEKLY)) == 4


async def test_weekly_progress_skips_opted_out_learners_and_ended_enrolments(
    lms: Lms, mailer: RecordingMailer, room: Classroom
) -> None:
    ada, _ = await learner_in(lms, room, "ada@example.com", "Ada Lovelace")
    grace, grace_enrollment = await learner_in(lms, room, "grace@example.com", "Grace Hopper")
    await learner_in(lms, room, "alan@example.com", "Alan Turing")
    await lms.users.update_me(ada, UpdateMyProfile(email_preferences=ChangeEmailPreferences(weekly_progress=False)))
    await lms.enrollments.drop(grace, grace_enrollment)
    await lms.outbox.drain()

    report = await lms.notifications.send_weekly_progress(SYSTEM, SendWeeklyProgress())
    await lms.outbox.drain()

    assert (report.candidates, report.sent, report.opted_out) == (2, 1, 1)
    assert [m.to for m in of_kind(mailer, WEEKLY)] == ["alan@example.com"]


async def test_a_dry_run_sends_and_records_nothing_and_lists_what_it_would_send(
    lms: Lms, mailer: RecordingMailer, room: Classroom
) -> None:
    await learner_in(lms, room, "ada@example.com", "Ada Lovelace")
    await lms.outbox.drain()

    dry = await lms.notifications.send_weekly_progress(SYSTEM, SendWeeklyProgress(dry_run=True))
    await lms.outbox.drain()

    assert (dry.dry_run, dry.would_send, dry.sent) == (True, 1, 0)
    assert [email.email for email in dry.emails] == ["ada@example.com"]
    assert of_kind(mailer, WEEKLY) == []
    real = await lms.notifications.send_weekly_progress(SYSTEM, SendWeeklyProgress())
    await lms.outbox.drain()
    assert real.sent == 1 and len(of_kind(mailer, WEEKLY)) == 1
    after = await lms.notifications.send_weekly_progress(SYSTEM, SendWeeklyProgress(dry_run=True))
    assert (after.would_send, after.emails) == (0, [])


async def test_two_runs_at_once_send_each_summary_once(lms: Lms, mailer: RecordingMailer, room: Classroom) -> None:
    for number in range(6):
        await learner_in(lms, room, f"learner{number}@example.com", f"Learner {number}")
    await lms.outbox.drain()

    first, second = await asyncio.gather(
        lms.notifications.send_weekly_progress(SYSTEM, SendWeeklyProgress()),
        lms.notifications.send_weekly_progress(SYSTEM, SendWeeklyProgress()),
    )
    await lms.outbox.drain()

    assert first.sent + second.sent == 6
    assert sorted(m.to for m in of_kind(mailer, WEEKLY)) == [f"learner{n}@example.com" for n in range(6)]


async def test_reminders_go_once_per_stretch_of_inactivity(
    lms: Lms, mailer: RecordingMailer, clock: FixedClock, room: Classroom
) -> None:
    ada, enrollment_id = await learner_in(lms, room, "ada@example.com", "Ada Lovelace")
    await lms.outbox.drain()

    clock.advance(timedelta(days=6))
    early = await lms.notifications.send_reminders(SYSTEM, SendReminders(inactive_days=7))
    assert (early.candidates, early.sent) == (0, 0)

    clock.advance(timedelta(days=3))
    report = await lms.notifications.send_reminders(SYSTEM, SendReminders(inactive_days=7))
    await lms.outbox.drain()
    assert (report.sent, [e.course_title for e in report.emails]) == (1, ["Looms"])
    [reminder] = of_kind(mailer, "Looms is waiting for you")
    assert "It has been 9 days since you last worked on" in reminder.text
    assert reminder.list_unsubscribe is not None

    assert (await lms.notifications.send_reminders(SYSTEM, SendReminders(inactive_days=7))).sent == 0

    # Back at work the next day, then gone again: a new stretch, a new reminder.
    clock.advance(timedelta(days=1))
    await lms.enrollments.update_progress(ada, enrollment_id, room.lesson_ids[0], UpdateProgress(time_spent_seconds=60))
    clock.advance(timedelta(days=8))
    assert (await lms.notifications.send_reminders(SYSTEM, SendReminders(inactive_days=7))).sent == 1
    await lms.outbox.drain()
    assert len(of_kind(mailer, "Looms is waiting for you")) == 2


async def test_unsubscribing_with_the_emails_token_stops_that_list_only(
    lms: Lms, mailer: RecordingMailer, clock: FixedClock, room: Classroom
) -> None:
    ada, _ = await learner_in(lms, room, "ada@example.com", "Ada Lovelace")
    await lms.outbox.drain()
    await lms.notifications.send_weekly_progress(SYSTEM, SendWeeklyProgress())
    await lms.outbox.drain()
    token = token_of(of_kind(mailer, WEEKLY)[0])

    done = await lms.notifications.unsubscribe(Actor.anonymous(), Unsubscribe(token=token))
    again = await lms.notifications.unsubscribe(Actor.anonymous(), Unsubscribe(token=token))

    assert (done.mailing_list, done.email, done.subscribed) == ("weekly_progress", "ada@example.com", False)
    assert again == done
    me = await lms.users.get_me(ada)
    assert msgspec.to_builtins(me.email_preferences) == {"weekly_progress": False, "reminders": True}
    clock.advance(timedelta(days=10))
    assert (await lms.notifications.send_weekly_progress(SYSTEM, SendWeeklyProgress())).opted_out == 1
    assert (await lms.notifications.send_reminders(SYSTEM, SendReminders(inactive_days=7))).sent == 1


async def test_a_forged_cut_or_foreign_token_is_refused(lms: Lms, mailer: RecordingMailer, room: Classroom) -> None:
    await learner_in(lms, room, "ada@example.com", "Ada Lovelace")
    await lms.outbox.drain()
    await lms.notifications.send_weekly_progress(SYSTEM, SendWeeklyProgress())
    await lms.outbox.drain()
    token = token_of(of_kind(mailer, WEEKLY)[0])
    user_hex, _, mac = token.split("-", 2)
    forged = [
        "nonsense",
        token[:-3],  # cut short by a mail program
        f"{user_hex}-reminders-{mac}",  # another list under the same signature
        f"{'0' * 32}-weekly_progress-{mac}",  # another account
    ]
    for bad in forged:
        with pytest.raises(InvalidUnsubscribeToken):
            await lms.notifications.unsubscribe(Actor.anonymous(), Unsubscribe(token=bad))
    with pytest.raises(InvalidInputError):
        Unsubscribe(token="")


async def test_only_admins_and_the_system_run_the_jobs(lms: Lms, room: Classroom) -> None:
    ada, _ = await learner_in(lms, room, "ada@example.com", "Ada Lovelace")
    with pytest.raises(NotNotificationsOperator):
        await lms.notifications.send_weekly_progress(ada, SendWeeklyProgress())
    with pytest.raises(NotNotificationsOperator):
        await lms.notifications.send_reminders(ada, SendReminders())
