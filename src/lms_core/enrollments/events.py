from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from lms_core.shared.events import DomainEvent


class StudentEnrolled(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "enrollments.student_enrolled"
    enrollment_id: UUID
    student_id: UUID
    course_id: UUID


class EnrollmentCompleted(DomainEvent, frozen=True, kw_only=True):
    """Every required lesson is done. Certificates and congratulation e-mails follow from this event."""

    event_type: ClassVar[str] = "enrollments.completed"
    enrollment_id: UUID
    student_id: UUID
    course_id: UUID


class EnrollmentDropped(DomainEvent, frozen=True, kw_only=True):
    """The learner left the course (or an admin dropped them); the enrolment keeps its progress."""

    event_type: ClassVar[str] = "enrollments.dropped"
    enrollment_id: UUID
    student_id: UUID
    course_id: UUID


# What this module records; the composition root puts these in the engine's event catalogue.
EVENTS: tuple[type[DomainEvent], ...] = (StudentEnrolled, EnrollmentCompleted, EnrollmentDropped)
