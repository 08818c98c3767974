"""The completion rule, shared by progress updates and by lesson changes made by instructors."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from lms_core.enrollments.entities import FULL, Enrollment, EnrollmentStatus
from lms_core.enrollments.events import EnrollmentCompleted
from lms_core.shared.ports import Transaction


async def refresh_and_complete(
    tx: Transaction,
    course_id: UUID,
    now: datetime,
    *,
    enrollment_id: UUID | None = None,
    enrollment_ids: Collection[UUID] | None = None,
) -> list[Enrollment]:
    """Recompute progress of the course's active enrolments (or of one, or of `enrollment_ids`) from the
    current lessons, and complete those whose every required lesson is done, recording
    `EnrollmentCompleted` for each.

    Runs inside the caller's transaction, so the aggregates change together with the progress row or
    lesson that caused them.
    """
    finished = await tx.enrollments.refresh_progress(
        course_id, enrollment_id=enrollment_id, enrollment_ids=enrollment_ids
    )
    ready = [e for e in finished if e.status is EnrollmentStatus.ACTIVE and e.progress_bp >= FULL]
    if not ready:
        return finished
    # Conditional in the database: two requests finishing the last lesson complete it once. One statement
    # for all of them, as batch grading may complete thousands at once.
    completed = await tx.enrollments.mark_all_completed([e.id for e in ready], now=now)
    events = []
    for enrollment in ready:
        if enrollment.id in completed:
            enrollment.status, enrollment.completed_at = EnrollmentStatus.COMPLETED, now
            events.append(
                EnrollmentCompleted(enrollment_id=enrollment.id, student_id=enrollment.student_id, course_id=course_id)
            )
    if events:
        await tx.outbox.add_all(events)
    return finished


class LessonCompletionSync:
    """`LessonChangeListener` for the courses module: a change to a course's lessons recomputes the
    progress of its active enrolments and completes those now done, in the same transaction."""

    async def lessons_changed(self, tx: Transaction, course_id: UUID, now: datetime) -> None:
        await refresh_and_complete(tx, course_id, now)
