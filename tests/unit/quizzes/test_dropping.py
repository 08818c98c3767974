"""Dropping an enrolment closes its attempts in progress with their saved answers, graded through the one
grading path, in the drop's transaction; nothing is saved or submitted to them afterwards."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from lms_core import Actor, Lms
from lms_core.courses.commands import UpdateLesson
from lms_core.enrollments.commands import EnrollInCourse, ListMyEnrollments
from lms_core.enrollments.entities import EnrollmentStatus, ProgressStatus
from lms_core.enrollments.errors import EnrollmentNotActive
from lms_core.quizzes.commands import ListMyAttempts
from lms_core.quizzes.entities import AttemptStatus
from lms_core.quizzes.errors import ActiveEnrollmentRequired, AttemptClosed
from lms_core.shared.clock import FixedClock
from tests.support.attempts import ALL_RIGHT, ALL_WRONG, HALF_RIGHT, classmate, outbox_counts, quiz_room, sheet


async def test_dropping_closes_an_attempt_in_progress_with_its_saved_answers(
    lms: Lms, clock: FixedClock, database_url: str
) -> None:
    room = await quiz_room(lms, time_limit_minutes=30)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    clock.advance(timedelta(minutes=5))
    await lms.quizzes.save_answers(room.learner, room.quiz_id, attempt.id, sheet(attempt, HALF_RIGHT))
    clock.advance(timedelta(minutes=2))

    dropped = await lms.enrollments.drop(room.learner, room.enrollment.id)
    assert dropped.status is EnrollmentStatus.DROPPED

    closed = await lms.quizzes.get_attempt(room.learner, room.quiz_id, attempt.id)
    assert closed.status is AttemptStatus.GRADED
    assert (closed.score, closed.percentage, closed.is_passed) == (Decimal("5.00"), Decimal("50.00"), False)
    assert closed.submitted_at == clock.now() and closed.time_taken_seconds == 7 * 60
    assert {q.question_text: q.answer for q in closed.questions} == HALF_RIGHT
    assert (await outbox_counts(database_url))["quizzes.passed"] == 0

    # Closed for good: saving and submitting answer 409, and a new attempt needs an active enrolment.
    with pytest.raises(AttemptClosed) as refused:
        await lms.quizzes.save_answers(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_RIGHT))
    assert refused.value.code == "quizzes.attempt_closed"
    with pytest.raises(AttemptClosed):
        await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_RIGHT))
    with pytest.raises(ActiveEnrollmentRequired):
        await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    after = await lms.quizzes.get_attempt(room.learner, room.quiz_id, attempt.id)
    assert (after.score, after.is_passed, after.submitted_at) == (Decimal("5.00"), False, clock.now())


async def test_a_pass_on_leaving_completes_the_quiz_lesson_but_not_the_dropped_enrolment(
    lms: Lms, database_url: str
) -> None:
    # The quiz lesson is the course's only required lesson: passing it would complete an active enrolment.
    room = await quiz_room(lms)
    await lms.courses.update_lesson(room.owner, room.text_lesson_ids[0], UpdateLesson(is_required=False))
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    await lms.quizzes.save_answers(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_RIGHT))

    dropped = await lms.enrollments.drop(room.learner, room.enrollment.id)
    assert (dropped.status, dropped.completed_at) == (EnrollmentStatus.DROPPED, None)
    closed = await lms.quizzes.get_attempt(room.learner, room.quiz_id, attempt.id)
    assert (closed.status, closed.is_passed, closed.score) == (AttemptStatus.GRADED, True, Decimal("10.00"))
    detail = await lms.enrollments.get_enrollment(room.learner, room.enrollment.id)
    assert detail.status is EnrollmentStatus.DROPPED
    assert [(p.lesson_id, p.status) for p in detail.lesson_progress] == [
        (room.quiz_lesson_id, ProgressStatus.COMPLETED)
    ]
    counts = await outbox_counts(database_url)
    assert (counts["quizzes.passed"], counts["enrollments.completed"]) == (1, 0)


async def test_a_return_keeps_the_old_attempts_closed_and_starts_afresh(lms: Lms) -> None:
    room = await quiz_room(lms, max_attempts=3)
    first = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    await lms.quizzes.save_answers(room.learner, room.quiz_id, first.id, sheet(first, ALL_WRONG))
    await lms.enrollments.drop(room.learner, room.enrollment.id)

    back = await lms.enrollments.enroll(room.learner, EnrollInCourse(course_id=room.course.id))
    assert (back.id, back.status) == (room.enrollment.id, EnrollmentStatus.ACTIVE)
    with pytest.raises(AttemptClosed):
        await lms.quizzes.submit_attempt(room.learner, room.quiz_id, first.id, sheet(first, ALL_RIGHT))
    second = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    assert second.id != first.id and second.attempt_number == 2
    result = await lms.quizzes.submit_attempt(room.learner, room.quiz_id, second.id, sheet(second, ALL_RIGHT))
    assert result.is_passed is True
    mine = await lms.quizzes.my_attempts(room.learner, room.quiz_id, ListMyAttempts())
    assert [(a.attempt_number, a.status, a.is_passed) for a in mine.items] == [
        (2, AttemptStatus.GRADED, True),
        (1, AttemptStatus.GRADED, False),
    ]


async def test_a_refused_drop_closes_nothing(lms: Lms) -> None:
    room = await quiz_room(lms)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    await lms.enrollments.drop(room.learner, room.enrollment.id)
    with pytest.raises(EnrollmentNotActive):
        await lms.enrollments.drop(room.learner, room.enrollment.id)
    other_room = await quiz_room(lms, title="Second Course", email="second@example.com")
    other = await lms.quizzes.start_attempt(other_room.learner, other_room.quiz_id)
    # Another learner's attempt, in another course, is untouched by the first learner's drop.
    assert (await lms.quizzes.attempt_in_progress(other_room.learner, other_room.quiz_id)).id == other.id
    assert (await lms.quizzes.get_attempt(room.learner, room.quiz_id, attempt.id)).status is AttemptStatus.GRADED


async def test_drops_racing_submits_and_starts_leave_no_attempt_open(lms: Lms, database_url: str) -> None:
    """On several connections (PostgreSQL; SQLite serialises writers): whichever comes first, a dropped
    enrolment keeps no attempt in progress, and each submit's answer agrees with what was stored."""
    room = await quiz_room(lms, max_attempts=3)
    submitters = [room.learner] + [await classmate(lms, room, f"submitter{n}@example.com") for n in range(1, 6)]
    starters = [await classmate(lms, room, f"starter{n}@example.com") for n in range(6)]
    enrollment_of = {}
    taking = {}
    for learner in [*submitters, *starters]:
        enrollment_of[learner] = (await lms.enrollments.my_enrollments(learner, ListMyEnrollments())).items[0].id
    for learner in submitters:
        attempt = await lms.quizzes.start_attempt(learner, room.quiz_id)
        await lms.quizzes.save_answers(learner, room.quiz_id, attempt.id, sheet(attempt, ALL_WRONG))
        taking[learner] = attempt

    async def submit(learner: Actor) -> bool:
        attempt = taking[learner]
        try:
            await lms.quizzes.submit_attempt(learner, room.quiz_id, attempt.id, sheet(attempt, ALL_RIGHT))
        except AttemptClosed:
            return False
        return True

    async def start(learner: Actor) -> bool:
        try:
            await lms.quizzes.start_attempt(learner, room.quiz_id)
        except ActiveEnrollmentRequired:
            return False
        return True

    async def drop(learner: Actor) -> None:
        await lms.enrollments.drop(learner, enrollment_of[learner])

    submitted, _ = await asyncio.gather(
        asyncio.gather(*(submit(learner) for learner in submitters)),
        asyncio.gather(*(drop(learner) for learner in submitters)),
    )
    started, _ = await asyncio.gather(
        asyncio.gather(*(start(learner) for learner in starters)),
        asyncio.gather(*(drop(learner) for learner in starters)),
    )

    for learner, won in zip(submitters, submitted, strict=True):
        [stored] = (await lms.quizzes.my_attempts(learner, room.quiz_id, ListMyAttempts())).items
        # A submit that got in first graded the submitted answers; one that came after the drop was
        # refused, and the drop had graded the saved ones.
        assert (stored.status, stored.is_passed) == (AttemptStatus.GRADED, won)
    for learner, won in zip(starters, started, strict=True):
        attempts = (await lms.quizzes.my_attempts(learner, room.quiz_id, ListMyAttempts())).items
        # A start that got in first made an attempt the drop then closed; a later one made none.
        assert [a.status for a in attempts] == ([AttemptStatus.GRADED] if won else [])
    for learner in [*submitters, *starters]:
        detail = await lms.enrollments.get_enrollment(learner, enrollment_of[learner])
        assert detail.status is EnrollmentStatus.DROPPED
    assert (await outbox_counts(database_url))["quizzes.passed"] == sum(submitted)
