"""Quizzes and questions repositories."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import case, delete, func, insert, nulls_first, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from lms_adapters.persistence.models import lessons, quiz_questions, quizzes
from lms_core.quizzes.entities import Question, QuestionType, Quiz, QuizType

_QUIZ_FIELDS = ("id", "lesson_id", "course_id", "title", "description", "passing_score", "time_limit_minutes",
                "max_attempts", "shuffle_questions", "shuffle_options", "show_correct_answers", "is_published",
                "created_at", "updated_at")  # fmt: skip
_QUESTION_FIELDS = ("id", "quiz_id", "question_text", "points_centi", "order_index", "explanation", "options",
                    "correct_answers", "partial_credit", "question_metadata", "created_at", "updated_at")  # fmt: skip


def _to_quiz(m: Any) -> Quiz:
    return Quiz(quiz_type=QuizType(m["quiz_type"]), **{name: m[name] for name in _QUIZ_FIELDS})


def _quiz_values(quiz: Quiz, names: set[str] | None = None) -> dict[str, Any]:
    wanted = set(_QUIZ_FIELDS) | {"quiz_type"} if names is None else names
    values = {name: getattr(quiz, name) for name in wanted if name in _QUIZ_FIELDS}
    if "quiz_type" in wanted:
        values["quiz_type"] = quiz.quiz_type.value
    return values


def _to_question(m: Any) -> Question:
    return Question(question_type=QuestionType(m["question_type"]), **{name: m[name] for name in _QUESTION_FIELDS})


def _question_values(question: Question, names: set[str] | None = None) -> dict[str, Any]:
    wanted = set(_QUESTION_FIELDS) | {"question_type"} if names is None else names
    values = {name: getattr(question, name) for name in wanted if name in _QUESTION_FIELDS}
    if "question_type" in wanted:
        values["question_type"] = question.question_type.value
    return values


class SqlQuizRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, quiz: Quiz) -> None:
        await self._c.execute(insert(quizzes).values(_quiz_values(quiz)))
        quiz.changed.clear()

    async def get(self, quiz_id: UUID) -> Quiz | None:
        row = (await self._c.execute(select(quizzes).where(quizzes.c.id == quiz_id))).first()
        return _to_quiz(row._mapping) if row else None

    async def get_for_update(self, quiz_id: UUID) -> Quiz | None:
        row = (await self._c.execute(select(quizzes).where(quizzes.c.id == quiz_id).with_for_update())).first()
        return _to_quiz(row._mapping) if row else None

    async def get_by_lesson(self, lesson_id: UUID) -> Quiz | None:
        row = (await self._c.execute(select(quizzes).where(quizzes.c.lesson_id == lesson_id))).first()
        return _to_quiz(row._mapping) if row else None

    async def save(self, quiz: Quiz) -> None:
        if quiz.changed:
            await self._c.execute(
                update(quizzes).where(quizzes.c.id == quiz.id).values(_quiz_values(quiz, quiz.changed))
            )
            quiz.changed.clear()

    async def list_for_course(self, course_id: UUID) -> list[Quiz]:
        """In the order of the course outline (a sub-lesson's quiz after its parent's)."""
        lesson = aliased(lessons)
        parent = aliased(lessons)
        rows = await self._c.execute(
            select(quizzes)
            .join(lesson, lesson.c.id == quizzes.c.lesson_id)
            .outerjoin(parent, parent.c.id == lesson.c.parent_lesson_id)
            .where(quizzes.c.course_id == course_id)
            .order_by(
                func.coalesce(parent.c.order_index, lesson.c.order_index),
                nulls_first(parent.c.id),
                lesson.c.order_index,
                quizzes.c.id,
            )
        )
        return [_to_quiz(r._mapping) for r in rows]


class SqlQuestionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, question: Question) -> None:
        await self._c.execute(insert(quiz_questions).values(_question_values(question)))
        question.changed.clear()

    async def get(self, question_id: UUID) -> Question | None:
        row = (await self._c.execute(select(quiz_questions).where(quiz_questions.c.id == question_id))).first()
        return _to_question(row._mapping) if row else None

    async def save(self, question: Question) -> None:
        if question.changed:
            await self._c.execute(
                update(quiz_questions)
                .where(quiz_questions.c.id == question.id)
                .values(_question_values(question, question.changed))
            )
            question.changed.clear()

    async def delete(self, question_id: UUID) -> None:
        await self._c.execute(delete(quiz_questions).where(quiz_questions.c.id == question_id))

    async def list_for_quiz(self, quiz_id: UUID) -> list[Question]:
        rows = await self._c.execute(
            select(quiz_questions)
            .where(quiz_questions.c.quiz_id == quiz_id)
            .order_by(quiz_questions.c.order_index, quiz_questions.c.created_at, quiz_questions.c.id)
        )
        return [_to_question(r._mapping) for r in rows]

    async def set_positions(self, ordered_ids: list[UUID]) -> None:
        if not ordered_ids:
            return
        await self._c.execute(
            update(quiz_questions)
            .where(quiz_questions.c.id.in_(ordered_ids))
            .values(
                order_index=case(
                    {question_id: index for index, question_id in enumerate(ordered_ids)}, value=quiz_questions.c.id
                )
            )
        )
