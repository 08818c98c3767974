"""Batch grading: closing overdue attempts, grading what was never graded, regrading after an answer key
changed, and importing and exporting grades, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import update

from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.models import quiz_attempts
from lms_core import Actor, Lms
from lms_core.courses.errors import NotCourseManager
from lms_core.enrollments.entities import EnrollmentStatus, ProgressStatus
from lms_core.enrollments.events import EnrollmentCompleted
from lms_core.quizzes import _batch_grading as batch
from lms_core.quizzes.commands import (
    ExportGrades,
    GradeAttempt,
    GradePending,
    ImportedGrade,
    ImportGrades,
    ManualGrade,
    RegradeQuiz,
    UpdateQuestion,
)
from lms_core.quizzes.entities import DEADLINE_GRACE, AttemptStatus, QuizType
from lms_core.quizzes.errors import InvalidGrade, NotQuizManager, QuizNotFound
from lms_core.quizzes.views import AttemptTakingView, GradeRecordView
from lms_core.shared.clock import FixedClock
from tests.support.attempts import ALL_RIGHT, ALL_WRONG, QuizRoom, audit_rows, classmate, question_id, quiz_room, sheet
from tests.support.catalogue import instructor
from tests.support.flows import create_admin
from tests.support.learning import delivered
from tests.support.quizzes import MIXED_QUESTIONS

SYSTEM = Actor.system()
MC, TF = "2 + 2 = ?", "The earth is flat."
# With the key "4" (and a pass mark of 70 %): 5 of 10 points, fail. With the key changed to "5": 10, pass.
PICKS_FIVE = {MC: "5", TF: False}
ESSAY = "Why do you want to learn Python?"
MIXED_ANSWERS: dict[str, Any] = {
    "Which are prime?": ["2"],  # one of the two right choices: 2 of 4 points (partial credit)
    "Python is dynamically typed.": True,  # 2 points
    "Name the keyword that defines a function.": "def",  # 3 points
    ESSAY: "To automate my job.",  # 1 point, graded by a person
}


async def submitted(lms: Lms, room: QuizRoom, answers: dict[str, Any], email: str | None = None) -> AttemptTakingView:
    learner = room.learner if email is None else await classmate(lms, room, email)
    attempt = await lms.quizzes.start_attempt(learner, room.quiz_id)
    await lms.quizzes.submit_attempt(learner, room.quiz_id, attempt.id, sheet(attempt, answers))
    return attempt


async def change_key(lms: Lms, room: QuizRoom, text: str, **changes: Any) -> None:
    question = next(q for q in room.authored.questions if q.question_text == text)
    await lms.quizzes.update_question(room.owner, room.quiz_id, question.id, UpdateQuestion(**changes))


async def lesson_status(lms: Lms, learner: Actor, enrollment_id: UUID, lesson_id: UUID) -> ProgressStatus | None:
    detail = await lms.enrollments.get_enrollment(learner, enrollment_id)
    return next((p.status for p in detail.lesson_progress if p.lesson_id == lesson_id), None)


# -- regrade ------------------------------------------------------------------------------------------


async def test_a_regrade_recomputes_scores_from_the_new_key_audits_changes_and_completes_new_passes(
    lms: Lms, database_url: str
) -> None:
    room = await quiz_room(lms)
    await lms.enrollments.complete_lesson(room.learner, room.enrollment.id, room.text_lesson_ids[0])
    failing = await submitted(lms, room, PICKS_FIVE)  # the learner: 5 -> 10, fail -> pass
    passing = await submitted(lms, room, ALL_RIGHT, "right@example.com")  # 10 -> 5, pass -> fail
    steady = await submitted(lms, room, ALL_WRONG, "wrong@example.com")  # 0 -> 0
    await change_key(lms, room, MC, correct_answers=["5"])

    dry = await lms.quizzes.regrade(SYSTEM, RegradeQuiz(quiz_id=room.quiz_id, dry_run=True))
    assert (dry.dry_run, dry.attempts_regraded, dry.attempts_changed, dry.fail_to_pass, dry.pass_to_fail) == (
        True, 3, 2, 1, 1,
    )  # fmt: skip
    assert (await lms.quizzes.get_attempt(SYSTEM, room.quiz_id, failing.id)).score == Decimal("5.00")
    assert await audit_rows(database_url, failing.id) == []

    seen: list[tuple[int, int]] = []
    report = await lms.quizzes.regrade(
        SYSTEM, RegradeQuiz(quiz_id=room.quiz_id), progress=lambda done, total: seen.append((done, total))
    )
    assert (report.attempts_regraded, report.attempts_changed, report.fail_to_pass, report.pass_to_fail) == (3, 2, 1, 1)
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    assert [v.student_email for v in report.passed_now] == ["learner@example.com"]
    assert [v.student_email for v in report.failed_now] == ["right@example.com"]
    now_passing = report.passed_now[0]
    assert (now_passing.attempt_id, now_passing.old_score, now_passing.new_score) == (
        failing.id, Decimal("5.00"), Decimal("10.00"),
    )  # fmt: skip
    assert (now_passing.old_passed, now_passing.new_passed, now_passing.new_percentage) == (
        False, True, Decimal("100.00"),
    )  # fmt: skip

    result = await lms.quizzes.get_attempt(SYSTEM, room.quiz_id, failing.id)
    assert (result.score, result.is_passed, result.status) == (Decimal("10.00"), True, AttemptStatus.GRADED)
    mc = next(q for q in result.questions if q.question_text == MC)
    assert mc.correct_answers == ["5"] and mc.is_correct is True  # the attempt's frozen key is the new one
    assert mc.options is not None and sorted(mc.options) == ["3", "4", "5"]
    assert (await lms.quizzes.get_attempt(SYSTEM, room.quiz_id, passing.id)).is_passed is False
    assert (await lms.quizzes.get_attempt(SYSTEM, room.quiz_id, steady.id)).score == Decimal("0.00")

    [audit] = await audit_rows(database_url, failing.id)
    assert (audit["reason"], audit["old_score_centi"], audit["new_score_centi"]) == ("regrade", 500, 1000)
    assert (audit["old_passed"], audit["new_passed"]) == (False, True)
    assert len(await audit_rows(database_url, passing.id)) == 1
    assert await audit_rows(database_url, steady.id) == []

    # The new pass completes the quiz lesson, and with it the course; certificates hook on the event.
    assert await lesson_status(lms, room.learner, room.enrollment.id, room.quiz_lesson_id) is ProgressStatus.COMPLETED
    enrollment = await lms.enrollments.get_enrollment(room.learner, room.enrollment.id)
    assert enrollment.status is EnrollmentStatus.COMPLETED
    assert [e.enrollment_id for e in await delivered(lms, EnrollmentCompleted)] == [room.enrollment.id]

    again = await lms.quizzes.regrade(SYSTEM, RegradeQuiz(quiz_id=room.quiz_id))
    assert (again.attempts_regraded, again.attempts_changed, again.passed_now, again.failed_now) == (3, 0, [], [])


async def test_a_new_fail_does_not_take_a_completed_lesson_back(lms: Lms) -> None:
    room = await quiz_room(lms)
    await submitted(lms, room, ALL_RIGHT)
    assert await lesson_status(lms, room.learner, room.enrollment.id, room.quiz_lesson_id) is ProgressStatus.COMPLETED
    await change_key(lms, room, MC, correct_answers=["5"])
    report = await lms.quizzes.regrade(SYSTEM, RegradeQuiz(quiz_id=room.quiz_id))
    assert report.pass_to_fail == 1
    assert await lesson_status(lms, room.learner, room.enrollment.id, room.quiz_lesson_id) is ProgressStatus.COMPLETED


async def test_a_regrade_keeps_a_persons_grades_capped_to_a_lowered_maximum(lms: Lms, database_url: str) -> None:
    room = await quiz_room(lms, MIXED_QUESTIONS, passing_score=70)
    attempt = await submitted(lms, room, MIXED_ANSWERS)
    grades = [ManualGrade(question_id=question_id(attempt, ESSAY), points=Decimal(1), feedback="Good.")]
    graded = await lms.quizzes.grade_attempt(room.owner, room.quiz_id, attempt.id, GradeAttempt(grades=grades))
    assert (graded.score, graded.is_passed) == (Decimal("8.00"), True)
    # "2" alone becomes the right answer (4 points), and the essay is now worth half a point.
    await change_key(lms, room, "Which are prime?", correct_answers=["2"])
    await change_key(lms, room, ESSAY, points=Decimal("0.5"))

    report = await lms.quizzes.regrade(SYSTEM, RegradeQuiz(quiz_id=room.quiz_id))
    assert (report.attempts_changed, report.fail_to_pass, report.pass_to_fail) == (1, 0, 0)
    result = await lms.quizzes.get_attempt(SYSTEM, room.quiz_id, attempt.id)
    assert (result.score, result.max_score, result.percentage) == (Decimal("9.50"), Decimal("9.50"), Decimal("100.00"))
    essay = next(q for q in result.questions if q.question_text == ESSAY)
    assert (essay.graded_by, essay.points_awarded, essay.points, essay.feedback) == (
        "manual", Decimal("0.50"), Decimal("0.50"), "Good.",
    )  # fmt: skip
    [_, regrade] = await audit_rows(database_url, attempt.id)
    assert (regrade["reason"], regrade["old_score_centi"], regrade["new_score_centi"]) == ("regrade", 800, 950)


async def test_a_regrade_leaves_a_pending_manual_grade_pending(lms: Lms) -> None:
    room = await quiz_room(lms, MIXED_QUESTIONS, passing_score=70)
    attempt = await submitted(lms, room, MIXED_ANSWERS)
    await change_key(lms, room, "Which are prime?", correct_answers=["2"])
    report = await lms.quizzes.regrade(SYSTEM, RegradeQuiz(quiz_id=room.quiz_id))
    assert (report.attempts_changed, report.fail_to_pass) == (1, 0)
    result = await lms.quizzes.get_attempt(SYSTEM, room.quiz_id, attempt.id)
    assert (result.status, result.score, result.is_passed) == (AttemptStatus.SUBMITTED, Decimal("9.00"), None)


async def test_attempts_in_progress_get_the_new_key_for_their_submission(lms: Lms) -> None:
    room = await quiz_room(lms)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    await change_key(lms, room, MC, correct_answers=["5"])
    report = await lms.quizzes.regrade(SYSTEM, RegradeQuiz(quiz_id=room.quiz_id))
    assert (report.attempts_regraded, report.open_attempts_rekeyed) == (0, 1)
    result = await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, PICKS_FIVE))
    assert (result.score, result.is_passed) == (Decimal("10.00"), True)


async def test_questions_that_no_longer_fit_an_attempt_keep_its_frozen_key(lms: Lms) -> None:
    room = await quiz_room(lms)
    attempt = await submitted(lms, room, PICKS_FIVE)
    # The options change ("5" becomes "6"), so answers naming "5" cannot be judged by the new key; the
    # true/false question is deleted. Both keep the key the attempt froze.
    await change_key(lms, room, MC, options=["3", "4", "6"], correct_answers=["6"])
    tf = next(q for q in room.authored.questions if q.question_text == TF)
    await lms.quizzes.delete_question(room.owner, room.quiz_id, tf.id)
    report = await lms.quizzes.regrade(SYSTEM, RegradeQuiz(quiz_id=room.quiz_id))
    assert report.attempts_changed == 0
    assert sorted((k.question_id, k.reason) for k in report.kept_questions) == sorted(
        [
            (question_id(attempt, MC), "its options changed"),
            (tf.id, "it was deleted from the quiz"),
        ]
    )
    result = await lms.quizzes.get_attempt(SYSTEM, room.quiz_id, attempt.id)
    assert result.score == Decimal("5.00")
    assert next(q for q in result.questions if q.question_text == MC).correct_answers == ["4"]


async def test_a_regrade_works_through_the_quiz_chunk_by_chunk(lms: Lms, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "CHUNK_SIZE", 2)
    room = await quiz_room(lms)
    attempts = [await submitted(lms, room, PICKS_FIVE)]
    attempts += [await submitted(lms, room, PICKS_FIVE, f"learner{n}@example.com") for n in range(4)]
    await change_key(lms, room, MC, correct_answers=["5"])
    seen: list[tuple[int, int]] = []
    report = await lms.quizzes.regrade(
        SYSTEM, RegradeQuiz(quiz_id=room.quiz_id), progress=lambda done, total: seen.append((done, total))
    )
    assert (report.attempts_regraded, report.fail_to_pass) == (5, 5)
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert sorted(v.attempt_id for v in report.passed_now) == sorted(a.id for a in attempts)


async def test_a_new_pass_of_a_practice_quiz_completes_nothing(lms: Lms) -> None:
    room = await quiz_room(lms, quiz_type=QuizType.PRACTICE)
    await submitted(lms, room, PICKS_FIVE)
    await change_key(lms, room, MC, correct_answers=["5"])
    assert (await lms.quizzes.regrade(SYSTEM, RegradeQuiz(quiz_id=room.quiz_id))).fail_to_pass == 1
    assert await lesson_status(lms, room.learner, room.enrollment.id, room.quiz_lesson_id) is None


async def test_only_the_courses_managers_regrade_its_quizzes(lms: Lms) -> None:
    room = await quiz_room(lms)
    stranger = await instructor(lms, "stranger@example.com")
    with pytest.raises(NotCourseManager):
        await lms.quizzes.regrade(stranger, RegradeQuiz(quiz_id=room.quiz_id))
    with pytest.raises(NotCourseManager):
        await lms.quizzes.regrade(room.learner, RegradeQuiz(quiz_id=room.quiz_id))
    report = await lms.quizzes.regrade(room.owner, RegradeQuiz(quiz_id=room.quiz_id))
    assert report.attempts_regraded == 0
    admin = await create_admin(lms)
    assert (await lms.quizzes.regrade(admin, RegradeQuiz(quiz_id=room.quiz_id, dry_run=True))).dry_run


# -- pending work ---------------------------------------------------------------------------------------


async def test_overdue_attempts_are_closed_from_their_saved_answers_and_a_pass_completes_the_lesson(
    lms: Lms, clock: FixedClock
) -> None:
    room = await quiz_room(lms, time_limit_minutes=10)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    await lms.quizzes.save_answers(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_RIGHT))
    other = await classmate(lms, room, "late@example.com")
    running = await lms.quizzes.start_attempt(other, room.quiz_id)
    clock.advance(timedelta(minutes=10) + DEADLINE_GRACE)
    # Still within its grace period: left alone.
    assert (await lms.quizzes.grade_pending(SYSTEM, GradePending())).overdue_closed == 0
    clock.advance(timedelta(seconds=1))
    report = await lms.quizzes.grade_pending(SYSTEM, GradePending(course_id=room.course.id))
    assert (report.overdue_closed, report.ungraded_graded, report.passed, report.awaiting_manual) == (2, 0, 1, 0)
    closed = await lms.quizzes.get_attempt(SYSTEM, room.quiz_id, attempt.id)
    assert (closed.status, closed.score, closed.is_passed) == (AttemptStatus.GRADED, Decimal("10.00"), True)
    assert closed.time_taken_seconds == 600 and closed.submitted_at == clock.now()
    assert (await lms.quizzes.get_attempt(SYSTEM, room.quiz_id, running.id)).score == Decimal("0.00")
    assert await lesson_status(lms, room.learner, room.enrollment.id, room.quiz_lesson_id) is ProgressStatus.COMPLETED
    assert (await lms.quizzes.grade_pending(SYSTEM, GradePending())).overdue_closed == 0


async def test_submitted_attempts_never_graded_are_graded(lms: Lms, database_url: str) -> None:
    room = await quiz_room(lms, MIXED_QUESTIONS, passing_score=50)
    other = await quiz_room(lms, title="Other Course", email="other@example.com")
    attempt = await submitted(lms, room, MIXED_ANSWERS)
    right = await submitted(lms, other, ALL_RIGHT)
    await forget_results(database_url, [attempt.id, right.id])

    report = await lms.quizzes.grade_pending(SYSTEM, GradePending(quiz_id=room.quiz_id))
    assert (report.overdue_closed, report.ungraded_graded, report.awaiting_manual) == (0, 1, 1)
    result = await lms.quizzes.get_attempt(SYSTEM, room.quiz_id, attempt.id)
    assert (result.status, result.score, result.is_passed) == (AttemptStatus.SUBMITTED, Decimal("7.00"), None)
    assert {q.question_text: q.graded_by for q in result.questions}[ESSAY] == "pending"
    untouched = await lms.quizzes.get_attempt(SYSTEM, other.quiz_id, right.id)
    assert untouched.questions[0].graded_by is None

    report = await lms.quizzes.grade_pending(SYSTEM, GradePending())
    assert (report.ungraded_graded, report.passed) == (1, 1)
    assert (await lms.quizzes.get_attempt(SYSTEM, other.quiz_id, right.id)).is_passed is True
    assert await lesson_status(lms, other.learner, other.enrollment.id, other.quiz_lesson_id) is (
        ProgressStatus.COMPLETED
    )


async def test_grading_every_course_is_for_admins(lms: Lms) -> None:
    room = await quiz_room(lms)
    with pytest.raises(NotQuizManager):
        await lms.quizzes.grade_pending(room.owner, GradePending())
    with pytest.raises(NotCourseManager):
        await lms.quizzes.grade_pending(room.learner, GradePending(course_id=room.course.id))
    other = await quiz_room(lms, title="Other Course", email="other@example.com")
    with pytest.raises(QuizNotFound):
        await lms.quizzes.grade_pending(SYSTEM, GradePending(course_id=other.course.id, quiz_id=room.quiz_id))
    assert (await lms.quizzes.grade_pending(room.owner, GradePending(course_id=room.course.id))).passed == 0
    assert (await lms.quizzes.grade_pending(await create_admin(lms), GradePending())).passed == 0


# -- grade files ----------------------------------------------------------------------------------------


def line(number: int, attempt_id: object, question: object, points: str, feedback: str | None = None) -> ImportedGrade:
    return ImportedGrade(
        line=number, attempt_id=str(attempt_id), question_id=str(question), points=points, feedback=feedback
    )


async def test_an_import_applies_manual_grades_audits_them_and_completes_passes(lms: Lms, database_url: str) -> None:
    room = await quiz_room(lms, MIXED_QUESTIONS, passing_score=80)
    attempt = await submitted(lms, room, MIXED_ANSWERS)
    other = await submitted(lms, room, MIXED_ANSWERS, "other@example.com")
    grades = [
        line(2, attempt.id, question_id(attempt, ESSAY), "1", "  Well argued. "),
        line(3, other.id, question_id(other, ESSAY), "0.25"),
    ]
    report = await lms.quizzes.import_grades(SYSTEM, ImportGrades(quiz_id=room.quiz_id, grades=grades))
    assert (report.grades_applied, report.attempts_updated, report.attempts_now_graded, report.passed_now) == (
        2, 2, 2, 1,
    )  # fmt: skip
    result = await lms.quizzes.get_attempt(SYSTEM, room.quiz_id, attempt.id)
    assert (result.status, result.score, result.is_passed) == (AttemptStatus.GRADED, Decimal("8.00"), True)
    essay = next(q for q in result.questions if q.question_text == ESSAY)
    assert (essay.graded_by, essay.points_awarded, essay.feedback) == ("manual", Decimal("1.00"), "Well argued.")
    assert (await lms.quizzes.get_attempt(SYSTEM, room.quiz_id, other.id)).score == Decimal("7.25")
    [audit] = await audit_rows(database_url, attempt.id)
    assert (audit["reason"], audit["old_score_centi"], audit["new_score_centi"], audit["new_passed"]) == (
        "grade_import", 700, 800, True,
    )  # fmt: skip
    assert await lesson_status(lms, room.learner, room.enrollment.id, room.quiz_lesson_id) is ProgressStatus.COMPLETED
    # A grade given before can be changed by a later file.
    again = [line(2, attempt.id, question_id(attempt, ESSAY), "0.5")]
    await lms.quizzes.import_grades(SYSTEM, ImportGrades(quiz_id=room.quiz_id, grades=again))
    assert (await lms.quizzes.get_attempt(SYSTEM, room.quiz_id, attempt.id)).score == Decimal("7.50")


async def test_a_file_with_any_bad_line_changes_nothing_and_every_bad_line_is_reported(
    lms: Lms, database_url: str
) -> None:
    room = await quiz_room(lms, MIXED_QUESTIONS)
    attempt = await submitted(lms, room, MIXED_ANSWERS)
    essay, mc = question_id(attempt, ESSAY), question_id(attempt, "Which are prime?")
    elsewhere = await quiz_room(lms, title="Other Course", email="other@example.com")
    foreign = await submitted(lms, elsewhere, ALL_RIGHT)
    second = await submitted(lms, room, MIXED_ANSWERS, "second@example.com")
    learner = await classmate(lms, room, "busy@example.com")
    running = await lms.quizzes.start_attempt(learner, room.quiz_id)
    grades = [
        line(2, attempt.id, essay, "0.5"),  # the one good line
        line(3, "not-a-uuid", essay, "1"),
        line(4, attempt.id, essay, "1.005"),
        line(5, attempt.id, mc, "4"),
        line(6, attempt.id, essay, "0.5"),
        line(7, foreign.id, foreign.questions[0].question_id, "1"),
        line(8, attempt.id, foreign.questions[0].question_id, "1"),
        line(9, running.id, question_id(running, ESSAY), "1"),
        line(10, attempt.id, essay, "-1"),
        line(11, second.id, question_id(second, ESSAY), "2"),
        line(12, attempt.id, essay, ""),
        line(13, attempt.id, essay, "one"),
    ]
    with pytest.raises(InvalidGrade) as caught:
        await lms.quizzes.import_grades(SYSTEM, ImportGrades(quiz_id=room.quiz_id, grades=grades))
    problems = caught.value.details["problems"]
    assert [p["line"] for p in problems] == list(range(3, 14))
    reasons = {p["line"]: p["reason"] for p in problems}
    assert "not a UUID" in reasons[3]
    assert "two decimals" in reasons[4]
    assert "graded automatically" in reasons[5]
    assert "earlier line" in reasons[6]
    assert "no such attempt" in reasons[7]
    assert "not part of this attempt" in reasons[8]
    assert "in progress" in reasons[9]
    assert "at least 0" in reasons[10]
    assert "1.00 points at most" in reasons[11]
    assert "missing" in reasons[12] and "not a number" in reasons[13]
    result = await lms.quizzes.get_attempt(SYSTEM, room.quiz_id, attempt.id)
    assert result.status is AttemptStatus.SUBMITTED and result.score == Decimal("7.00")
    assert await audit_rows(database_url, attempt.id) == []


async def test_an_export_lists_every_question_of_closed_attempts_and_can_be_limited_to_pending_ones(
    lms: Lms,
) -> None:
    room = await quiz_room(lms, MIXED_QUESTIONS)
    attempt = await submitted(lms, room, MIXED_ANSWERS)
    learner = await classmate(lms, room, "busy@example.com")
    await lms.quizzes.start_attempt(learner, room.quiz_id)  # in progress: not exported
    records = [r async for r in lms.quizzes.export_grades(SYSTEM, ExportGrades(quiz_id=room.quiz_id))]
    assert len(records) == 4 and {r.attempt_id for r in records} == {attempt.id}
    by_text = {q.question_text: q.question_id for q in attempt.questions}
    essay: GradeRecordView = next(r for r in records if r.question_id == by_text[ESSAY])
    assert (essay.points, essay.graded_by, essay.max_points, essay.answer) == (
        None, "pending", Decimal("1.00"), "To automate my job.",
    )  # fmt: skip
    assert (essay.student_email, essay.attempt_number, essay.attempt_status) == (
        "learner@example.com", 1, AttemptStatus.SUBMITTED,
    )  # fmt: skip
    prime = next(r for r in records if r.question_id == by_text["Which are prime?"])
    assert (prime.points, prime.graded_by, prime.answer) == (Decimal("2.00"), "auto", ["2"])
    pending = [
        r async for r in lms.quizzes.export_grades(SYSTEM, ExportGrades(quiz_id=room.quiz_id, pending_only=True))
    ]
    assert [r.question_id for r in pending] == [by_text[ESSAY]]
    with pytest.raises(NotCourseManager):
        [r async for r in lms.quizzes.export_grades(room.learner, ExportGrades(quiz_id=room.quiz_id))]


# -- helpers --------------------------------------------------------------------------------------------


async def forget_results(database_url: str, attempt_ids: list[UUID]) -> None:
    """Turn graded attempts back into submitted ones without results (as an import of old data might)."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(quiz_attempts)
                .where(quiz_attempts.c.id.in_(attempt_ids))
                .values(status="submitted", results=None, score_centi=None, percentage_bp=None, is_passed=None)
            )
    finally:
        await engine.dispose()
