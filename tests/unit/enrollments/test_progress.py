"""Lesson progress, course progress and completion, including races and lesson changes."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import msgspec
import pytest

from lms_adapters.settings import Settings
from lms_core import Lms
from lms_core.courses.commands import CreateLesson, UpdateLesson
from lms_core.courses.entities import LessonType
from lms_core.courses.errors import LessonNotFound
from lms_core.enrollments.commands import UpdateProgress
from lms_core.enrollments.entities import EnrollmentStatus, ProgressStatus
from lms_core.enrollments.errors import (
    EnrollmentNotActive,
    EnrollmentNotFound,
    InvalidProgress,
    LessonNotInCourse,
    NotEnrollmentOwner,
    QuizNotPassed,
)
from lms_core.enrollments.events import EnrollmentCompleted
from lms_core.enrollments.views import EnrollmentView
from lms_core.shared.clock import FixedClock
from lms_core.shared.errors import InvalidInputError
from lms_core.shared.ids import new_id
from tests.support.catalogue import student, text_lesson
from tests.support.flows import create_admin
from tests.support.learning import ScriptedQuizGate, classroom, delivered, enrolled_student, with_quiz_gate


async def test_progress_adds_time_keeps_the_highest_completion_and_moves_the_position(
    lms: Lms, clock: FixedClock
) -> None:
    room = await classroom(lms, duration_minutes=10)
    learner, view = await enrolled_student(lms, room)
    lesson = room.lesson_ids[0]
    first = await lms.enrollments.update_progress(
        learner,
        view.id,
        lesson,
        UpdateProgress(time_spent_seconds=120, last_position_seconds=120, completion_percentage=Decimal("40")),
    )
    started = clock.now()
    assert first.lesson_progress.status is ProgressStatus.IN_PROGRESS
    assert first.lesson_progress.started_at == started
    assert first.lesson_progress.completion_percentage == Decimal("40.00")
    assert first.enrollment.started_at == started
    clock.advance(timedelta(minutes=5))
    second = await lms.enrollments.update_progress(
        learner,
        view.id,
        lesson,
        UpdateProgress(time_spent_seconds=30, last_position_seconds=60, completion_percentage=Decimal("20.5")),
    )
    progress = second.lesson_progress
    assert progress.time_spent_seconds == 150
    assert progress.last_position_seconds == 60  # a learner may rewind
    assert progress.completion_percentage == Decimal("40.00")  # a lower completion is ignored
    assert progress.started_at == started and progress.completed_at is None
    assert second.enrollment.total_time_spent_seconds == 150
    assert second.enrollment.last_accessed_at == clock.now()
    assert second.enrollment.started_at == started
    assert second.enrollment.progress_percentage == Decimal("0.00")
    unchanged = await lms.enrollments.update_progress(learner, view.id, lesson, UpdateProgress())
    assert unchanged.lesson_progress.last_position_seconds == 60  # no position given: kept


async def test_a_full_completion_percentage_completes_the_lesson(lms: Lms) -> None:
    room = await classroom(lms)
    learner, view = await enrolled_student(lms, room)
    result = await lms.enrollments.update_progress(
        learner, view.id, room.lesson_ids[0], UpdateProgress(completion_percentage=Decimal("100"))
    )
    assert result.lesson_progress.status is ProgressStatus.COMPLETED
    assert result.lesson_progress.completed_at is not None
    assert result.enrollment.progress_percentage == Decimal("50.00")
    assert result.enrollment.completed_lessons_count == 1
    # Later, lower reports neither un-complete the lesson nor lower the course progress.
    later = await lms.enrollments.update_progress(
        learner, view.id, room.lesson_ids[0], UpdateProgress(time_spent_seconds=5, completion_percentage=Decimal(10))
    )
    assert later.lesson_progress.status is ProgressStatus.COMPLETED
    assert later.lesson_progress.completion_percentage == Decimal("100.00")
    assert later.enrollment.progress_percentage == Decimal("50.00")


async def test_completing_a_lesson_is_idempotent(lms: Lms, clock: FixedClock) -> None:
    room = await classroom(lms, required=4)
    learner, view = await enrolled_student(lms, room)
    first = await lms.enrollments.complete_lesson(learner, view.id, room.lesson_ids[2])
    clock.advance(timedelta(hours=1))
    second = await lms.enrollments.complete_lesson(learner, view.id, room.lesson_ids[2])
    assert second.lesson_progress.completed_at == first.lesson_progress.completed_at
    assert second.lesson_progress.id == first.lesson_progress.id
    assert second.enrollment.completed_lessons_count == 1
    assert second.enrollment.progress_percentage == Decimal("25.00")


async def test_course_progress_is_truncated_to_two_decimals(lms: Lms) -> None:
    room = await classroom(lms, required=3)
    learner, view = await enrolled_student(lms, room)
    percentages = []
    for lesson in room.lesson_ids:
        percentages.append((await lms.enrollments.complete_lesson(learner, view.id, lesson)).enrollment)
    assert [e.progress_percentage for e in percentages] == [Decimal("33.33"), Decimal("66.66"), Decimal("100.00")]
    assert [str(e.progress_percentage) for e in percentages] == ["33.33", "66.66", "100.00"]


async def test_completing_every_required_lesson_completes_the_enrolment_once(lms: Lms, clock: FixedClock) -> None:
    room = await classroom(lms, required=2, optional=1)
    learner, view = await enrolled_student(lms, room)
    await lms.enrollments.complete_lesson(learner, view.id, room.lesson_ids[0])
    assert (await lms.enrollments.get_enrollment(learner, view.id)).status is EnrollmentStatus.ACTIVE
    done = await lms.enrollments.complete_lesson(learner, view.id, room.lesson_ids[1])
    assert done.enrollment.status is EnrollmentStatus.COMPLETED
    assert done.enrollment.completed_at == clock.now()
    assert done.enrollment.progress_percentage == Decimal("100.00")
    assert (done.enrollment.completed_lessons_count, done.enrollment.total_lessons_count) == (2, 2)
    # The optional lesson and further study are still recorded; the enrolment stays completed.
    clock.advance(timedelta(days=1))
    extra = await lms.enrollments.update_progress(
        learner, view.id, room.lesson_ids[2], UpdateProgress(time_spent_seconds=60, completion_percentage=Decimal(100))
    )
    assert extra.lesson_progress.status is ProgressStatus.COMPLETED
    assert extra.enrollment.status is EnrollmentStatus.COMPLETED
    assert extra.enrollment.completed_at == done.enrollment.completed_at
    assert extra.enrollment.total_time_spent_seconds == 60
    events = await delivered(lms, EnrollmentCompleted)
    assert [(e.enrollment_id, e.student_id, e.course_id) for e in events] == [
        (view.id, learner.user_id, room.course.id)
    ]


async def test_concurrent_completion_of_the_last_lesson_completes_once(lms: Lms) -> None:
    room = await classroom(lms, required=2)
    learner, view = await enrolled_student(lms, room)
    await lms.enrollments.complete_lesson(learner, view.id, room.lesson_ids[0])
    results = await asyncio.gather(
        *[lms.enrollments.complete_lesson(learner, view.id, room.lesson_ids[1]) for _ in range(6)]
    )
    assert all(r.enrollment.status is EnrollmentStatus.COMPLETED for r in results)
    assert len(await delivered(lms, EnrollmentCompleted)) == 1


async def test_concurrent_completion_of_the_last_two_lessons_completes_once(lms: Lms) -> None:
    room = await classroom(lms, required=3)
    learner, view = await enrolled_student(lms, room)
    await lms.enrollments.complete_lesson(learner, view.id, room.lesson_ids[0])
    await asyncio.gather(
        *[lms.enrollments.complete_lesson(learner, view.id, lesson) for lesson in room.lesson_ids[1:] * 3]
    )
    final = await lms.enrollments.get_enrollment(learner, view.id)
    assert final.status is EnrollmentStatus.COMPLETED
    assert (final.completed_lessons_count, final.progress_percentage) == (3, Decimal("100.00"))
    assert len(await delivered(lms, EnrollmentCompleted)) == 1


async def test_concurrent_progress_reports_all_count(lms: Lms) -> None:
    room = await classroom(lms)
    learner, view = await enrolled_student(lms, room)
    reports = [
        lms.enrollments.update_progress(
            learner,
            view.id,
            room.lesson_ids[n % 2],
            UpdateProgress(time_spent_seconds=7, completion_percentage=Decimal(n * 9)),
        )
        for n in range(10)
    ]
    await asyncio.gather(*reports)
    detail = await lms.enrollments.get_enrollment(learner, view.id)
    assert detail.total_time_spent_seconds == 70
    by_lesson = {p.lesson_id: p for p in detail.lesson_progress}
    assert by_lesson[room.lesson_ids[0]].time_spent_seconds == 35
    assert by_lesson[room.lesson_ids[0]].completion_percentage == Decimal("72.00")
    assert by_lesson[room.lesson_ids[1]].completion_percentage == Decimal("81.00")


async def test_only_the_student_records_progress(lms: Lms) -> None:
    room = await classroom(lms)
    _, view = await enrolled_student(lms, room)
    lesson = room.lesson_ids[0]
    for visible_but_not_owner in (room.owner, await create_admin(lms)):
        with pytest.raises(NotEnrollmentOwner):
            await lms.enrollments.update_progress(visible_but_not_owner, view.id, lesson, UpdateProgress())
        with pytest.raises(NotEnrollmentOwner):
            await lms.enrollments.complete_lesson(visible_but_not_owner, view.id, lesson)
    stranger = await student(lms, "stranger@example.com")
    with pytest.raises(EnrollmentNotFound):
        await lms.enrollments.update_progress(stranger, view.id, lesson, UpdateProgress())
    with pytest.raises(EnrollmentNotFound):
        await lms.enrollments.complete_lesson(stranger, new_id(), lesson)


async def test_the_lesson_must_belong_to_the_course(lms: Lms) -> None:
    room = await classroom(lms)
    other = await classroom(lms, room.owner, title="Other Course")
    learner, view = await enrolled_student(lms, room)
    with pytest.raises(LessonNotInCourse):
        await lms.enrollments.update_progress(learner, view.id, other.lesson_ids[0], UpdateProgress())
    with pytest.raises(LessonNotInCourse):
        await lms.enrollments.complete_lesson(learner, view.id, other.lesson_ids[0])
    with pytest.raises(LessonNotFound):
        await lms.enrollments.complete_lesson(learner, view.id, new_id())


async def test_the_position_stays_within_a_known_duration(lms: Lms) -> None:
    room = await classroom(lms, required=1, duration_minutes=2)
    untimed = await text_lesson(lms, room.owner, room.course, "Untimed")
    learner, view = await enrolled_student(lms, room)
    ok = await lms.enrollments.update_progress(
        learner, view.id, room.lesson_ids[0], UpdateProgress(last_position_seconds=120)
    )
    assert ok.lesson_progress.last_position_seconds == 120
    with pytest.raises(InvalidProgress) as beyond:
        await lms.enrollments.update_progress(
            learner, view.id, room.lesson_ids[0], UpdateProgress(time_spent_seconds=9, last_position_seconds=121)
        )
    assert beyond.value.details["field"] == "last_position_seconds"
    assert (await lms.enrollments.get_enrollment(learner, view.id)).total_time_spent_seconds == 0  # nothing written
    free = await lms.enrollments.update_progress(
        learner, view.id, untimed.id, UpdateProgress(last_position_seconds=9999)
    )
    assert free.lesson_progress.last_position_seconds == 9999


def test_progress_commands_validate_their_ranges() -> None:
    for body in (
        b'{"time_spent_seconds": -1}',
        b'{"time_spent_seconds": 86401}',
        b'{"last_position_seconds": -5}',
        b'{"completion_percentage": 100.01}',
        b'{"completion_percentage": -1}',
        b'{"completion_percentage": "NaN"}',
        b'{"completion_percentage": "Infinity"}',
        b'{"percent": 5}',
    ):
        with pytest.raises((msgspec.ValidationError, InvalidInputError)):
            msgspec.json.decode(body, type=UpdateProgress)
    decoded = msgspec.json.decode(b'{"completion_percentage": 33.333}', type=UpdateProgress)
    assert decoded.completion_percentage == Decimal("33.333")
    # Built in Python (library, CLI), a command is checked the same way.
    for values in ({"completion_percentage": Decimal(101)}, {"time_spent_seconds": -1}):
        with pytest.raises(InvalidInputError) as invalid:
            UpdateProgress(**values)
        assert invalid.value.code == "request.validation_failed"


async def test_dropped_enrolments_record_no_progress(lms: Lms) -> None:
    room = await classroom(lms)
    learner, view = await enrolled_student(lms, room)
    await lms.enrollments.drop(learner, view.id)
    with pytest.raises(EnrollmentNotActive):
        await lms.enrollments.update_progress(
            learner, view.id, room.lesson_ids[0], UpdateProgress(time_spent_seconds=5)
        )
    with pytest.raises(EnrollmentNotActive):
        await lms.enrollments.complete_lesson(learner, view.id, room.lesson_ids[0])


async def test_lesson_changes_keep_the_aggregates_right(lms: Lms) -> None:
    room = await classroom(lms, required=2)
    learner, view = await enrolled_student(lms, room)
    idler, idle = await enrolled_student(lms, room, "idle@example.com")
    await lms.enrollments.complete_lesson(learner, view.id, room.lesson_ids[0])

    def progress(detail: EnrollmentView) -> tuple[int, int, Decimal]:
        return (detail.completed_lessons_count, detail.total_lessons_count, detail.progress_percentage)

    added = await text_lesson(lms, room.owner, room.course, "Added later")
    assert progress(await lms.enrollments.get_enrollment(learner, view.id)) == (1, 3, Decimal("33.33"))
    assert progress(await lms.enrollments.get_enrollment(idler, idle.id)) == (0, 3, Decimal("0.00"))
    await text_lesson(lms, room.owner, room.course, "Bonus", is_required=False)
    assert progress(await lms.enrollments.get_enrollment(learner, view.id)) == (1, 3, Decimal("33.33"))
    await lms.courses.update_lesson(room.owner, added.id, UpdateLesson(is_required=False))
    assert progress(await lms.enrollments.get_enrollment(learner, view.id)) == (1, 2, Decimal("50.00"))
    await lms.courses.update_lesson(room.owner, added.id, UpdateLesson(is_required=True))
    assert progress(await lms.enrollments.get_enrollment(learner, view.id)) == (1, 3, Decimal("33.33"))
    # A completed lesson that is deleted no longer counts (its progress goes with it).
    await lms.courses.delete_lesson(room.owner, room.lesson_ids[0])
    assert progress(await lms.enrollments.get_enrollment(learner, view.id)) == (0, 2, Decimal("0.00"))
    await lms.enrollments.complete_lesson(learner, view.id, room.lesson_ids[1])
    assert progress(await lms.enrollments.get_enrollment(learner, view.id)) == (1, 2, Decimal("50.00"))
    # Deleting the only lesson left to do completes the enrolment, once.
    await lms.courses.delete_lesson(room.owner, added.id)
    finished = await lms.enrollments.get_enrollment(learner, view.id)
    assert finished.status is EnrollmentStatus.COMPLETED
    assert progress(finished) == (1, 1, Decimal("100.00"))
    # A completed enrolment is final: a new lesson does not reopen it.
    await text_lesson(lms, room.owner, room.course, "Sequel")
    after = await lms.enrollments.get_enrollment(learner, view.id)
    assert after.status is EnrollmentStatus.COMPLETED and progress(after) == (1, 1, Decimal("100.00"))
    events = await delivered(lms, EnrollmentCompleted)
    assert [e.enrollment_id for e in events] == [view.id]


async def test_quiz_lessons_complete_once_their_quiz_is_passed(lms: Lms, settings: Settings, clock: FixedClock) -> None:
    room = await classroom(lms, required=1)
    quiz = await lms.courses.create_lesson(
        room.owner, room.course.id, CreateLesson(title="Check", lesson_type=LessonType.QUIZ)
    )
    learner, view = await enrolled_student(lms, room)
    gate = ScriptedQuizGate(answer=False)
    async with with_quiz_gate(lms, settings.database_url, clock, gate) as gated:
        with pytest.raises(QuizNotPassed):
            await gated.enrollments.complete_lesson(learner, view.id, quiz.id)
        with pytest.raises(QuizNotPassed):
            await gated.enrollments.update_progress(
                learner, view.id, quiz.id, UpdateProgress(completion_percentage=Decimal(100))
            )
        partial = await gated.enrollments.update_progress(
            learner, view.id, quiz.id, UpdateProgress(time_spent_seconds=30, completion_percentage=Decimal(50))
        )
        assert partial.lesson_progress.status is ProgressStatus.IN_PROGRESS
        # Text lessons never ask the gate.
        await gated.enrollments.complete_lesson(learner, view.id, room.lesson_ids[0])
        assert gate.asked == [(view.id, quiz.id), (view.id, quiz.id)]
        gate.answer = True
        passed = await gated.enrollments.complete_lesson(learner, view.id, quiz.id)
        assert passed.lesson_progress.status is ProgressStatus.COMPLETED
        assert passed.enrollment.status is EnrollmentStatus.COMPLETED
        gate.answer = None  # a quiz lesson without a quiz completes like any other lesson
        other = await lms.courses.create_lesson(
            room.owner, room.course.id, CreateLesson(title="Reflect", lesson_type=LessonType.QUIZ)
        )
        assert (await gated.enrollments.complete_lesson(learner, view.id, other.id)).lesson_progress.completed_at
    # Without authored quizzes (the default engine), quiz lessons complete like any other.
    _, second = await enrolled_student(lms, room, "second@example.com")
    assert second.status is EnrollmentStatus.ACTIVE
