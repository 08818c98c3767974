"""Grading attempts: automatic grading at submission, manual grading with its audit trail, what a
result shows to whom, and how passing a graded quiz completes its lesson, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lms_adapters.settings import Settings
from lms_core import Lms
from lms_core.enrollments.entities import EnrollmentStatus, ProgressStatus
from lms_core.enrollments.errors import QuizNotPassed
from lms_core.enrollments.events import EnrollmentCompleted
from lms_core.quizzes.commands import AddQuestion, GradeAttempt, ListMyAttempts, ManualGrade
from lms_core.quizzes.entities import AttemptStatus, QuestionType, QuizType
from lms_core.quizzes.errors import (
    AttemptInProgress,
    AttemptNotFound,
    InvalidGrade,
    NotQuizManager,
)
from lms_core.quizzes.views import AttemptTakingView
from lms_core.shared.ids import new_id
from tests.support.attempts import (
    ALL_RIGHT,
    ALL_WRONG,
    ESSAY,
    HALF_RIGHT,
    MIXED_ANSWERS,
    QuizRoom,
    audit_rows,
    classmate,
    question_id,
    quiz_room,
    sheet,
)
from tests.support.catalogue import instructor
from tests.support.flows import create_admin
from tests.support.learning import delivered
from tests.support.quizzes import MIXED_QUESTIONS, draft_quiz, graded_quiz


async def mixed_submission(lms: Lms, **settings: Any) -> tuple[QuizRoom, AttemptTakingView]:
    room = await quiz_room(lms, MIXED_QUESTIONS, **settings)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, MIXED_ANSWERS))
    return room, attempt


def essay_grade(attempt: AttemptTakingView, points: str, feedback: str | None = None) -> GradeAttempt:
    return GradeAttempt(
        grades=[ManualGrade(question_id=question_id(attempt, ESSAY), points=Decimal(points), feedback=feedback)]
    )


# -- grading at submission ------------------------------------------------------------------------------


async def test_objective_questions_are_graded_and_the_rest_waits_for_a_person(lms: Lms) -> None:
    room = await quiz_room(lms, MIXED_QUESTIONS, passing_score=70)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    result = await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, MIXED_ANSWERS))
    assert result.status is AttemptStatus.SUBMITTED and result.graded_at is None
    assert (result.score, result.max_score, result.percentage) == (Decimal("7.00"), Decimal("10.00"), Decimal("70.00"))
    assert result.is_passed is None  # undecided until the essay is graded
    by_text = {q.question_text: q for q in result.questions}
    assert (by_text["Which are prime?"].points_awarded, by_text["Which are prime?"].is_correct) == (
        Decimal("2.00"),
        False,
    )
    assert by_text["Name the keyword that defines a function."].is_correct is True
    essay = by_text[ESSAY]
    assert (essay.graded_by, essay.points_awarded, essay.is_correct) == ("pending", None, None)
    assert essay.answer == "To automate my job."


async def test_an_unanswered_essay_needs_no_person(lms: Lms) -> None:
    room = await quiz_room(lms, MIXED_QUESTIONS)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    answers = {text: answer for text, answer in MIXED_ANSWERS.items() if text != ESSAY}
    result = await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, answers))
    assert result.status is AttemptStatus.GRADED and result.is_passed is True and result.score == Decimal("7.00")


async def test_percentages_are_truncated_to_hundredths(lms: Lms) -> None:
    thirds = [
        {"question_type": QuestionType.TRUE_FALSE, "question_text": f"Claim {n}", "correct_answer": True}
        for n in range(3)
    ]
    room = await quiz_room(lms, thirds, passing_score=67)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    two_of_three = {"Claim 0": True, "Claim 1": True, "Claim 2": False}
    result = await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, two_of_three))
    assert (result.score, result.percentage, result.is_passed) == (Decimal("2.00"), Decimal("66.66"), False)


# -- manual grading -------------------------------------------------------------------------------------


async def test_a_manager_grades_the_essay_and_the_attempt_becomes_graded(lms: Lms, settings: Settings) -> None:
    room, attempt = await mixed_submission(lms, passing_score=75)
    result = await lms.quizzes.grade_attempt(
        room.owner, room.quiz_id, attempt.id, essay_grade(attempt, "0.5", " Good ")
    )
    assert result.status is AttemptStatus.GRADED and result.graded_at is not None
    assert (result.score, result.percentage, result.is_passed) == (Decimal("7.50"), Decimal("75.00"), True)
    essay = next(q for q in result.questions if q.question_text == ESSAY)
    assert (essay.graded_by, essay.points_awarded, essay.is_correct, essay.feedback) == (
        "manual", Decimal("0.50"), False, "Good",
    )  # fmt: skip
    # An admin changes the grade; every grading leaves an audit row with the scores before and after.
    admin = await create_admin(lms)
    regraded = await lms.quizzes.grade_attempt(admin, room.quiz_id, attempt.id, essay_grade(attempt, "1"))
    assert (regraded.score, regraded.is_passed) == (Decimal("8.00"), True)
    assert next(q for q in regraded.questions if q.question_text == ESSAY).is_correct is True
    rows = await audit_rows(settings.database_url, attempt.id)
    assert [
        (r["reason"], r["old_score_centi"], r["new_score_centi"], r["old_passed"], r["new_passed"]) for r in rows
    ] == [
        ("manual_grade", 700, 750, None, True),
        ("manual_grade", 750, 800, True, True),
    ]
    seen_by_learner = await lms.quizzes.get_attempt(room.learner, room.quiz_id, attempt.id)
    assert seen_by_learner.score == Decimal("8.00") and seen_by_learner.status is AttemptStatus.GRADED


@pytest.mark.parametrize(
    ("grades", "why"),
    [
        (
            lambda a: [ManualGrade(question_id=question_id(a, ESSAY), points=Decimal("1.01"))],
            "worth 1.00 points at most",
        ),
        (lambda a: [ManualGrade(question_id=question_id(a, ESSAY), points=Decimal("0.125"))], "two decimals"),
        (lambda a: [ManualGrade(question_id=question_id(a, ESSAY), points=Decimal("-1"))], "at least 0"),
        (lambda a: [ManualGrade(question_id=question_id(a, ESSAY), points=Decimal("NaN"))], "at least 0"),
        (lambda a: [ManualGrade(question_id=question_id(a, "Which are prime?"), points=Decimal(4))], "automatically"),
        (lambda a: [ManualGrade(question_id=new_id(), points=Decimal(0))], "not part of this attempt"),
        (lambda a: [ManualGrade(question_id=question_id(a, ESSAY), points=Decimal(0))] * 2, "more than once"),
    ],
)
async def test_invalid_grades_are_refused(lms: Lms, settings: Settings, grades: Any, why: str) -> None:
    room, attempt = await mixed_submission(lms)
    with pytest.raises(InvalidGrade, match=why):
        await lms.quizzes.grade_attempt(room.owner, room.quiz_id, attempt.id, GradeAttempt(grades=grades(attempt)))
    assert (await lms.quizzes.get_attempt(room.owner, room.quiz_id, attempt.id)).status is AttemptStatus.SUBMITTED
    assert await audit_rows(settings.database_url, attempt.id) == []


async def test_only_course_managers_grade_submitted_attempts(lms: Lms) -> None:
    room, attempt = await mixed_submission(lms)
    grade = essay_grade(attempt, "1")
    with pytest.raises(NotQuizManager):
        await lms.quizzes.grade_attempt(room.learner, room.quiz_id, attempt.id, grade)
    for stranger in (await instructor(lms, "stranger@example.com"), await classmate(lms, room, "mate@example.com")):
        with pytest.raises(AttemptNotFound):
            await lms.quizzes.grade_attempt(stranger, room.quiz_id, attempt.id, grade)
    # An attempt in progress is not graded yet.
    mate = await classmate(lms, room, "mate2@example.com")
    open_attempt = await lms.quizzes.start_attempt(mate, room.quiz_id)
    with pytest.raises(AttemptInProgress):
        await lms.quizzes.grade_attempt(room.owner, room.quiz_id, open_attempt.id, essay_grade(open_attempt, "1"))


# -- results --------------------------------------------------------------------------------------------


async def test_results_show_correct_answers_once_closed_when_the_quiz_allows(lms: Lms) -> None:
    room = await quiz_room(lms, MIXED_QUESTIONS)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    in_progress = await lms.quizzes.get_attempt(room.learner, room.quiz_id, attempt.id)
    assert not in_progress.correct_answers_shown
    assert all(
        q.correct_answers is None and q.explanation is None and q.graded_by is None for q in in_progress.questions
    )
    result = await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, MIXED_ANSWERS))
    assert result.correct_answers_shown
    prime = next(q for q in result.questions if q.question_text == "Which are prime?")
    assert sorted(prime.correct_answers or []) == ["2", "3"] and prime.explanation is not None


async def test_results_hide_correct_answers_from_learners_when_the_quiz_says_so(lms: Lms) -> None:
    room = await quiz_room(lms, MIXED_QUESTIONS, show_correct_answers=False)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    result = await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, MIXED_ANSWERS))
    assert not result.correct_answers_shown
    assert all(q.correct_answers is None and q.explanation is None for q in result.questions)
    assert {q.is_correct for q in result.questions} == {False, True, None}  # correctness is still shown
    for manager in (room.owner, await create_admin(lms)):
        managed = await lms.quizzes.get_attempt(manager, room.quiz_id, attempt.id)
        assert managed.correct_answers_shown and all(
            q.correct_answers for q in managed.questions if q.question_text != ESSAY
        )


async def test_an_attempt_is_visible_to_its_student_and_the_course_managers_only(lms: Lms) -> None:
    room = await quiz_room(lms)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    for reader in (room.learner, room.owner, await create_admin(lms)):
        assert (await lms.quizzes.get_attempt(reader, room.quiz_id, attempt.id)).id == attempt.id
    for stranger in (await instructor(lms, "stranger@example.com"), await classmate(lms, room, "mate@example.com")):
        with pytest.raises(AttemptNotFound):
            await lms.quizzes.get_attempt(stranger, room.quiz_id, attempt.id)
        assert (await lms.quizzes.my_attempts(stranger, room.quiz_id, ListMyAttempts())).total == 0
    with pytest.raises(AttemptNotFound):
        await lms.quizzes.get_attempt(room.learner, room.quiz_id, new_id())


async def test_my_attempts_are_paginated_latest_first(lms: Lms) -> None:
    room = await quiz_room(lms)
    for _ in range(3):
        attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
        await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, HALF_RIGHT))
    page = await lms.quizzes.my_attempts(room.learner, room.quiz_id, ListMyAttempts(page=2, page_size=2))
    assert (page.total, page.page, page.page_size, [a.attempt_number for a in page.items]) == (3, 2, 2, [1])
    assert page.items[0].percentage == Decimal("50.00") and page.items[0].is_passed is False


# -- completion -----------------------------------------------------------------------------------------


async def test_passing_a_graded_quiz_completes_its_lesson_and_the_course(lms: Lms) -> None:
    room = await quiz_room(lms)
    await lms.enrollments.complete_lesson(room.learner, room.enrollment.id, room.text_lesson_ids[0])
    failed = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    await lms.quizzes.submit_attempt(room.learner, room.quiz_id, failed.id, sheet(failed, HALF_RIGHT))
    assert await _quiz_lesson_status(lms, room) is None
    passed = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    await lms.quizzes.submit_attempt(room.learner, room.quiz_id, passed.id, sheet(passed, ALL_RIGHT))
    assert await _quiz_lesson_status(lms, room) is ProgressStatus.COMPLETED
    detail = await lms.enrollments.get_enrollment(room.learner, room.enrollment.id)
    assert detail.status is EnrollmentStatus.COMPLETED and detail.progress_percentage == Decimal("100.00")
    assert len(await delivered(lms, EnrollmentCompleted)) == 1
    # A later failed attempt takes nothing back: the best attempt counts.
    later = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    await lms.quizzes.submit_attempt(room.learner, room.quiz_id, later.id, sheet(later, ALL_WRONG))
    assert await _quiz_lesson_status(lms, room) is ProgressStatus.COMPLETED
    assert (await lms.enrollments.get_enrollment(room.learner, room.enrollment.id)).status is EnrollmentStatus.COMPLETED


async def test_a_practice_quiz_never_completes_its_lesson(lms: Lms) -> None:
    room = await quiz_room(lms, quiz_type=QuizType.PRACTICE)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    result = await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_RIGHT))
    assert result.is_passed is True
    assert await _quiz_lesson_status(lms, room) is None
    # ... and does not stand in the way of completing it by hand.
    done = await lms.enrollments.complete_lesson(room.learner, room.enrollment.id, room.quiz_lesson_id)
    assert done.lesson_progress.status is ProgressStatus.COMPLETED


async def test_completing_a_graded_quiz_lesson_by_hand_needs_a_pass(lms: Lms) -> None:
    room = await quiz_room(lms)
    with pytest.raises(QuizNotPassed):
        await lms.enrollments.complete_lesson(room.learner, room.enrollment.id, room.quiz_lesson_id)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_WRONG))
    with pytest.raises(QuizNotPassed):
        await lms.enrollments.complete_lesson(room.learner, room.enrollment.id, room.quiz_lesson_id)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_RIGHT))
    again = await lms.enrollments.complete_lesson(room.learner, room.enrollment.id, room.quiz_lesson_id)
    assert again.lesson_progress.status is ProgressStatus.COMPLETED  # idempotent once passed


async def test_quiz_lessons_without_a_published_quiz_complete_by_hand(lms: Lms) -> None:
    room = await quiz_room(lms)
    lesson, draft = await draft_quiz(lms, room.owner, room.course, "Not yet")
    await lms.quizzes.add_question(
        room.owner, draft.id, AddQuestion(question_type=QuestionType.TRUE_FALSE, question_text="Q", correct_answer=True)
    )
    done = await lms.enrollments.complete_lesson(room.learner, room.enrollment.id, lesson.id)
    assert done.lesson_progress.status is ProgressStatus.COMPLETED


async def test_a_manual_grade_that_passes_completes_the_lesson(lms: Lms) -> None:
    room, attempt = await mixed_submission(lms, passing_score=80)
    assert await _quiz_lesson_status(lms, room) is None
    await lms.quizzes.grade_attempt(room.owner, room.quiz_id, attempt.id, essay_grade(attempt, "0"))
    assert await _quiz_lesson_status(lms, room) is None  # 70 % < 80 %
    await lms.quizzes.grade_attempt(room.owner, room.quiz_id, attempt.id, essay_grade(attempt, "1"))
    assert await _quiz_lesson_status(lms, room) is ProgressStatus.COMPLETED  # 80 %


async def test_each_quiz_counts_for_its_own_lesson(lms: Lms) -> None:
    room = await quiz_room(lms)
    second = await graded_quiz(lms, room.owner, room.course, title="Second check")
    attempt = await lms.quizzes.start_attempt(room.learner, second.quiz.id)
    await lms.quizzes.submit_attempt(room.learner, second.quiz.id, attempt.id, sheet(attempt, ALL_RIGHT))
    assert await _quiz_lesson_status(lms, room) is None
    with pytest.raises(QuizNotPassed):
        await lms.enrollments.complete_lesson(room.learner, room.enrollment.id, room.quiz_lesson_id)
    await lms.enrollments.complete_lesson(room.learner, room.enrollment.id, second.lesson.id)


async def _quiz_lesson_status(lms: Lms, room: QuizRoom) -> ProgressStatus | None:
    detail = await lms.enrollments.get_enrollment(room.learner, room.enrollment.id)
    progress = {p.lesson_id: p.status for p in detail.lesson_progress}
    status = progress.get(room.quiz_lesson_id)
    return status if status is ProgressStatus.COMPLETED else None
