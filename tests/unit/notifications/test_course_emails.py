"""The course e-mails that follow learning events: enrolled, completed, certificate issued."""

from __future__ import annotations

import msgspec
import pytest
from sqlalchemy import func, select

from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.models import sent_notifications
from lms_adapters.settings import Settings
from lms_core import Actor, Lms
from lms_core.certificates.commands import ListMyCertificates, RevokeCertificate
from lms_core.certificates.events import CertificateIssued
from lms_core.enrollments.commands import EnrollInCourse
from lms_core.enrollments.events import StudentEnrolled
from lms_core.users.commands import ChangeEmailPreferences, UpdateMyProfile
from tests.support.certificates import completed
from tests.support.doubles import RecordingMailer
from tests.support.flows import actor_of, register
from tests.support.learning import classroom


async def sent_rows(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(select(func.count()).select_from(sent_notifications))).scalar_one())
    finally:
        await engine.dispose()


ACCOUNT_SUBJECTS = {"Welcome to LMS", "Verify your e-mail address for LMS"}


def subjects(mailer: RecordingMailer, address: str) -> list[str]:
    """The subjects of what `address` received, apart from the registration's own e-mails."""
    return [message.subject for message in mailer.to(address) if message.subject not in ACCOUNT_SUBJECTS]


async def test_enrolling_sends_the_enrolled_email_with_the_course_link(lms: Lms, mailer: RecordingMailer) -> None:
    room = await classroom(lms, title="Looms and Cards")
    learner = actor_of(await register(lms, "ada@example.com", name="Ada Lovelace"))
    await lms.outbox.drain()
    mailer.sent.clear()

    await lms.enrollments.enroll(learner, EnrollInCourse(course_id=room.course.id))
    await lms.outbox.drain()

    [message] = mailer.to("ada@example.com")
    assert message.subject not in ACCOUNT_SUBJECTS
    assert message.subject == "You are enrolled in Looms and Cards on LMS"
    link = f"https://lms.example.test/api/v1/courses/{room.course.id}"
    assert link in message.text
    assert f'href="{link}"' in message.html
    assert "Hello Ada Lovelace," in message.text
    # Transactional: no unsubscribe link, no List-Unsubscribe header.
    assert message.list_unsubscribe is None
    assert "unsubscribe" not in message.text.lower()


async def test_completing_sends_congratulations_then_the_certificate_with_its_links(
    lms: Lms, mailer: RecordingMailer
) -> None:
    done = await completed(lms, name="Ada Lovelace", email="ada@example.com")
    await lms.outbox.drain()

    assert subjects(mailer, "ada@example.com") == [
        "You are enrolled in Analytical Engines on LMS",
        "Congratulations: you completed Analytical Engines on LMS",
        "Your LMS certificate for Analytical Engines",
    ]
    certificate = (await lms.certificates.my_certificates(done.learner, ListMyCertificates())).items[0]
    message = mailer.to("ada@example.com")[-1]
    download = f"https://lms.example.test/api/v1/certificates/{certificate.id}/download"
    verify = f"https://lms.example.test/api/v1/certificates/verify/{certificate.certificate_number}"
    for body in (message.text, message.html):
        assert download in body
        assert verify in body
        assert certificate.certificate_number in body


async def test_a_redelivered_event_sends_nothing_more(lms: Lms, mailer: RecordingMailer, settings: Settings) -> None:
    room = await classroom(lms, title="Looms")
    learner = actor_of(await register(lms, "ada@example.com", name="Ada Lovelace"))
    enrollment = await lms.enrollments.enroll(learner, EnrollInCourse(course_id=room.course.id))
    await lms.outbox.drain()
    before = len(mailer.to("ada@example.com"))

    # The relay may hand an event over twice (a worker died between handling and deleting it).
    event = StudentEnrolled(enrollment_id=enrollment.id, student_id=learner.require_user(), course_id=room.course.id)
    await lms.notifications.on_student_enrolled(event)
    await lms.notifications.on_student_enrolled(event)
    await lms.outbox.drain()

    assert len(mailer.to("ada@example.com")) == before
    assert await sent_rows(settings) == 1


async def test_no_course_email_for_an_enrolment_that_has_ended(lms: Lms, mailer: RecordingMailer) -> None:
    room = await classroom(lms, title="Looms")
    learner = actor_of(await register(lms, "ada@example.com", name="Ada Lovelace"))
    enrollment = await lms.enrollments.enroll(learner, EnrollInCourse(course_id=room.course.id))
    # Dropped before the event was delivered: the e-mail is no longer true.
    await lms.enrollments.drop(learner, enrollment.id)
    await lms.outbox.drain()

    assert subjects(mailer, "ada@example.com") == []


async def test_a_revoked_certificate_is_not_announced(lms: Lms, mailer: RecordingMailer) -> None:
    done = await completed(lms, name="Ada Lovelace", email="ada@example.com")
    await lms.outbox.drain()
    certificate = (await lms.certificates.my_certificates(done.learner, ListMyCertificates())).items[0]
    before = len(mailer.to("ada@example.com"))

    await lms.certificates.revoke(Actor.system(), certificate.id, RevokeCertificate(reason="issued by mistake"))
    # A late redelivery of the issue event after the revocation sends nothing.
    await lms.notifications.on_certificate_issued(
        CertificateIssued(
            certificate_id=certificate.id,
            certificate_number=certificate.certificate_number,
            enrollment_id=done.enrollment.id,
            student_id=done.learner.require_user(),
            course_id=done.room.course.id,
        )
    )
    await lms.outbox.drain()
    assert len(mailer.to("ada@example.com")) == before


async def test_course_emails_go_even_to_a_learner_who_left_the_optional_lists(
    lms: Lms, mailer: RecordingMailer
) -> None:
    room = await classroom(lms, title="Looms")
    learner = actor_of(await register(lms, "ada@example.com", name="Ada Lovelace"))
    await lms.users.update_me(
        learner,
        UpdateMyProfile(email_preferences=ChangeEmailPreferences(weekly_progress=False, reminders=False)),
    )
    await lms.enrollments.enroll(learner, EnrollInCourse(course_id=room.course.id))
    await lms.outbox.drain()

    assert "You are enrolled in Looms on LMS" in subjects(mailer, "ada@example.com")


@pytest.mark.parametrize("field", ["weekly_progress", "reminders"])
async def test_profile_update_switches_one_optional_email_and_keeps_the_other(lms: Lms, field: str) -> None:
    learner = actor_of(await register(lms, "ada@example.com", name="Ada Lovelace"))

    view = await lms.users.update_me(
        learner, UpdateMyProfile(email_preferences=msgspec.convert({field: False}, ChangeEmailPreferences))
    )

    expected = {"weekly_progress": True, "reminders": True, field: False}
    assert msgspec.to_builtins(view.email_preferences) == expected
    assert msgspec.to_builtins((await lms.users.get_me(learner)).email_preferences) == expected
