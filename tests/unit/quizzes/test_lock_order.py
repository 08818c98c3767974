"""Paths that lock an attempt and its enrolment, racing each other on several connections.

Every path takes its locks in the documented order (course, lesson, enrolment, attempt), so none of
these races can deadlock on PostgreSQL; on SQLite the writer lock serialises them. Each test counts the
effects afterwards: grade-audit rows, lesson completions and outbox events happen exactly once.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from lms_adapters.persistence.models import lesson_progress
from lms_core import Actor, Lms
from lms_core.courses.errors import LessonNotFound
from lms_core.enrollments.commands import ListMyEnrollments, UpdateProgress
from lms_core.enrollments.entities import EnrollmentStatus, ProgressStatus
from lms_core.quizzes import _batch_grading
from lms_core.quizzes.commands import GradeAttempt, ManualGrade, RegradeQuiz, UpdateQuestion
from lms_core.quizzes.entities import AttemptStatus
from lms_core.quizzes.views import AttemptTakingView
from tests.support.attempts import (
    ESSAY,
    MIXED_ANSWERS,
    QuizRoom,
    audit_rows,
    classmate,
    outbox_counts,
    outbox_payloads,
    question_id,
    quiz_room,
    sheet,
    table_rows,
)
from tests.support.learning import classroom, enrolled_student
from tests.support.quizzes import MIXED_QUESTIONS

SYSTEM = Actor.system()
LEARNERS = 6
# MIXED_QUESTIONS are worth 4 + 2 + 3 (automatic) + 1 (essay). With these answers the automatic part
# earns 7 (partial credit on "Which are prime?"), or 9 once its key is ["2"]; the essay waits for a person.
PASS_MARK = 75
ALL_AUTO_RIGHT: dict[str, Any] = {
    "Which are prime?": ["2", "3"],
    "Python is dynamically typed.": True,
    "Name the keyword that defines a function.": "def",
}


async def learners_with_pending_attempts(lms: Lms, room: QuizRoom) -> list[tuple[Actor, UUID, AttemptTakingView]]:
    """`LEARNERS` learners, each with the course's text lesson done and one submitted attempt whose essay
    waits for a person."""
    found = []
    for n in range(LEARNERS):
        learner = room.learner if n == 0 else await classmate(lms, room, f"learner{n}@example.com")
        enrollment = (await lms.enrollments.my_enrollments(learner, ListMyEnrollments())).items[0]
        await lms.enrollments.complete_lesson(learner, enrollment.id, room.text_lesson_ids[0])
        attempt = await lms.quizzes.start_attempt(learner, room.quiz_id)
        await lms.quizzes.submit_attempt(learner, room.quiz_id, attempt.id, sheet(attempt, MIXED_ANSWERS))
        found.append((learner, enrollment.id, attempt))
    return found


def essay_grade(attempt: AttemptTakingView, points: str) -> GradeAttempt:
    return GradeAttempt(grades=[ManualGrade(question_id=question_id(attempt, ESSAY), points=Decimal(points))])


async def completed_quiz_lessons(database_url: str, lesson_id: UUID) -> list[UUID]:
    rows = await table_rows(database_url, lesson_progress)
    return sorted(
        (r["enrollment_id"] for r in rows if r["lesson_id"] == lesson_id and r["status"] == ProgressStatus.COMPLETED),
        key=str,
    )


async def test_manual_grading_racing_a_regrade_applies_both_once(
    lms: Lms, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_batch_grading, "CHUNK_SIZE", 2)  # several chunk transactions race the graders
    room = await quiz_room(lms, MIXED_QUESTIONS, passing_score=PASS_MARK)
    learners = await learners_with_pending_attempts(lms, room)
    prime = next(q for q in room.authored.questions if q.question_text == "Which are prime?")
    await lms.quizzes.update_question(room.owner, room.quiz_id, prime.id, UpdateQuestion(correct_answers=["2"]))

    outcomes = await asyncio.gather(
        lms.quizzes.regrade(SYSTEM, RegradeQuiz(quiz_id=room.quiz_id)),
        *(
            lms.quizzes.grade_attempt(room.owner, room.quiz_id, attempt.id, essay_grade(attempt, "1"))
            for _, _, attempt in learners
        ),
        return_exceptions=True,
    )
    assert [o for o in outcomes if isinstance(o, BaseException)] == []

    for learner, enrollment_id, attempt in learners:
        # Whichever came first, the attempt has the new key's 9 points and the person's 1: graded, passed.
        result = await lms.quizzes.get_attempt(learner, room.quiz_id, attempt.id)
        assert (result.score, result.is_passed, result.status) == (Decimal("10.00"), True, AttemptStatus.GRADED)
        assert sorted(row["reason"] for row in await audit_rows(database_url, attempt.id)) == [
            "manual_grade",
            "regrade",
        ]
        detail = await lms.enrollments.get_enrollment(learner, enrollment_id)
        assert (detail.status, detail.progress_percentage) == (EnrollmentStatus.COMPLETED, Decimal("100.00"))
    enrollment_ids = sorted((enrollment_id for _, enrollment_id, _ in learners), key=str)
    assert await completed_quiz_lessons(database_url, room.quiz_lesson_id) == enrollment_ids
    counts = await outbox_counts(database_url)
    assert (counts["quizzes.passed"], counts["enrollments.completed"]) == (LEARNERS, LEARNERS)
    passed = await outbox_payloads(database_url, "quizzes.passed")
    assert sorted((p["enrollment_id"] for p in passed), key=str) == [str(e) for e in enrollment_ids]
    # Nothing is left for a regrade to change: both writes survived.
    again = await lms.quizzes.regrade(SYSTEM, RegradeQuiz(quiz_id=room.quiz_id, dry_run=True))
    assert again.attempts_changed == 0


async def test_manual_grading_racing_a_submit_of_the_same_enrolment_completes_once(lms: Lms, database_url: str) -> None:
    room = await quiz_room(lms, MIXED_QUESTIONS, passing_score=PASS_MARK, max_attempts=2)
    learners = await learners_with_pending_attempts(lms, room)
    second = [await lms.quizzes.start_attempt(learner, room.quiz_id) for learner, _, _ in learners]

    outcomes = await asyncio.gather(
        *(
            lms.quizzes.grade_attempt(room.owner, room.quiz_id, attempt.id, essay_grade(attempt, "1"))
            for _, _, attempt in learners
        ),
        *(
            lms.quizzes.submit_attempt(learner, room.quiz_id, attempt.id, sheet(attempt, ALL_AUTO_RIGHT))
            for (learner, _, _), attempt in zip(learners, second, strict=True)
        ),
        return_exceptions=True,
    )
    assert [o for o in outcomes if isinstance(o, BaseException)] == []

    for (learner, enrollment_id, first), other in zip(learners, second, strict=True):
        graded = await lms.quizzes.get_attempt(learner, room.quiz_id, first.id)
        submitted = await lms.quizzes.get_attempt(learner, room.quiz_id, other.id)
        assert (graded.score, graded.is_passed, graded.status) == (Decimal("8.00"), True, AttemptStatus.GRADED)
        assert (submitted.score, submitted.is_passed, submitted.status) == (Decimal("9.00"), True, AttemptStatus.GRADED)
        assert [row["reason"] for row in await audit_rows(database_url, first.id)] == ["manual_grade"]
        assert await audit_rows(database_url, other.id) == []
        detail = await lms.enrollments.get_enrollment(learner, enrollment_id)
        assert detail.status is EnrollmentStatus.COMPLETED
    enrollment_ids = sorted((enrollment_id for _, enrollment_id, _ in learners), key=str)
    # Two passes per enrolment, one completion of its quiz lesson, one of each event.
    assert await completed_quiz_lessons(database_url, room.quiz_lesson_id) == enrollment_ids
    counts = await outbox_counts(database_url)
    assert (counts["quizzes.passed"], counts["enrollments.completed"]) == (LEARNERS, LEARNERS)


async def test_deleting_a_lesson_while_learners_report_progress_on_it_neither_deadlocks_nor_fails(
    lms: Lms, database_url: str
) -> None:
    room = await classroom(lms, title="Moving target", required=3)
    doomed, last = room.lessons[2], room.lessons[1]
    learners = []
    for n in range(LEARNERS):
        learner, enrollment = await enrolled_student(lms, room, f"reader{n}@example.com")
        await lms.enrollments.complete_lesson(learner, enrollment.id, room.lessons[0].id)
        learners.append((learner, enrollment.id))
    report = UpdateProgress(time_spent_seconds=30, completion_percentage=Decimal(50))

    deletion, *reports = await asyncio.gather(
        lms.courses.delete_lesson(room.owner, doomed.id),
        *(
            lms.enrollments.update_progress(learner, enrollment_id, doomed.id, report)
            for learner, enrollment_id in learners
        ),
        *(lms.enrollments.complete_lesson(learner, enrollment_id, last.id) for learner, enrollment_id in learners),
        return_exceptions=True,
    )
    assert deletion is None
    # A report that came after the deletion finds the lesson gone (404); nothing else goes wrong.
    assert [o for o in reports if isinstance(o, BaseException) and not isinstance(o, LessonNotFound)] == []
    assert not any(isinstance(o, LessonNotFound) for o in reports[LEARNERS:])

    rows = await table_rows(database_url, lesson_progress)
    assert [r for r in rows if r["lesson_id"] == doomed.id] == []
    for learner, enrollment_id in learners:
        detail = await lms.enrollments.get_enrollment(learner, enrollment_id)
        assert (detail.status, detail.completed_lessons_count, detail.total_lessons_count) == (
            EnrollmentStatus.COMPLETED, 2, 2,
        )  # fmt: skip
    assert (await outbox_counts(database_url))["enrollments.completed"] == LEARNERS
