"""Who may study a course, and the one place that grants and ends that access.

A learner has a course through a free enrolment, a succeeded payment, or a subscription that grants
access (`AccessSource`). Every path that grants or ends access goes through `CourseAccess`, inside the
transaction of the change that causes it: enrolling in a free course, a subscriber enrolling in a paid
one, a payment succeeding, a refund or chargeback, a subscription ending. Ending access sets the
enrolment `expired`: its progress stays, the course's content closes, course e-mails stop, and a
certificate already issued stays valid (it records what was learnt; it is not a licence to the course).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from lms_core.courses.entities import Course
from lms_core.enrollments.completion import LessonCompletion
from lms_core.enrollments.entities import AccessSource, Enrollment, EnrollmentStatus
from lms_core.enrollments.errors import AlreadyEnrolled
from lms_core.enrollments.events import StudentEnrolled
from lms_core.shared.ids import UserId, new_id
from lms_core.shared.ports import Transaction

# Statuses from which a grant makes the enrolment active again.
REENROLLABLE = frozenset({EnrollmentStatus.DROPPED, EnrollmentStatus.EXPIRED})


class CourseAccess:
    """Grants and ends learners' access to courses (the entitlement rule).

    `invalidate_catalogue(tx)` arranges for the catalogue cache to be dropped after commit: enrolment
    counts change with access.
    """

    def __init__(self, *, completion: LessonCompletion, invalidate_catalogue: Callable[[Transaction], None]) -> None:
        self._completion = completion
        self._invalidate_catalogue = invalidate_catalogue

    async def grant(
        self,
        tx: Transaction,
        *,
        course: Course,
        student_id: UserId,
        source: AccessSource,
        ref: UUID | None,
        now: datetime,
    ) -> UUID:
        """Give the student the course (the course's row locked by the caller): a new enrolment, or their
        dropped or expired one made active again, recording `StudentEnrolled`. An enrolment that is already
        active or completed keeps going; it takes the new source if that one is stronger (a subscriber who
        buys the course keeps it after the subscription ends). The enrolment's id."""
        existing = await tx.enrollments.find(student_id, course.id)
        if existing is not None and existing.status not in REENROLLABLE:
            if source.rank > existing.access_source.rank:
                await tx.enrollments.set_access(existing.id, source=source, ref=ref)
            return existing.id
        if existing is None:
            enrollment = Enrollment(
                id=new_id(),
                student_id=student_id,
                course_id=course.id,
                status=EnrollmentStatus.ACTIVE,
                enrolled_at=now,
                access_source=source,
                access_ref=ref,
            )
            await tx.enrollments.add(enrollment)
            enrollment_id = enrollment.id
        elif await tx.enrollments.reactivate(existing.id, now=now, source=source, ref=ref):
            enrollment_id = existing.id
        else:  # made active by a concurrent request since it was read
            raise AlreadyEnrolled(
                "you are already enrolled in this course",
                details={"enrollment_id": str(existing.id), "status": existing.status.value},
            )
        await tx.outbox.add(StudentEnrolled(enrollment_id=enrollment_id, student_id=student_id, course_id=course.id))
        # The insert or the reactivation has just written the row: this transaction holds its lock.
        await self._completion.refresh(tx, course.id, now, enrollment_ids=[enrollment_id], held=True)
        await tx.enrollments.update_course_counters(course.id)
        self._invalidate_catalogue(tx)
        return enrollment_id

    async def end(self, tx: Transaction, *, source: AccessSource, ref: UUID, now: datetime) -> list[Enrollment]:
        """End the access this payment or subscription granted: its active, completed and dropped enrolments
        become `expired` (a dropped one too, so that a refunded purchase cannot be taken up again). The
        enrolments it ended (as they were before)."""
        granted = await tx.enrollments.granted_by(source, ref)
        ended_ids = await tx.enrollments.expire([enrollment.id for enrollment in granted], now=now)
        ended = [enrollment for enrollment in granted if enrollment.id in ended_ids]
        for course_id in sorted({enrollment.course_id for enrollment in ended}):
            await tx.enrollments.update_course_counters(course_id)
        if ended:
            self._invalidate_catalogue(tx)
        return ended
