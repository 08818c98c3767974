"""Enrolments and lesson progress, and the progress arithmetic."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from lms_core.shared.ids import UserId

FULL = 10_000  # progress is kept in basis points: 10000 = 100.00 %


class EnrollmentStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    DROPPED = "dropped"
    EXPIRED = "expired"


class AccessSource(enum.StrEnum):
    """What gives a learner an enrolment's course: a free course, a course bought (a payment), or a
    subscription. Ranked in that order: a stronger source replaces a weaker one on an enrolment."""

    FREE = "free"
    SUBSCRIPTION = "subscription"
    PAYMENT = "payment"

    @property
    def rank(self) -> int:
        return _ACCESS_RANK[self]


_ACCESS_RANK = {AccessSource.FREE: 0, AccessSource.SUBSCRIPTION: 1, AccessSource.PAYMENT: 2}


# Statuses in which a learner still studies (records progress, takes quizzes, reads content); a
# completed enrolment stays completed.
PROGRESS_STATUSES = frozenset({EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED})


class ProgressStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


def progress_basis_points(completed: int, total: int) -> int:
    """completed/total in hundredths of a percent, truncated: 100.00 % only when everything is done."""
    if total <= 0:
        return 0
    return min(FULL, completed * FULL // total)


def as_percentage(basis_points: int) -> Decimal:
    return (Decimal(basis_points) / 100).quantize(Decimal("0.01"))


@dataclass(kw_only=True, slots=True)
class Enrollment:
    id: UUID
    student_id: UserId
    course_id: UUID
    status: EnrollmentStatus
    enrolled_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    dropped_at: datetime | None = None
    progress_bp: int = 0
    completed_lessons_count: int = 0
    total_lessons_count: int = 0
    total_time_spent_seconds: int = 0
    last_accessed_at: datetime | None = None
    certificate_issued_at: datetime | None = None
    rating: int | None = None
    review: str | None = None
    reviewed_at: datetime | None = None
    # What grants the course (and, for a payment or a subscription, its id): a refund or a subscription's
    # end ends exactly the enrolments it granted.
    access_source: AccessSource = AccessSource.FREE
    access_ref: UUID | None = None

    @property
    def progress_percentage(self) -> Decimal:
        return as_percentage(self.progress_bp)

    @property
    def is_active(self) -> bool:
        return self.status is EnrollmentStatus.ACTIVE


@dataclass(kw_only=True, slots=True)
class LessonProgress:
    id: UUID
    enrollment_id: UUID
    lesson_id: UUID
    status: ProgressStatus = ProgressStatus.NOT_STARTED
    started_at: datetime | None = None
    completed_at: datetime | None = None
    time_spent_seconds: int = 0
    last_position_seconds: int = 0
    completion_bp: int = 0
    attempts_count: int = 0
    progress_metadata: dict[str, Any] | None = None

    @property
    def completion_percentage(self) -> Decimal:
        return as_percentage(self.completion_bp)
