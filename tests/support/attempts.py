"""Taking quizzes in tests: a course with a published quiz and an enrolled learner, and answer sheets
written by question text (attempts shuffle their questions, so ids and positions vary)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Table, select

from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.models import grade_audit, outbox
from lms_core import Actor, Lms
from lms_core.courses.views import CourseView
from lms_core.enrollments.commands import EnrollInCourse
from lms_core.enrollments.views import EnrollmentView
from lms_core.quizzes.commands import AnswerItem, AnswerSheet
from lms_core.quizzes.views import AttemptTakingView
from tests.support.catalogue import student
from tests.support.learning import classroom, enrolled_student
from tests.support.quizzes import AUTO_QUESTIONS, AuthoredQuiz, graded_quiz

# Answers to `AUTO_QUESTIONS` (5 + 5 points) and to `MIXED_QUESTIONS` (4 + 2 + 3 + 1), by question text.
ALL_RIGHT = {"2 + 2 = ?": "4", "The earth is flat.": False}
ALL_WRONG = {"2 + 2 = ?": "3", "The earth is flat.": True}
HALF_RIGHT = {"2 + 2 = ?": "4", "The earth is flat.": True}
ESSAY = "Why do you want to learn Python?"
MIXED_ANSWERS: dict[str, Any] = {
    "Which are prime?": ["2"],  # one of two right choices, partial credit: 2 of 4 points
    "Python is dynamically typed.": True,  # 2 points
    "Name the keyword that defines a function.": "  DEF ",  # matched ignoring case and spacing: 3 points
    ESSAY: "To automate my job.",  # waits for a person (1 point)
}


@dataclass
class QuizRoom:
    """A published course with `text_lessons` required text lessons and a published quiz lesson, and one
    enrolled learner."""

    owner: Actor
    course: CourseView
    text_lesson_ids: list[UUID]
    authored: AuthoredQuiz
    learner: Actor
    enrollment: EnrollmentView

    @property
    def quiz_id(self) -> UUID:
        return self.authored.quiz.id

    @property
    def quiz_lesson_id(self) -> UUID:
        return self.authored.lesson.id


async def quiz_room(
    lms: Lms,
    questions: tuple[dict[str, Any], ...] | list[dict[str, Any]] = AUTO_QUESTIONS,
    *,
    title: str = "Quiz Course",
    text_lessons: int = 1,
    email: str = "learner@example.com",
    **settings: Any,
) -> QuizRoom:
    room = await classroom(lms, title=title, required=text_lessons)
    authored = await graded_quiz(lms, room.owner, room.course, questions, **settings)
    learner, enrollment = await enrolled_student(lms, room, email)
    return QuizRoom(
        owner=room.owner,
        course=authored.course,
        text_lesson_ids=room.lesson_ids,
        authored=authored,
        learner=learner,
        enrollment=enrollment,
    )


async def classmate(lms: Lms, room: QuizRoom, email: str) -> Actor:
    """Another learner enrolled in the room's course."""
    learner = await student(lms, email)
    await lms.enrollments.enroll(learner, EnrollInCourse(course_id=room.course.id))
    return learner


def sheet(attempt: AttemptTakingView, by_text: dict[str, Any]) -> AnswerSheet:
    """Answers given by question text, for the attempt's own question ids."""
    ids = {q.question_text: q.question_id for q in attempt.questions}
    return AnswerSheet(answers=[AnswerItem(question_id=ids[text], answer=answer) for text, answer in by_text.items()])


def question_id(attempt: AttemptTakingView, text: str) -> UUID:
    return next(q.question_id for q in attempt.questions if q.question_text == text)


async def audit_rows(database_url: str, attempt_id: UUID) -> list[dict[str, Any]]:
    """The grade-audit rows of an attempt, oldest first (there is no reader port for them yet)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(grade_audit).where(grade_audit.c.attempt_id == attempt_id).order_by(grade_audit.c.created_at)
            )
            return [dict(r._mapping) for r in rows]
    finally:
        await engine.dispose()


async def table_rows(database_url: str, table: Table, *, leave_out: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every row of a table as a dict without the `leave_out` columns, in a stable order (for comparing
    databases whose generated ids differ)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(select(table))).all()
    finally:
        await engine.dispose()
    found = [{k: v for k, v in r._mapping.items() if k not in leave_out} for r in rows]
    return sorted(found, key=repr)


async def outbox_counts(database_url: str) -> Counter[str]:
    """How many events of each type wait in the outbox."""
    return Counter(row["event_type"] for row in await table_rows(database_url, outbox))


async def outbox_payloads(database_url: str, event_type: str) -> list[dict[str, Any]]:
    return [row["payload"] for row in await table_rows(database_url, outbox) if row["event_type"] == event_type]
