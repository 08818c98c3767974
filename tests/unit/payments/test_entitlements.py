"""What a purchase's end does to the learner's course, on SQLite and PostgreSQL: a refund expires the
enrolment (shown on it) and stops its course e-mails but leaves an issued certificate standing; a learner who
dropped a course they paid for comes back without paying, unless the payment was refunded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

import pytest

from lms_adapters.bootstrap import open_lms
from lms_adapters.persistence.models import certificates, enrollments, payments
from lms_core import (
    AccessSource,
    Actor,
    CourseView,
    CreateCourse,
    CreatePaymentIntent,
    EnrollInCourse,
    EnrollmentStatus,
    ListMyEnrollments,
    ListMyPayments,
    Lms,
    PaymentRequired,
    Provider,
)
from lms_core.certificates.commands import ListMyCertificates
from lms_core.notifications.commands import SendWeeklyProgress
from lms_core.shared.clock import FixedClock
from tests.conftest import make_settings
from tests.support.attempts import table_rows
from tests.support.catalogue import instructor, student, text_lesson
from tests.support.doubles import RecordingMailer
from tests.support.providers.stripe_server import FakeStripe

LEARNER = "learner@example.com"
ENROLLED = "You are enrolled in Paid Looms on LMS"
WEEKLY = "Your week on LMS"


@dataclass
class Academy:
    lms: Lms
    stripe: FakeStripe
    mailer: RecordingMailer
    learner: Actor
    course: CourseView  # published, 49.00 USD, one lesson
    lesson_id: UUID


@pytest.fixture
async def academy(
    database_url: str, real_time_clock: FixedClock, mailer: RecordingMailer, stripe_server: FakeStripe
) -> AsyncIterator[Academy]:
    settings = make_settings(
        database_url,
        stripe_secret_key=stripe_server.api_key,
        stripe_webhook_secret=stripe_server.webhook_secret,
        stripe_api_base=stripe_server.base_url,
        certificate_renderer="reportlab",
        payment_timeout_seconds=2.0,
    )
    async with open_lms(settings, clock=real_time_clock, mailer=mailer) as lms:
        teacher = await instructor(lms)
        course = await lms.courses.create_course(
            teacher, CreateCourse(title="Paid Looms", category="design", price=Decimal("49.00"), currency="USD")
        )
        lesson = await text_lesson(lms, teacher, course)
        course = await lms.courses.publish_course(teacher, course.id)
        yield Academy(
            lms=lms,
            stripe=stripe_server,
            mailer=mailer,
            learner=await student(lms, LEARNER),
            course=course,
            lesson_id=lesson.id,
        )


async def bought(academy: Academy) -> tuple[UUID, str]:
    """The learner buys the course and Stripe confirms it: (the enrolment's id, the payment intent's id)."""
    intent = await academy.lms.payments.create_payment_intent(
        academy.learner, CreatePaymentIntent(course_id=academy.course.id)
    )
    pi = intent.payment.provider_payment_id
    assert pi is not None
    hook = academy.stripe.mark_paid(pi)
    await academy.lms.payments.handle_webhook(Provider.STRIPE, hook.body, hook.headers, hook.query)
    [row] = (await academy.lms.payments.my_payments(academy.learner, ListMyPayments())).items
    assert row.enrollment_id is not None
    return row.enrollment_id, pi


async def refunded(academy: Academy, pi: str) -> None:
    hook = academy.stripe.mark_refunded(pi)
    receipt = await academy.lms.payments.handle_webhook(Provider.STRIPE, hook.body, hook.headers, hook.query)
    assert receipt.outcome == "applied"


def course_emails(academy: Academy) -> list[str]:
    return [m.subject for m in academy.mailer.to(LEARNER) if "Paid Looms" in m.subject or m.subject == WEEKLY]


async def test_a_refund_after_completion_expires_the_enrolment_but_keeps_the_certificate(
    academy: Academy, database_url: str
) -> None:
    enrollment_id, pi = await bought(academy)
    await academy.lms.enrollments.complete_lesson(academy.learner, enrollment_id, academy.lesson_id)
    await academy.lms.outbox.drain()
    [certificate] = (await academy.lms.certificates.my_certificates(academy.learner, ListMyCertificates())).items

    await refunded(academy, pi)

    [enrolment] = (await academy.lms.enrollments.my_enrollments(academy.learner, ListMyEnrollments())).items
    assert (enrolment.id, enrolment.status, enrolment.access_source) == (
        enrollment_id,
        EnrollmentStatus.EXPIRED,
        AccessSource.PAYMENT,
    )
    [row] = await table_rows(database_url, enrollments)
    assert (row["status"], row["completed_at"] is not None) == ("expired", True)
    [stored] = await table_rows(database_url, certificates)
    assert (stored["id"], stored["enrollment_id"], stored["is_revoked"]) == (certificate.id, enrollment_id, False)
    verification = await academy.lms.certificates.verify(Actor.anonymous(), certificate.certificate_number)
    assert (verification.valid, verification.is_revoked, verification.course_title) == (True, False, "Paid Looms")
    kept = await academy.lms.certificates.download(academy.learner, certificate.id)
    assert kept.content.startswith(b"%PDF")


async def test_course_emails_stop_for_a_refunded_enrolment(academy: Academy, database_url: str) -> None:
    _, pi = await bought(academy)
    # Refunded before the enrolment's event was delivered: the e-mail is no longer true.
    await refunded(academy, pi)
    await academy.lms.outbox.drain()
    assert ENROLLED not in course_emails(academy)

    report = await academy.lms.notifications.send_weekly_progress(Actor.system(), SendWeeklyProgress())
    await academy.lms.outbox.drain()
    assert (report.candidates, report.sent) == (0, 0)
    assert course_emails(academy) == []


async def test_a_dropped_paid_course_is_taken_up_again_without_paying(academy: Academy, database_url: str) -> None:
    enrollment_id, _ = await bought(academy)
    [payment] = await table_rows(database_url, payments)
    await academy.lms.enrollments.drop(academy.learner, enrollment_id)

    back = await academy.lms.enrollments.enroll(academy.learner, EnrollInCourse(course_id=academy.course.id))
    assert (back.id, back.status, back.access_source) == (enrollment_id, EnrollmentStatus.ACTIVE, AccessSource.PAYMENT)
    [row] = await table_rows(database_url, enrollments)
    assert (row["status"], row["access_source"], row["access_ref"]) == ("active", "payment", payment["id"])
    assert [r["status"] for r in await table_rows(database_url, payments)] == ["succeeded"]
    assert len(academy.stripe.requests_to("POST", "/v1/payment_intents")) == 1


@pytest.mark.parametrize("dropped_first", [False, True], ids=["active", "dropped"])
async def test_a_refunded_course_is_not_taken_up_again_without_paying(
    academy: Academy, database_url: str, dropped_first: bool
) -> None:
    enrollment_id, pi = await bought(academy)
    if dropped_first:
        await academy.lms.enrollments.drop(academy.learner, enrollment_id)
    await refunded(academy, pi)

    with pytest.raises(PaymentRequired):
        await academy.lms.enrollments.enroll(academy.learner, EnrollInCourse(course_id=academy.course.id))
    [row] = await table_rows(database_url, enrollments)
    assert (row["status"], row["access_source"]) == ("expired", "payment")
