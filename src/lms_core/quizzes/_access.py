"""Loading quizzes and attempts with the access checks of `quizzes.policy` (internal to the module)."""

from __future__ import annotations

from uuid import UUID

from lms_core.courses.access import is_enrolled, load_course
from lms_core.courses.entities import Course
from lms_core.courses.policy import CourseAccess, is_course_manager
from lms_core.quizzes.entities import Attempt, Quiz
from lms_core.quizzes.policy import (
    attempt_not_found,
    quiz_not_found,
    require_can_see_quiz,
    require_may_read_questions,
    require_quiz_manager,
)
from lms_core.shared.actor import Actor
from lms_core.shared.ports import Transaction


async def load_quiz(tx: Transaction, quiz_id: UUID, *, for_update: bool = False) -> Quiz:
    """The quiz, or `QuizNotFound`. No access check."""
    quiz = await (tx.quizzes.get_for_update(quiz_id) if for_update else tx.quizzes.get(quiz_id))
    if quiz is None:
        raise quiz_not_found(quiz_id)
    return quiz


async def visible_quiz(tx: Transaction, actor: Actor, quiz_id: UUID) -> tuple[Quiz, Course]:
    """A quiz the caller may see, with its course; anything else is reported as missing."""
    quiz = await load_quiz(tx, quiz_id)
    course = await load_course(tx, quiz.course_id)
    require_can_see_quiz(actor, course, quiz, enrolled=await is_enrolled(tx, actor, course.id))
    return quiz, course


async def readable_quiz(tx: Transaction, actor: Actor, quiz_id: UUID) -> Quiz:
    """A quiz whose questions the caller may read: visible (else missing), then its lesson's content
    rule (else 403)."""
    quiz = await load_quiz(tx, quiz_id)
    course = await load_course(tx, quiz.course_id)
    enrolled = await is_enrolled(tx, actor, course.id)
    require_can_see_quiz(actor, course, quiz, enrolled=enrolled)
    lesson = await tx.lessons.get(quiz.lesson_id)
    if lesson is None:
        raise quiz_not_found(quiz_id)
    access = CourseAccess(course=course, enrolled=enrolled, manager=is_course_manager(actor, course))
    require_may_read_questions(access, quiz, lesson)
    return quiz


async def managed_quiz(
    tx: Transaction, actor: Actor, quiz_id: UUID, *, for_update: bool = False
) -> tuple[Quiz, Course]:
    """A quiz the caller manages, with its course (hidden ones missing, visible ones 403). `for_update`
    locks the quiz first, so that concurrent edits of one quiz queue up."""
    quiz = await load_quiz(tx, quiz_id, for_update=for_update)
    course = await load_course(tx, quiz.course_id)
    require_can_see_quiz(actor, course, quiz, enrolled=await is_enrolled(tx, actor, course.id))
    require_quiz_manager(actor, course)
    return quiz, course


async def load_attempt(tx: Transaction, quiz_id: UUID, attempt_id: UUID) -> tuple[Attempt, Quiz, Course]:
    """An attempt of the quiz, with its quiz and course, or `AttemptNotFound`. No access check."""
    attempt = await tx.quiz_attempts.get(attempt_id)
    if attempt is None or attempt.quiz_id != quiz_id:
        raise attempt_not_found(attempt_id)
    quiz = await load_quiz(tx, attempt.quiz_id)
    return attempt, quiz, await load_course(tx, quiz.course_id)
