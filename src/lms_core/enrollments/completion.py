"""Completing lessons: the one path by which a lesson gets done for learners and their enrolments follow.

Learners' progress reports, passed quizzes (one attempt or a whole regrade) and changes to a course's
lessons all come through `LessonCompletion`, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from lms_core.enrollments.entities import FULL, EnrollmentStatus
from lms_core.enrollments.events import EnrollmentCompleted
from lms_core.shared.ports import Transaction


class LessonCompletion:
    """Lesson completion and the progress and completion of enrolments that follow from it.

    Rules:
    - a completed lesson stays completed; completing it again changes nothing and reports nothing;
    - course progress is completed required lessons / required lessons, truncated to 0.01 %; when every
      required lesson is done the enrolment is completed, once (a conditional update), and
      `EnrollmentCompleted` is recorded in the outbox; completed enrolments are final;
    - everything runs in the caller's transaction, so aggregates change with the row that caused them;
    - locks are taken in the documented order, course, lesson, enrolment, attempt: `hold` takes the
      course and lesson levels (shared: the lesson cannot be deleted meanwhile, while others may complete
      it too) and then the enrolments in id order, so a caller that will lock attempts calls it first.

    It is also the courses module's `LessonChangeListener`: a change to a course's set of required lessons
    recomputes the progress of its active enrolments (the caller holds the course's lock).
    """

    async def hold(
        self,
        tx: Transaction,
        *,
        course_ids: Collection[UUID],
        lesson_ids: Collection[UUID],
        enrollment_ids: Collection[UUID] = (),
    ) -> set[UUID]:
        """Lock the courses and lessons (shared), then the enrolments; the ids of the lessons that still
        exist. The course level is taken explicitly because writing an enrolment twice in a transaction
        makes PostgreSQL check its course's foreign key (a shared lock on the course) at that point, which
        would otherwise come after the enrolment's lock and against the order."""
        present = await tx.lesson_progress.hold_lessons(sorted(set(course_ids)), sorted(set(lesson_ids)))
        if enrollment_ids:
            await tx.enrollments.lock(sorted(set(enrollment_ids)))
        return present

    async def complete(
        self, tx: Transaction, course_id: UUID, lesson_id: UUID, enrollment_ids: Collection[UUID], now: datetime
    ) -> list[UUID]:
        """Complete one lesson for many enrolments (one is a list of one): lock in order, write the completed
        lesson progress, refresh the progress of those for which it is new, complete the enrolments now
        done. Returns the enrolments for which the lesson was not completed before."""
        if not enrollment_ids:
            return []
        if not await self.hold(tx, course_ids=[course_id], lesson_ids=[lesson_id], enrollment_ids=enrollment_ids):
            return []  # deleted: nothing left to complete (the deletion refreshed everyone's progress)
        newly = await tx.lesson_progress.complete(lesson_id, sorted(set(enrollment_ids)), now=now)
        if newly:
            await self.refresh(tx, course_id, now, enrollment_ids=newly)
        return newly

    async def refresh(
        self,
        tx: Transaction,
        course_id: UUID,
        now: datetime,
        *,
        enrollment_ids: Collection[UUID] | None = None,
        held: bool = False,
    ) -> None:
        """Recompute the progress of the course's active enrolments (or of `enrollment_ids`) from the current
        lessons, and complete those whose every required lesson is done, recording `EnrollmentCompleted`.
        `held`: `tx` has already written (so locked) the rows of `enrollment_ids`."""
        finished = await tx.enrollments.refresh_progress(course_id, enrollment_ids=enrollment_ids, held=held)
        ready = [e for e in finished if e.status is EnrollmentStatus.ACTIVE and e.progress_bp >= FULL]
        if not ready:
            return
        # Conditional in the database: two transactions finishing the last lesson complete it once.
        completed = await tx.enrollments.mark_all_completed([e.id for e in ready], now=now)
        events = [
            EnrollmentCompleted(enrollment_id=e.id, student_id=e.student_id, course_id=course_id)
            for e in ready
            if e.id in completed
        ]
        if events:
            await tx.outbox.add_all(events)

    async def lessons_changed(self, tx: Transaction, course_id: UUID, now: datetime) -> None:
        await self.refresh(tx, course_id, now)
