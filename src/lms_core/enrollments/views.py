"""Outputs of the enrolments module. Percentages are `Decimal` with two decimals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec

from lms_core.courses.entities import Course
from lms_core.enrollments.entities import (
    FULL,
    AccessSource,
    Enrollment,
    EnrollmentStatus,
    LessonProgress,
    ProgressStatus,
    as_percentage,
    progress_basis_points,
)
from lms_core.enrollments.ports import CourseEnrollmentFigures, EnrollmentWithStudent


class CourseSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    title: str
    slug: str

    @classmethod
    def of(cls, course: Course) -> CourseSummary:
        return cls(id=course.id, title=course.title, slug=course.slug)


class EnrollmentView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    student_id: UUID
    course_id: UUID
    course: CourseSummary
    status: EnrollmentStatus
    enrolled_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    progress_percentage: Decimal
    completed_lessons_count: int
    total_lessons_count: int
    total_time_spent_seconds: int
    last_accessed_at: datetime | None
    certificate_issued_at: datetime | None
    rating: int | None
    review: str | None
    reviewed_at: datetime | None
    access_source: AccessSource

    @classmethod
    def fields_of(cls, enrollment: Enrollment, course: CourseSummary) -> dict[str, Any]:
        return {
            "id": enrollment.id,
            "student_id": enrollment.student_id,
            "course_id": enrollment.course_id,
            "course": course,
            "status": enrollment.status,
            "enrolled_at": enrollment.enrolled_at,
            "started_at": enrollment.started_at,
            "completed_at": enrollment.completed_at,
            "progress_percentage": enrollment.progress_percentage,
            "completed_lessons_count": enrollment.completed_lessons_count,
            "total_lessons_count": enrollment.total_lessons_count,
            "total_time_spent_seconds": enrollment.total_time_spent_seconds,
            "last_accessed_at": enrollment.last_accessed_at,
            "certificate_issued_at": enrollment.certificate_issued_at,
            "rating": enrollment.rating,
            "review": enrollment.review,
            "reviewed_at": enrollment.reviewed_at,
            "access_source": enrollment.access_source,
        }

    @classmethod
    def of(cls, enrollment: Enrollment, course: CourseSummary) -> EnrollmentView:
        return cls(**cls.fields_of(enrollment, course))


class LessonProgressView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    enrollment_id: UUID
    lesson_id: UUID
    status: ProgressStatus
    started_at: datetime | None
    completed_at: datetime | None
    time_spent_seconds: int
    last_position_seconds: int
    completion_percentage: Decimal
    attempts_count: int
    progress_metadata: dict[str, Any] | None

    @classmethod
    def of(cls, progress: LessonProgress) -> LessonProgressView:
        return cls(
            id=progress.id,
            enrollment_id=progress.enrollment_id,
            lesson_id=progress.lesson_id,
            status=progress.status,
            started_at=progress.started_at,
            completed_at=progress.completed_at,
            time_spent_seconds=progress.time_spent_seconds,
            last_position_seconds=progress.last_position_seconds,
            completion_percentage=progress.completion_percentage,
            attempts_count=progress.attempts_count,
            progress_metadata=progress.progress_metadata,
        )


class EnrollmentDetailView(EnrollmentView, frozen=True, kw_only=True):
    """An enrolment with the learner's progress on each lesson they have started."""

    lesson_progress: list[LessonProgressView]

    @classmethod
    def with_progress(
        cls, enrollment: Enrollment, course: CourseSummary, progress: list[LessonProgress]
    ) -> EnrollmentDetailView:
        return cls(
            **EnrollmentView.fields_of(enrollment, course),
            lesson_progress=[LessonProgressView.of(p) for p in progress],
        )


class LessonProgressResult(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to a progress report: the lesson's progress and the enrolment's new totals."""

    lesson_progress: LessonProgressView
    enrollment: EnrollmentView


class StudentSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    full_name: str
    email: str


class CourseEnrollmentView(EnrollmentView, frozen=True, kw_only=True):
    """An enrolment as the course's instructor sees it, with the learner's name and e-mail."""

    student: StudentSummary

    @classmethod
    def of_row(cls, row: EnrollmentWithStudent, course: CourseSummary) -> CourseEnrollmentView:
        enrollment = row.enrollment
        return cls(
            **EnrollmentView.fields_of(enrollment, course),
            student=StudentSummary(id=enrollment.student_id, full_name=row.student_name, email=row.student_email),
        )


class CourseEnrollmentStats(msgspec.Struct, frozen=True, kw_only=True):
    """Figures over every enrolment of a course, whatever its status.

    `average_progress` and `completion_rate` (completed / all enrolments) are percentages;
    `average_rating` is over the enrolments with a rating, null when there is none.
    """

    course_id: UUID
    total_enrollments: int
    active_count: int
    completed_count: int
    dropped_count: int
    expired_count: int
    average_progress: Decimal
    completion_rate: Decimal
    average_rating: Decimal | None
    rating_count: int

    @classmethod
    def of(cls, course_id: UUID, figures: CourseEnrollmentFigures) -> CourseEnrollmentStats:
        counts = figures.counts_by_status
        total = sum(counts.values())
        completed = counts.get(EnrollmentStatus.COMPLETED.value, 0)
        return cls(
            course_id=course_id,
            total_enrollments=total,
            active_count=counts.get(EnrollmentStatus.ACTIVE.value, 0),
            completed_count=completed,
            dropped_count=counts.get(EnrollmentStatus.DROPPED.value, 0),
            expired_count=counts.get(EnrollmentStatus.EXPIRED.value, 0),
            average_progress=as_percentage(min(figures.average_progress_bp, FULL)),
            completion_rate=as_percentage(progress_basis_points(completed, total)),
            average_rating=None
            if figures.average_rating_centi is None
            else (Decimal(figures.average_rating_centi) / 100).quantize(Decimal("0.01")),
            rating_count=figures.rating_count,
        )
