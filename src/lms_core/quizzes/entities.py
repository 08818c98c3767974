"""Quizzes, questions and attempts."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from msgspec import UNSET, UnsetType

from lms_core.quizzes.errors import (
    AttemptClosed,
    AttemptInProgress,
    DeadlinePassed,
    InvalidAnswers,
    InvalidGrade,
    InvalidQuestion,
)
from lms_core.quizzes.grading import AttemptStatus as AttemptStatus  # the status belongs to attempts
from lms_core.quizzes.grading import (
    FrozenQuestion,
    QuestionResult,
    Score,
    check_answer,
    grade_answers,
    summarize,
)
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

    @property
    def counts_for_completion(self) -> bool:
        """Passing a graded quiz completes its lesson; practice quizzes never count."""
        return self.quiz_type is QuizType.GRADED

    def change_settings(
        self,
        now: datetime,
        *,
        title: str | UnsetType = UNSET,
        description: str | UnsetType | None = UNSET,
        quiz_type: QuizType | UnsetType = UNSET,
        passing_score: int | UnsetType = UNSET,
        time_limit_minutes: int | UnsetType | None = UNSET,
        max_attempts: int | UnsetType | None = UNSET,
        shuffle_questions: bool | UnsetType = UNSET,
        shuffle_options: bool | UnsetType = UNSET,
        show_correct_answers: bool | UnsetType = UNSET,
    ) -> bool:
        """Change the settings given (attempts already started keep theirs); whether anything was given."""
        given = {
            "title": title,
            "description": description,
            "quiz_type": quiz_type,
            "passing_score": passing_score,
            "time_limit_minutes": time_limit_minutes,
            "max_attempts": max_attempts,
            "shuffle_questions": shuffle_questions,
            "shuffle_options": shuffle_options,
            "show_correct_answers": show_correct_answers,
        }
        return _apply(self, self.changed, now, given)

    def publish(self, now: datetime) -> bool:
        """Open the quiz to learners; False when it was published already."""
        if self.is_published:
            return False
        return _apply(self, self.changed, now, {"is_published": True})


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

    def revise(
        self,
        now: datetime,
        *,
        question_type: QuestionType | UnsetType = UNSET,
        question_text: str | UnsetType = UNSET,
        points_centi: int | UnsetType = UNSET,
        options: list[str] | UnsetType | None = UNSET,
        correct_answers: list[str] | UnsetType | None = UNSET,
        partial_credit: bool | UnsetType = UNSET,
        explanation: str | UnsetType | None = UNSET,
        question_metadata: dict[str, Any] | UnsetType | None = UNSET,
    ) -> bool:
        """Change the parts given, then check the question is still valid for its (maybe new) type;
        whether anything was given. Attempts already started keep their own copy."""
        given = {
            "question_type": question_type,
            "question_text": question_text,
            "points_centi": points_centi,
            "options": options,
            "correct_answers": correct_answers,
            "partial_credit": partial_credit,
            "explanation": explanation,
            "question_metadata": question_metadata,
        }
        if not _apply(self, self.changed, now, given):
            return False
        self.validate()
        return True

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

    @property
    def is_closed(self) -> bool:
        return self.status is not AttemptStatus.IN_PROGRESS

    def is_overdue(self, now: datetime) -> bool:
        """In progress, with its deadline (plus grace) passed: it is to be closed with its saved answers."""
        return self.status is AttemptStatus.IN_PROGRESS and not self.accepts_answers(now)

    @property
    def score(self) -> Score | None:
        """The score stored now (None: never graded)."""
        return Score.stored(self)

    def save_draft(self, answers: Iterable[tuple[UUID, Any]], now: datetime) -> None:
        """Replace the saved answers while the attempt accepts them (see `submit` for the checks)."""
        self._require_accepting(now)
        self.answers = self._checked(answers)

    def submit(self, answers: Iterable[tuple[UUID, Any]], now: datetime) -> Score:
        """Submit and grade the answers. Only while in progress (`AttemptClosed`) and until the deadline
        plus `DEADLINE_GRACE` (`DeadlinePassed`: the caller then closes it with `expire`); every answer
        must belong to one of the attempt's questions, once, and fit its type (`InvalidAnswers`)."""
        self._require_accepting(now)
        return self._close(self._checked(answers), now)

    def expire(self, now: datetime) -> Score:
        """Close an overdue attempt with the answers saved before its deadline."""
        if not self.is_overdue(now):
            raise AttemptClosed("the attempt is not overdue", details={"attempt_id": str(self.id)})
        return self._close(self.answers, now)

    def close_on_leaving(self, now: datetime) -> Score:
        """Close the attempt of a learner who left the course, with the answers saved so far (as a late
        submission would be): nothing can be submitted for a dropped enrolment afterwards."""
        if self.status is not AttemptStatus.IN_PROGRESS:
            raise AttemptClosed("the attempt has been submitted already", details={"attempt_id": str(self.id)})
        return self._close(self.answers, now)

    def grade_by_hand(self, grades: Iterable[tuple[UUID, Decimal, str | None]], now: datetime) -> Score:
        """Apply a person's grades `(question id, points, feedback)` to questions that need one (essays and
        open short answers), or change such a grade; the status follows the score (`graded` once no
        question waits for a person). Only once the attempt is closed (`AttemptInProgress`)."""
        if self.status is AttemptStatus.IN_PROGRESS:
            raise AttemptInProgress("the attempt has not been submitted yet", details={"status": "in_progress"})
        results = self._with_manual_grades(grades)
        score = summarize(self.questions, results, self.passing_score)
        self._set_grades(results, score, now)
        return score

    def _with_manual_grades(self, grades: Iterable[tuple[UUID, Decimal, str | None]]) -> list[QuestionResult]:
        questions = {q.question_id: q for q in self.questions}
        # The stored results, completed from the answers should any be missing (never graded yet).
        results = {r.question_id: r for r in grade_answers(self.questions, self.answers)}
        results.update({r.question_id: r for r in self.results or []})
        graded: set[UUID] = set()
        for question_id, points, feedback in grades:
            where = {"question_id": str(question_id)}
            question = questions.get(question_id)
            if question is None:
                raise InvalidGrade(f"question {question_id} is not part of this attempt", details=where)
            if question_id in graded:
                raise InvalidGrade(f"question {question_id} is graded more than once", details=where)
            graded.add(question_id)
            if results[question_id].graded_by == "auto":
                raise InvalidGrade(
                    f"question {question_id} is graded automatically (or was not answered)", details=where
                )
            centi = _centi(points, question.points_centi, where)
            results[question_id] = QuestionResult(
                question_id=question_id,
                points_centi=centi,
                is_correct=centi == question.points_centi,
                graded_by="manual",
                feedback=feedback.strip() if feedback and feedback.strip() else None,
            )
        return [results[q.question_id] for q in self.questions]

    def _require_accepting(self, now: datetime) -> None:
        if self.status is not AttemptStatus.IN_PROGRESS:
            raise AttemptClosed("the attempt has been submitted already", details={"attempt_id": str(self.id)})
        if not self.accepts_answers(now):
            raise DeadlinePassed(
                "the attempt's time is up; it was submitted with the answers saved before the deadline",
                details={
                    "attempt_id": str(self.id),
                    "deadline_at": self.deadline_at.isoformat() if self.deadline_at else None,
                },
            )

    def _checked(self, answers: Iterable[tuple[UUID, Any]]) -> dict[str, Any]:
        """The answers keyed by question id, after checking each against the attempt's own questions."""
        by_id = {q.question_id: q for q in self.questions}
        checked: dict[str, Any] = {}
        seen: set[UUID] = set()
        for question_id, answer in answers:
            question = by_id.get(question_id)
            where = {"question_id": str(question_id)}
            if question is None:
                raise InvalidAnswers(f"question {question_id} is not part of this attempt", details=where)
            if question_id in seen:
                raise InvalidAnswers(f"question {question_id} is answered more than once", details=where)
            seen.add(question_id)
            problem = check_answer(question, answer)
            if problem is not None:
                raise InvalidAnswers(f"the answer to question {question_id} {problem}", details=where)
            if answer is not None:
                checked[str(question_id)] = answer
        return checked

    def _close(self, answers: dict[str, Any], now: datetime) -> Score:
        results = grade_answers(self.questions, answers)
        score = summarize(self.questions, results, self.passing_score)
        end = now if self.deadline_at is None else min(now, self.deadline_at)
        self.answers = answers
        self.submitted_at = now
        self.time_taken_seconds = max(0, int((end - self.started_at).total_seconds()))
        self._set_grades(results, score, now)
        return score

    def _set_grades(self, results: list[QuestionResult], score: Score, now: datetime) -> None:
        self.results = results
        self.score_centi = score.score_centi
        self.max_score_centi = score.max_score_centi
        self.percentage_bp = score.percentage_bp
        self.is_passed = score.passed
        self.status = score.status
        self.graded_at = now if score.status is AttemptStatus.GRADED else None


def _centi(points: Decimal, most: int, where: dict[str, str]) -> int:
    """Points as hundredths: a number from 0 to the question's points with at most two decimals."""
    if not points.is_finite() or points < 0:
        raise InvalidGrade("points must be a number of at least 0", details={**where, "field": "points"})
    centi = points * 100
    if centi != centi.to_integral_value():
        raise InvalidGrade("points have at most two decimals", details={**where, "field": "points"})
    if int(centi) > most:
        raise InvalidGrade(
            f"the question is worth {Decimal(most) / 100:.2f} points at most", details={**where, "field": "points"}
        )
    return int(centi)


def _apply(entity: Quiz | Question, changed: set[str], now: datetime, given: Mapping[str, object]) -> bool:
    """Set the attributes given (not UNSET), mark them changed with `updated_at`; whether any was given."""
    values = {name: value for name, value in given.items() if value is not UNSET}
    if not values:
        return False
    for name, value in values.items():
        setattr(entity, name, value)
    changed.update(values)
    entity.updated_at = now
    changed.add("updated_at")
    return True
