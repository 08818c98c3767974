"""Ports of the enrolments module."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from lms_core.courses.entities import Course
from lms_core.courses.ports import EnrollmentLookup
from lms_core.enrollments.commands import ListCourseEnrollments, ListMyEnrollments
from lms_core.enrollments.entities import AccessSource, Enrollment, LessonProgress
from lms_core.shared.ids import UserId

if TYPE_CHECKING:
    from lms_core.shared.ports import Transaction


@dataclass(frozen=True, slots=True)
class EnrollmentWithStudent:
    enrollment: Enrollment
    student_name: str
    student_email: str


@dataclass(frozen=True, slots=True)
class CourseEnrollmentFigures:
    counts_by_status: dict[str, int]
    average_progress_bp: int
    average_rating_centi: int | None
    rating_count: int


@dataclass(frozen=True, slots=True)
class ProgressChange:
    """One learner report on one lesson, applied atomically by the repository (completion aside)."""

    add_seconds: int
    position_seconds: int | None
    completion_bp: int | None
    now: datetime


class EnrollmentRepository(EnrollmentLookup, Protocol):
    async def add(self, enrollment: Enrollment) -> None:
        """Insert; raises `AlreadyEnrolled` if the student already has an enrolment in the course."""
        ...

    async def get(self, enrollment_id: UUID) -> Enrollment | None: ...

    async def get_for_update(self, enrollment_id: UUID) -> Enrollment | None:
        """Like `get`, locking the row until the transaction ends where the database can, so that one
        learner's concurrent progress reports on one enrolment are applied one after the other."""
        ...

    async def lock(self, enrollment_ids: Sequence[UUID]) -> None:
        """Lock the enrolments (given in id order) in one statement, where the database can."""
        ...

    async def find(self, student_id: UserId, course_id: UUID) -> Enrollment | None: ...

    async def reactivate(
        self, enrollment_id: UUID, *, now: datetime, source: AccessSource = AccessSource.FREE, ref: UUID | None = None
    ) -> bool:
        """Turn a dropped (or expired) enrolment active again, enrolled anew at `now` with this access;
        False if it was neither (race-free)."""
        ...

    async def set_access(self, enrollment_id: UUID, *, source: AccessSource, ref: UUID | None) -> None: ...

    async def granted_by(self, source: AccessSource, ref: UUID) -> list[Enrollment]:
        """The active, completed and dropped enrolments this payment or subscription grants, locked."""
        ...

    async def expire(self, enrollment_ids: Collection[UUID], *, now: datetime) -> set[UUID]:
        """Set status `expired` on those active, completed or dropped (their access ended); the ids it changed."""
        ...

    async def mark_dropped(self, enrollment_id: UUID, *, now: datetime) -> bool:
        """Set status `dropped` and `dropped_at` if the enrolment is still active; False otherwise."""
        ...

    async def record_review(self, enrollment_id: UUID, *, rating: int, review: str | None, now: datetime) -> bool:
        """Store (or replace) the review if the enrolment is active or completed; False otherwise."""
        ...

    async def mark_all_completed(self, enrollment_ids: Collection[UUID], *, now: datetime) -> set[UUID]:
        """Set status `completed` and `completed_at` on those still active, in one statement: the ids of
        those it completed."""
        ...

    async def record_activity(self, enrollment_id: UUID, *, add_seconds: int, now: datetime) -> None:
        """Add time spent, set `last_accessed_at` and, the first time, `started_at`."""
        ...

    async def exists_for_course(self, course_id: UUID) -> bool: ...

    async def list_for_student(self, student_id: UserId, query: ListMyEnrollments) -> tuple[list[Enrollment], int]:
        """One page of the student's enrolments, newest first, and their total."""
        ...

    async def list_for_course(
        self, course_id: UUID, query: ListCourseEnrollments
    ) -> tuple[list[EnrollmentWithStudent], int]:
        """One page of the course's enrolments with their students, newest first, and their total."""
        ...

    async def course_figures(self, course_id: UUID) -> CourseEnrollmentFigures: ...

    async def courses_by_id(self, course_ids: Collection[UUID]) -> dict[UUID, Course]:
        """The courses of a page of enrolments, in one query."""
        ...

    async def refresh_progress(
        self, course_id: UUID, *, enrollment_ids: Collection[UUID] | None = None, held: bool = False
    ) -> list[Enrollment]:
        """Recompute lesson counts and progress of the course's active enrolments (or of `enrollment_ids`)
        from the current lessons and progress rows; return those that now have every required lesson
        done, in id order. Locks the enrolments (id order) first where the database can, unless `held`:
        the caller's transaction already holds the locks of `enrollment_ids` (it has written those rows)."""
        ...

    async def update_course_counters(self, course_id: UUID) -> None:
        """Recompute the course's enrolment count and rating figures from its enrolments."""
        ...


class LessonProgressRepository(Protocol):
    async def get(self, enrollment_id: UUID, lesson_id: UUID) -> LessonProgress | None: ...

    async def hold_lessons(self, course_ids: Sequence[UUID], lesson_ids: Sequence[UUID]) -> set[UUID]:
        """Lock the courses, then the lessons (each given in id order), in shared mode where the database
        can: none is deleted (nor a course locked for a change of its lessons) before the transaction ends,
        while others may hold them too. The ids of the lessons that exist."""
        ...

    async def record(self, enrollment_id: UUID, lesson_id: UUID, change: ProgressChange) -> LessonProgress:
        """Create the row if needed and apply a learner's report in the database: time is added, position
        set, completion never goes down, and the lesson is in progress unless completed. Completing it is
        `complete`'s alone. Safe under concurrent calls."""
        ...

    async def complete(self, lesson_id: UUID, enrollment_ids: Sequence[UUID], *, now: datetime) -> list[UUID]:
        """Mark the lesson completed (100 %) for these enrolments, creating their rows as needed; the ids of
        those for which it was not completed before (a conditional update, so each is reported once)."""
        ...

    async def list_for_enrollment(self, enrollment_id: UUID) -> list[LessonProgress]: ...


class QuizGate(Protocol):
    """How a quiz lesson counts as done. The quizzes module answers; without it, no lesson has a quiz."""

    async def quiz_passed(self, tx: Transaction, enrollment_id: UUID, lesson_id: UUID) -> bool | None:
        """None when the lesson has no quiz; otherwise whether the learner has passed it. Reads inside the
        caller's transaction."""
        ...


class NoQuizzes:
    """`QuizGate` for an engine without authored quizzes: quiz lessons are completed like any other."""

    async def quiz_passed(self, tx: Transaction, enrollment_id: UUID, lesson_id: UUID) -> bool | None:
        return None


class OpenAttempts(Protocol):
    """A learner's quiz attempts in progress, closed when their enrolment is dropped. The quizzes module
    answers; without it, there are none. Both run inside the caller's transaction."""

    async def quiz_lessons(self, tx: Transaction, enrollment_id: UUID) -> set[UUID]:
        """The lessons whose quizzes the enrolment has an attempt in progress at: the caller locks them
        (shared) and the enrolment before it changes the enrolment, as the lock order asks."""
        ...

    async def close_all(self, tx: Transaction, enrollment_id: UUID, now: datetime) -> int:
        """Close the enrolment's attempts in progress with their saved answers, graded as a late submission
        is; the caller holds the course, the lessons and the enrolment. The number closed."""
        ...


class NoOpenAttempts:
    """`OpenAttempts` for an engine without quizzes."""

    async def quiz_lessons(self, tx: Transaction, enrollment_id: UUID) -> set[UUID]:
        return set()

    async def close_all(self, tx: Transaction, enrollment_id: UUID, now: datetime) -> int:
        return 0


class SubscriptionAccess(Protocol):
    """Whether a learner's subscription opens paid courses (owned here, answered by the payments module)."""

    async def granting_subscription(self, tx: Transaction, student_id: UUID, now: datetime) -> UUID | None:
        """The id of the learner's subscription that grants access now, locked; None if there is none."""
        ...

    async def record_course_access(self, tx: Transaction, subscription_id: UUID) -> None:
        """Count one more course opened through the subscription (`courses_accessed`)."""
        ...


class NoSubscriptions:
    """An engine without the payments module: no subscription opens anything."""

    async def granting_subscription(self, tx: Transaction, student_id: UUID, now: datetime) -> UUID | None:
        return None

    async def record_course_access(self, tx: Transaction, subscription_id: UUID) -> None:
        raise LookupError("no subscriptions in this engine")
