"""Building quizzes in tests: a quiz lesson, its quiz and questions, published."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lms_core import Actor, Lms
from lms_core.courses.commands import CreateLesson
from lms_core.courses.entities import CourseStatus, LessonType
from lms_core.courses.views import CourseView, LessonView
from lms_core.quizzes.commands import AddQuestion, CreateQuiz
from lms_core.quizzes.entities import QuestionType
from lms_core.quizzes.views import ManagedQuestionView, QuizView

# One question of each kind, worth 10 points in all: 4 + 2 + 3 (automatic) + 1 (essay, manual).
MIXED_QUESTIONS: tuple[dict[str, Any], ...] = (
    {
        "question_type": QuestionType.MULTIPLE_CHOICE,
        "question_text": "Which are prime?",
        "options": ["2", "3", "4", "6"],
        "correct_answers": ["2", "3"],
        "partial_credit": True,
        "points": Decimal(4),
        "explanation": "4 and 6 are even and greater than 2.",
    },
    {
        "question_type": QuestionType.TRUE_FALSE,
        "question_text": "Python is dynamically typed.",
        "correct_answer": True,
        "points": Decimal(2),
    },
    {
        "question_type": QuestionType.SHORT_ANSWER,
        "question_text": "Name the keyword that defines a function.",
        "correct_answers": ["def"],
        "points": Decimal(3),
    },
    {
        "question_type": QuestionType.ESSAY,
        "question_text": "Why do you want to learn Python?",
        "points": Decimal(1),
    },
)

# Automatic grading only: a 5-point multiple-choice question and a 5-point true/false one.
AUTO_QUESTIONS: tuple[dict[str, Any], ...] = (
    {
        "question_type": QuestionType.MULTIPLE_CHOICE,
        "question_text": "2 + 2 = ?",
        "options": ["3", "4", "5"],
        "correct_answer": "4",
        "points": Decimal(5),
    },
    {
        "question_type": QuestionType.TRUE_FALSE,
        "question_text": "The earth is flat.",
        "correct_answer": False,
        "points": Decimal(5),
    },
)


@dataclass
class AuthoredQuiz:
    """A quiz lesson of a course, its quiz and its questions (with answer keys) in order."""

    course: CourseView
    lesson: LessonView
    quiz: QuizView
    questions: list[ManagedQuestionView]

    @property
    def question_ids(self) -> list[str]:
        return [str(question.id) for question in self.questions]


async def quiz_lesson(lms: Lms, owner: Actor, course: CourseView, title: str = "Check-up") -> LessonView:
    return await lms.courses.create_lesson(owner, course.id, CreateLesson(title=title, lesson_type=LessonType.QUIZ))


async def draft_quiz(
    lms: Lms, owner: Actor, course: CourseView, title: str = "Check-up", **settings: Any
) -> tuple[LessonView, QuizView]:
    """A new quiz lesson and its unpublished quiz without questions."""
    lesson = await quiz_lesson(lms, owner, course, title)
    quiz = await lms.quizzes.create_quiz(owner, course.id, CreateQuiz(lesson_id=lesson.id, title=title, **settings))
    return lesson, quiz


async def graded_quiz(
    lms: Lms,
    owner: Actor,
    course: CourseView,
    questions: tuple[dict[str, Any], ...] | list[dict[str, Any]] = AUTO_QUESTIONS,
    *,
    title: str = "Check-up",
    publish_course: bool = True,
    **settings: Any,
) -> AuthoredQuiz:
    """A quiz lesson with a published quiz and `questions` (`AddQuestion` fields), the course published
    too unless `publish_course=False`. `settings` are `CreateQuiz` fields (passing_score, max_attempts,
    time_limit_minutes, shuffle_questions, ...)."""
    lesson, quiz = await draft_quiz(lms, owner, course, title, **settings)
    added = [await lms.quizzes.add_question(owner, quiz.id, AddQuestion(**fields)) for fields in questions]
    quiz = await lms.quizzes.publish_quiz(owner, quiz.id)
    if publish_course and course.status is not CourseStatus.PUBLISHED:
        course = await lms.courses.publish_course(owner, course.id)
    return AuthoredQuiz(course=course, lesson=lesson, quiz=quiz, questions=added)
