"""The enrolments service: enrolling, learning progress, completion and reviews."""

from __future__ import annotations

from uuid import UUID

from lms_core.courses.access import load_course, managed_course
from lms_core.courses.entities import Course, Lesson, LessonType
from lms_core.courses.errors import LessonNotFound
from lms_core.courses.ports import CatalogueCache
from lms_core.enrollments.access import REENROLLABLE, CourseAccess
from lms_core.enrollments.commands import (
    EnrollInCourse,
    ListCourseEnrollments,
    ListMyEnrollments,
    SubmitReview,
    UpdateProgress,
)
from lms_core.enrollments.completion import LessonCompletion
from lms_core.enrollments.entities import FULL, AccessSource, Enrollment, EnrollmentStatus, LessonProgress
from lms_core.enrollments.errors import (
    AlreadyEnrolled,
    EnrollmentNotActive,
    InvalidProgress,
    LessonNotInCourse,
    PaymentRequired,
    QuizNotPassed,
    ReviewNotAllowed,
)
from lms_core.enrollments.events import EnrollmentDropped
from lms_core.enrollments.policy import (
    not_found,
    require_can_see_enrollment,
    require_may_review,
    require_open_for_enrolment,
    require_owner,
    require_owner_or_admin,
    require_records_progress,
    require_student,
)
from lms_core.enrollments.ports import (
    NoOpenAttempts,
    NoSubscriptions,
    OpenAttempts,
    ProgressChange,
    QuizGate,
    SubscriptionAccess,
)
from lms_core.enrollments.views import (
    CourseEnrollmentStats,
    CourseEnrollmentView,
    CourseSummary,
    EnrollmentDetailView,
    EnrollmentView,
    LessonProgressResult,
    LessonProgressView,
)
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.pagination import Page
from lms_core.shared.ports import Transaction, UnitOfWork


class EnrollmentService:
    """Enrolments, progress through lessons, completion and course reviews.

    Rules:
    - only students enrol, in published free courses, or in paid ones they bought or their subscription
      opens (otherwise `PaymentRequired`); access is granted and ended only through `CourseAccess`
      (`self.access`, shared with the payments module); drafts are reported as missing, like everywhere else, and
      archived courses as not open; one enrolment per student and course, enforced by the database;
      a dropped (or expired) enrolment is reactivated by enrolling again, keeping its progress;
    - dropping closes the enrolment's quiz attempts in progress with their saved answers, graded as a
      late submission is (a pass completes the quiz lesson, never the dropped enrolment), in the drop's
      transaction; those attempts stay closed after a return, which starts new ones;
    - an enrolment is visible to its student, the course's instructor and admins; to anyone else it
      does not exist (404), so its id reveals nothing; learner actions (progress, completion, review)
      are the student's own (403 for the instructor and admins); dropping: the student or an admin;
    - progress is recorded on active and completed enrolments (a completed one stays completed), on
      lessons of the enrolment's course; the video position is within the lesson's duration when it
      is known; time adds up, completion never goes down, 100 % completes the lesson; a quiz lesson
      completes only once its quiz is passed (when it has one);
    - course progress is completed required lessons / required lessons, truncated to 0.01 %; when
      every required lesson is done the enrolment is completed, once, and `EnrollmentCompleted` is
      recorded; all of it in the transaction of the progress that caused it;
    - one review per enrolment (rating 1-5, text up to 5000 characters), by its student while the
      enrolment is active or completed; submitting again replaces it;
    - the course's enrolment count (active and completed enrolments) and rating figures are
      recomputed in the same transaction as any change to them, and the catalogue cache is
      invalidated after commit;
    - course enrolment lists and statistics are for the course's instructor and admins.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        completion: LessonCompletion,
        quiz_gate: QuizGate,
        catalogue_cache: CatalogueCache,
        open_attempts: OpenAttempts | None = None,
        subscriptions: SubscriptionAccess | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._completion = completion
        self._quiz_gate = quiz_gate
        self._catalogue = catalogue_cache
        self._open_attempts = open_attempts or NoOpenAttempts()
        self._subscriptions = subscriptions or NoSubscriptions()
        self._access = CourseAccess(completion=completion, invalidate_catalogue=self._invalidate_catalogue_after_commit)

    @property
    def access(self) -> CourseAccess:
        """The entitlement rule, for the modules that grant or end access (payments)."""
        return self._access

    # -- enrolling ------------------------------------------------------------------------------

    async def enroll(self, actor: Actor, command: EnrollInCourse) -> EnrollmentView:
        """Enrol the calling student in a course, or reactivate their dropped enrolment. A paid course is
        open to a learner who bought it (and dropped it since) or whose subscription grants access."""
        student_id = require_student(actor)
        async with self._uow.begin() as tx:
            # Locked first: the course's counters are recomputed below from a fresh count.
            course = await load_course(tx, command.course_id, for_update=True)
            require_open_for_enrolment(course)
            now = self._clock.now()
            existing = await tx.enrollments.find(student_id, course.id)
            if existing is not None and existing.status not in REENROLLABLE:
                raise _already_enrolled(existing)
            source, ref = AccessSource.FREE, None
            if not course.is_free:
                if (
                    existing is not None
                    and existing.status is EnrollmentStatus.DROPPED
                    and existing.access_source is AccessSource.PAYMENT
                ):
                    source, ref = AccessSource.PAYMENT, existing.access_ref  # bought, left, back: still theirs
                elif (subscription := await self._subscriptions.granting_subscription(tx, student_id, now)) is not None:
                    source, ref = AccessSource.SUBSCRIPTION, subscription
                    await self._subscriptions.record_course_access(tx, subscription)
                else:
                    raise PaymentRequired("this course is paid; buy it to enrol", details={"course_id": str(course.id)})
            enrollment_id = await self._access.grant(
                tx, course=course, student_id=student_id, source=source, ref=ref, now=now
            )
            result = await _load(tx, enrollment_id)
            await tx.commit()
        return EnrollmentView.of(result, CourseSummary.of(course))

    async def drop(self, actor: Actor, enrollment_id: UUID) -> EnrollmentView:
        """Leave a course. Only an active enrolment is dropped; its progress is kept for a return, and its
        quiz attempts in progress are closed with their saved answers, in the same transaction."""
        async with self._uow.begin() as tx:
            enrollment = await _load(tx, enrollment_id)
            # Locked before the enrolment changes: counters are recomputed from a fresh count (lock order).
            course = await load_course(tx, enrollment.course_id, for_update=True)
            require_owner_or_admin(actor, enrollment, course)
            now = self._clock.now()
            # Then the lessons of the quizzes being taken (shared) and the enrolment, before anything is
            # written: course, lesson, enrolment, attempt. No attempt starts meanwhile: starting needs
            # the course's shared lock, which waits for this transaction.
            lessons = await self._open_attempts.quiz_lessons(tx, enrollment.id)
            await self._completion.hold(tx, course_ids=[course.id], lesson_ids=lessons, enrollment_ids=[enrollment.id])
            if not await tx.enrollments.mark_dropped(enrollment.id, now=now):
                raise EnrollmentNotActive(
                    "only an active enrolment can be dropped", details={"status": enrollment.status.value}
                )
            # Closed once dropped, so that a pass among them completes the quiz lesson but never the enrolment.
            await self._open_attempts.close_all(tx, enrollment.id, now)
            await tx.outbox.add(
                EnrollmentDropped(enrollment_id=enrollment.id, student_id=enrollment.student_id, course_id=course.id)
            )
            await tx.enrollments.update_course_counters(course.id)
            self._invalidate_catalogue_after_commit(tx)
            result = await _load(tx, enrollment.id)
            await tx.commit()
        return EnrollmentView.of(result, CourseSummary.of(course))

    # -- reading --------------------------------------------------------------------------------

    async def my_enrollments(self, actor: Actor, query: ListMyEnrollments) -> Page[EnrollmentView]:
        """The caller's enrolments, newest first, optionally of one status."""
        student_id = actor.require_user()
        async with self._uow.begin(write=False) as tx:
            items, total = await tx.enrollments.list_for_student(student_id, query)
            courses = await tx.enrollments.courses_by_id({e.course_id for e in items}) if items else {}
        return query.page_of([EnrollmentView.of(e, CourseSummary.of(courses[e.course_id])) for e in items], total)

    async def get_enrollment(self, actor: Actor, enrollment_id: UUID) -> EnrollmentDetailView:
        """One enrolment with the learner's progress on each lesson started."""
        async with self._uow.begin(write=False) as tx:
            enrollment = await _load(tx, enrollment_id)
            course = await load_course(tx, enrollment.course_id)
            require_can_see_enrollment(actor, enrollment, course)
            progress = await tx.lesson_progress.list_for_enrollment(enrollment.id)
        return EnrollmentDetailView.with_progress(enrollment, CourseSummary.of(course), progress)

    # -- progress -------------------------------------------------------------------------------

    async def update_progress(
        self, actor: Actor, enrollment_id: UUID, lesson_id: UUID, command: UpdateProgress
    ) -> LessonProgressResult:
        """Record time, video position and completion of one lesson; 100 % completes it."""
        completion_bp = None if command.completion_percentage is None else int(command.completion_percentage * 100)
        return await self._record(
            actor,
            enrollment_id,
            lesson_id,
            add_seconds=command.time_spent_seconds,
            position_seconds=command.last_position_seconds,
            completion_bp=completion_bp,
            complete=completion_bp == FULL,
        )

    async def complete_lesson(self, actor: Actor, enrollment_id: UUID, lesson_id: UUID) -> LessonProgressResult:
        """Mark a lesson done (idempotent). A quiz lesson needs its quiz passed, when it has one."""
        return await self._record(
            actor, enrollment_id, lesson_id, add_seconds=0, position_seconds=None, completion_bp=FULL, complete=True
        )

    async def _record(
        self,
        actor: Actor,
        enrollment_id: UUID,
        lesson_id: UUID,
        *,
        add_seconds: int,
        position_seconds: int | None,
        completion_bp: int | None,
        complete: bool,
    ) -> LessonProgressResult:
        async with self._uow.begin() as tx:
            found = await _load(tx, enrollment_id)
            course = await load_course(tx, found.course_id)
            require_owner(actor, found, course)
            lesson = await _lesson_of(tx, course, lesson_id)
            _check_position(lesson, position_seconds)
            # Lock order: course and lesson (shared: a deletion waits, or we find it gone), then the enrolment.
            held = await self._completion.hold(
                tx, course_ids=[course.id], lesson_ids=[lesson.id], enrollment_ids=[found.id]
            )
            if not held:
                raise _lesson_not_found(lesson.id)
            enrollment = await _load(tx, enrollment_id)
            require_records_progress(enrollment)
            gated = complete and lesson.lesson_type is LessonType.QUIZ
            if gated and await self._quiz_gate.quiz_passed(tx, enrollment.id, lesson.id) is False:
                raise QuizNotPassed("pass the lesson's quiz to complete it", details={"lesson_id": str(lesson.id)})
            now = self._clock.now()
            change = ProgressChange(
                add_seconds=add_seconds, position_seconds=position_seconds, completion_bp=completion_bp, now=now
            )
            progress = await tx.lesson_progress.record(enrollment.id, lesson.id, change)
            await tx.enrollments.record_activity(enrollment.id, add_seconds=add_seconds, now=now)
            if complete:
                if await self._completion.complete(tx, course.id, lesson.id, [enrollment.id], now):
                    progress = await _progress(tx, enrollment.id, lesson.id)
            else:
                await self._completion.refresh(tx, course.id, now, enrollment_ids=[enrollment.id])
            result = await _load(tx, enrollment.id)
            await tx.commit()
        return LessonProgressResult(
            lesson_progress=LessonProgressView.of(progress),
            enrollment=EnrollmentView.of(result, CourseSummary.of(course)),
        )

    # -- reviews --------------------------------------------------------------------------------

    async def submit_review(self, actor: Actor, enrollment_id: UUID, command: SubmitReview) -> EnrollmentView:
        """Rate and review the course of one's enrolment; a second review replaces the first."""
        text = command.review.strip() if command.review is not None else None
        async with self._uow.begin() as tx:
            enrollment = await _load(tx, enrollment_id)
            course = await load_course(tx, enrollment.course_id, for_update=True)
            require_owner(actor, enrollment, course)
            require_may_review(enrollment)
            recorded = await tx.enrollments.record_review(
                enrollment.id, rating=command.rating, review=text or None, now=self._clock.now()
            )
            if not recorded:
                raise ReviewNotAllowed("only learners with an active or completed enrolment review a course")
            await tx.enrollments.update_course_counters(course.id)
            self._invalidate_catalogue_after_commit(tx)
            result = await _load(tx, enrollment.id)
            await tx.commit()
        return EnrollmentView.of(result, CourseSummary.of(course))

    # -- for instructors ------------------------------------------------------------------------

    async def course_enrollments(
        self, actor: Actor, course_id: UUID, query: ListCourseEnrollments
    ) -> Page[CourseEnrollmentView]:
        """A course's enrolments with their students, newest first (instructor and admins)."""
        async with self._uow.begin(write=False) as tx:
            course = await managed_course(tx, actor, course_id)
            rows, total = await tx.enrollments.list_for_course(course.id, query)
        summary = CourseSummary.of(course)
        return query.page_of([CourseEnrollmentView.of_row(row, summary) for row in rows], total)

    async def course_stats(self, actor: Actor, course_id: UUID) -> CourseEnrollmentStats:
        """Enrolment counts by status, average progress, completion rate and ratings of a course."""
        async with self._uow.begin(write=False) as tx:
            course = await managed_course(tx, actor, course_id)
            figures = await tx.enrollments.course_figures(course.id)
        return CourseEnrollmentStats.of(course.id, figures)

    # -- helpers --------------------------------------------------------------------------------

    def _invalidate_catalogue_after_commit(self, tx: Transaction) -> None:
        """The catalogue shows and sorts by enrolment counts and ratings: drop it once they change."""

        async def invalidate() -> None:
            await self._catalogue.invalidate_all()

        tx.after_commit(invalidate)


def _already_enrolled(existing: Enrollment) -> AlreadyEnrolled:
    return AlreadyEnrolled(
        "you are already enrolled in this course",
        details={"enrollment_id": str(existing.id), "status": existing.status.value},
    )


def _lesson_not_found(lesson_id: UUID) -> LessonNotFound:
    return LessonNotFound("no such lesson", details={"lesson_id": str(lesson_id)})


def _check_position(lesson: Lesson, position_seconds: int | None) -> None:
    duration = lesson.duration_seconds
    if position_seconds is not None and duration is not None and position_seconds > duration:
        raise InvalidProgress(
            f"last_position_seconds is beyond the lesson's end ({duration} s)",
            details={"field": "last_position_seconds", "max": duration},
        )


async def _load(tx: Transaction, enrollment_id: UUID) -> Enrollment:
    enrollment = await tx.enrollments.get(enrollment_id)
    if enrollment is None:
        raise not_found(enrollment_id)
    return enrollment


async def _progress(tx: Transaction, enrollment_id: UUID, lesson_id: UUID) -> LessonProgress:
    progress = await tx.lesson_progress.get(enrollment_id, lesson_id)
    assert progress is not None  # written earlier in this transaction
    return progress


async def _lesson_of(tx: Transaction, course: Course, lesson_id: UUID) -> Lesson:
    lesson = await tx.lessons.get(lesson_id)
    if lesson is None:
        raise _lesson_not_found(lesson_id)
    if lesson.course_id != course.id:
        raise LessonNotInCourse(
            "the lesson is not part of this enrolment's course", details={"lesson_id": str(lesson_id)}
        )
    return lesson
