"""What the notifications module sends, to whom it may send the optional ones, and how a sent e-mail is keyed."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms_core.enrollments.entities import PROGRESS_STATUSES, EnrollmentStatus
from lms_core.shared.ids import UserId
from lms_core.users.entities import EmailPreferences


class NotificationKind(enum.StrEnum):
    COURSE_ENROLLED = "course_enrolled"
    COURSE_COMPLETED = "course_completed"
    CERTIFICATE_ISSUED = "certificate_issued"
    WEEKLY_PROGRESS = "weekly_progress"
    COURSE_REMINDER = "course_reminder"
    PAYMENT_RECEIPT = "payment_receipt"


class MailingList(enum.StrEnum):
    """The optional e-mails a learner can leave (by the link in each one, or in their profile)."""

    WEEKLY_PROGRESS = "weekly_progress"
    REMINDERS = "reminders"


def receives(preferences: EmailPreferences, mailing_list: MailingList) -> bool:
    return bool(getattr(preferences, mailing_list.value))


def leaving(preferences: EmailPreferences, mailing_list: MailingList) -> EmailPreferences:
    """The preferences with `mailing_list` switched off."""
    return dataclasses.replace(preferences, **{mailing_list.value: False})


def enrolment_has_ended(status: EnrollmentStatus) -> bool:
    """Dropped or expired (a refund or an ended subscription expires it): course e-mails stop."""
    return status not in PROGRESS_STATUSES


def iso_week(moment: datetime) -> str:
    """The ISO week of `moment` (UTC), `2026-W09`: the period of the weekly summary."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class NotificationKey:
    """Names one e-mail that must be sent at most once. The database holds it unique and it is stored in
    the transaction that records the e-mail, so a redelivered event or a second run of a job finds it taken.

    `subject_id` is what the e-mail is about (an enrolment, a certificate, a user) and `period` the occasion:
    the enrolment's start (a learner who leaves and comes back is welcomed again), the ISO week of a summary,
    the start of the inactivity a reminder is about.
    """

    kind: NotificationKind
    subject_id: UUID
    period: str

    @classmethod
    def enrolled(cls, enrollment_id: UUID, enrolled_at: datetime) -> NotificationKey:
        return cls(NotificationKind.COURSE_ENROLLED, enrollment_id, enrolled_at.isoformat())

    @classmethod
    def completed(cls, enrollment_id: UUID) -> NotificationKey:
        return cls(NotificationKind.COURSE_COMPLETED, enrollment_id, "")

    @classmethod
    def certificate(cls, certificate_id: UUID) -> NotificationKey:
        return cls(NotificationKind.CERTIFICATE_ISSUED, certificate_id, "")

    @classmethod
    def weekly(cls, user_id: UserId, week: str) -> NotificationKey:
        return cls(NotificationKind.WEEKLY_PROGRESS, user_id, week)

    @classmethod
    def receipt(cls, payment_id: UUID) -> NotificationKey:
        return cls(NotificationKind.PAYMENT_RECEIPT, payment_id, "")

    @classmethod
    def reminder(cls, enrollment_id: UUID, inactive_since: datetime) -> NotificationKey:
        return cls(NotificationKind.COURSE_REMINDER, enrollment_id, inactive_since.isoformat())


@dataclass(frozen=True, slots=True)
class CourseInProgress:
    """One active enrolment of a learner, as the weekly summary lists it."""

    enrollment_id: UUID
    course_id: UUID
    course_title: str
    progress_bp: int
    completed_lessons: int
    total_lessons: int


@dataclass(frozen=True, slots=True)
class InactiveEnrollment:
    """An active enrolment nobody has worked on since `inactive_since` (last activity, else enrolment)."""

    enrollment_id: UUID
    student_id: UserId
    inactive_since: datetime
