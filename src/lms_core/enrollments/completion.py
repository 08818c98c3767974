"""The completion rule, shared by progress updates and by lesson changes made by instructors."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from lms_core.enrollments.entities import FULL, Enrollment, EnrollmentStatus
from lms_core.enrollments.events import EnrollmentCompleted
from lms_core.shared.ports import Transaction


async def refresh_and_complete(
    tx: Transaction, course_id: UUID, now: datetime, *, enrollment_id: UUID | None = None
) -> list[Enrollment]:
    """Recompute progress of the course's active enrolments (or of one) from the current lessons, and
    complete those whose every required lesson is done, recording `EnrollmentCompleted` for each.

    Runs inside the caller's transaction, so the aggregates change together with the progress row or
    lesson that caused them.
    """
    finished = await tx.enrollments.refresh_progress(course_id, enrollment_id=enrollment_id)
    for enrollment in finished:
        if enrollment.status is not EnrollmentStatus.ACTIVE or enrollment.progress_bp < FULL:
            continue
        # Conditional in the database: two requests finishing the last lesson complete it once.
        if not await tx.enrollments.mark_completed(enrollment.id, now=now):
            continue
        enrollment.status, enrollment.completed_at = EnrollmentStatus.COMPLETED, now
        await tx.outbox.add(
            EnrollmentCompleted(enrollment_id=enrollment.id, student_id=enrollment.student_id, course_id=course_id)
        )
    return finished
