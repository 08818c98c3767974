"""State and look-ups shared by the parts of the quiz service."""

from __future__ import annotations

import random
from uuid import UUID

from lms_core.courses.access import is_enrolled
from lms_core.courses.entities import Course
from lms_core.courses.errors import CourseNotFound
from lms_core.courses.policy import can_see_course, is_course_manager, require_course_manager
from lms_core.quizzes.entities import Quiz
from lms_core.quizzes.errors import QuizNotFound
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.ports import Transaction, UnitOfWork


class QuizServiceBase:
    def __init__(self, *, uow: UnitOfWork, clock: Clock, rng: random.Random | None = None) -> None:
        self._uow = uow
        self._clock = clock
        # Shuffling needs unpredictability, not secrecy: answers are graded server-side.
        self._rng = rng or random.Random()  # noqa: S311

    async def _course(self, tx: Transaction, course_id: UUID) -> Course:
        course = await tx.courses.get(course_id)
        if course is None:
            raise CourseNotFound("no such course", details={"course_id": str(course_id)})
        return course

    async def _quiz(self, tx: Transaction, quiz_id: UUID) -> Quiz:
        quiz = await tx.quizzes.get(quiz_id)
        if quiz is None:
            raise QuizNotFound("no such quiz", details={"quiz_id": str(quiz_id)})
        return quiz

    async def _visible_quiz(self, tx: Transaction, actor: Actor, quiz_id: UUID) -> tuple[Quiz, Course]:
        """A quiz the caller may see: its course is visible to them, and it is published unless they
        manage the course. Anything else is reported as missing."""
        quiz = await self._quiz(tx, quiz_id)
        course = await self._course(tx, quiz.course_id)
        enrolled = await is_enrolled(tx, actor, course.id)
        manager = is_course_manager(actor, course)
        if not can_see_course(actor, course, enrolled=enrolled) or not (quiz.is_published or manager):
            raise QuizNotFound("no such quiz", details={"quiz_id": str(quiz_id)})
        return quiz, course

    async def _managed_quiz(self, tx: Transaction, actor: Actor, quiz_id: UUID) -> tuple[Quiz, Course]:
        quiz = await self._quiz(tx, quiz_id)
        course = await self._course(tx, quiz.course_id)
        visible = can_see_course(actor, course, enrolled=await is_enrolled(tx, actor, course.id)) and (
            quiz.is_published or is_course_manager(actor, course)
        )
        if not visible:
            # Unpublished quizzes are missing to non-managers here too, so a 403 never reveals them.
            raise QuizNotFound("no such quiz", details={"quiz_id": str(quiz_id)})
        require_course_manager(actor, course)
        return quiz, course
