"""Quizzes, questions and attempts."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from lms_core.quizzes.errors import InvalidQuestion
from lms_core.quizzes.grading import FrozenQuestion, QuestionResult
from lms_core.shared.ids import UserId

# Submissions within this margin after the deadline still count (network latency, clock skew).
DEADLINE_GRACE = timedelta(seconds=30)
MAX_OPTIONS = 10


class QuizType(enum.StrEnum):
    PRACTICE = "practice"
    GRADED = "graded"


class QuestionType(enum.StrEnum):
    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"
    SHORT_ANSWER = "short_answer"
    ESSAY = "essay"


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    GRADED = "graded"


@dataclass(kw_only=True, slots=True)
class Quiz:
    id: UUID
    lesson_id: UUID
    course_id: UUID
    title: str
    description: str | None
    quiz_type: QuizType
    passing_score: int
    time_limit_minutes: int | None
    max_attempts: int | None
    shuffle_questions: bool
    shuffle_options: bool
    show_correct_answers: bool
    is_published: bool
    created_at: datetime
    updated_at: datetime
    changed: set[str] = field(default_factory=set, repr=False, compare=False)

    def set(self, now: datetime, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)
            self.changed.add(name)
        self.updated_at = now
        self.changed.add("updated_at")


@dataclass(kw_only=True, slots=True)
class Question:
    id: UUID
    quiz_id: UUID
    question_type: QuestionType
    question_text: str
    points_centi: int
    order_index: int
    explanation: str | None
    options: list[str] | None
    correct_answers: list[str] | None
    partial_credit: bool
    question_metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    changed: set[str] = field(default_factory=set, repr=False, compare=False)

    def set(self, now: datetime, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)
            self.changed.add(name)
        self.updated_at = now
        self.changed.add("updated_at")

    def validate(self) -> None:
        """The shape each question type needs; raises `InvalidQuestion` naming the field."""
        kind = self.question_type
        if kind is QuestionType.MULTIPLE_CHOICE:
            options = self.options or []
            if not 2 <= len(options) <= MAX_OPTIONS:
                raise InvalidQuestion(
                    f"a multiple-choice question has 2 to {MAX_OPTIONS} options", details={"field": "options"}
                )
            if any(not o.strip() for o in options) or len({o.strip() for o in options}) != len(options):
                raise InvalidQuestion("options must be distinct and not blank", details={"field": "options"})
            correct = self.correct_answers or []
            if not correct or len(set(correct)) != len(correct) or not set(correct) <= set(options):
                raise InvalidQuestion(
                    "correct_answers must name one or more of the options, once each",
                    details={"field": "correct_answers"},
                )
        elif kind is QuestionType.TRUE_FALSE:
            if self.options is not None:
                raise InvalidQuestion("a true/false question has no options", details={"field": "options"})
            if self.correct_answers not in (["true"], ["false"]):
                raise InvalidQuestion(
                    'correct_answers must be ["true"] or ["false"]', details={"field": "correct_answers"}
                )
        elif kind is QuestionType.SHORT_ANSWER:
            if self.options is not None:
                raise InvalidQuestion("a short-answer question has no options", details={"field": "options"})
            if self.correct_answers is not None and any(not a.strip() for a in self.correct_answers):
                raise InvalidQuestion("accepted answers must not be blank", details={"field": "correct_answers"})
        elif self.options is not None or self.correct_answers:
            raise InvalidQuestion("an essay question has no options and no answer key", details={"field": "options"})
        if self.partial_credit and kind is not QuestionType.MULTIPLE_CHOICE:
            raise InvalidQuestion(
                "partial credit applies to multiple-choice questions", details={"field": "partial_credit"}
            )

    def frozen(self, option_order: list[str] | None = None) -> FrozenQuestion:
        """The copy an attempt keeps, with its options in the order the learner sees them."""
        return FrozenQuestion(
            question_id=self.id,
            question_type=self.question_type.value,
            question_text=self.question_text,
            options=option_order if option_order is not None else self.options,
            correct_answers=self.correct_answers,
            partial_credit=self.partial_credit,
            points_centi=self.points_centi,
            explanation=self.explanation,
        )


@dataclass(kw_only=True, slots=True)
class Attempt:
    """One try at a quiz. Everything grading needs is stored on the attempt itself: its frozen
    questions, its deadline and its attempt allowance, so later edits to the quiz change nothing."""

    id: UUID
    quiz_id: UUID
    enrollment_id: UUID
    student_id: UserId
    attempt_number: int
    status: AttemptStatus
    started_at: datetime
    deadline_at: datetime | None
    attempts_allowed: int | None
    passing_score: int
    questions: list[FrozenQuestion]
    answers: dict[str, Any]
    max_score_centi: int
    submitted_at: datetime | None = None
    graded_at: datetime | None = None
    score_centi: int | None = None
    percentage_bp: int | None = None
    is_passed: bool | None = None
    time_taken_seconds: int | None = None
    results: list[QuestionResult] | None = None

    def accepts_answers(self, now: datetime) -> bool:
        return self.status is AttemptStatus.IN_PROGRESS and (
            self.deadline_at is None or now <= self.deadline_at + DEADLINE_GRACE
        )
