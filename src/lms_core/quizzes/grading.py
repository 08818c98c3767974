"""Grading: pure functions over an attempt's frozen questions and its answers.

Points are integer hundredths ("centi-points") and percentages integer basis points, so a score
is exactly the sum of awarded points and nothing depends on float rounding. Grading compares
answers by option text, never by position, so it is independent of the shuffled order.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol
from uuid import UUID

import msgspec

FULL_BP = 10_000

MULTIPLE_CHOICE = "multiple_choice"
TRUE_FALSE = "true_false"
SHORT_ANSWER = "short_answer"
ESSAY = "essay"


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    GRADED = "graded"


class FrozenQuestion(msgspec.Struct, frozen=True, kw_only=True):
    """A question as an attempt saw it: its option order and its answer key at the time."""

    question_id: UUID
    question_type: str
    question_text: str
    options: list[str] | None
    correct_answers: list[str] | None
    partial_credit: bool
    points_centi: int
    explanation: str | None

    @property
    def needs_manual_grading(self) -> bool:
        return self.question_type == ESSAY or (self.question_type == SHORT_ANSWER and not self.correct_answers)


class QuestionResult(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The outcome of one question. `points_centi` is None while a manual grade is awaited."""

    question_id: UUID
    points_centi: int | None
    is_correct: bool | None
    graded_by: Literal["auto", "manual", "pending"]
    feedback: str | None = None


class Score(msgspec.Struct, frozen=True, kw_only=True):
    """An attempt's score, and the outcome and status that follow from it: the one place saying that
    nothing is passed or failed while a person still has to grade a question.

    `is_passed` says whether the points reached so far reach the passing score; `passed` is the
    outcome, None while `pending_manual`.
    """

    score_centi: int
    max_score_centi: int
    percentage_bp: int
    is_passed: bool
    pending_manual: bool

    @property
    def passed(self) -> bool | None:
        """Passed or failed; None while a question waits for a person's grade."""
        return None if self.pending_manual else self.is_passed

    @property
    def status(self) -> AttemptStatus:
        """The status of a closed attempt with this score: `submitted` while a person still has to grade,
        else `graded`."""
        return AttemptStatus.SUBMITTED if self.pending_manual else AttemptStatus.GRADED

    @classmethod
    def stored(cls, attempt: StoredGrades) -> Score | None:
        """The score an attempt holds now (None: never graded), from its stored columns."""
        if attempt.score_centi is None or attempt.percentage_bp is None:
            return None
        return cls(
            score_centi=attempt.score_centi,
            max_score_centi=attempt.max_score_centi,
            percentage_bp=attempt.percentage_bp,
            is_passed=bool(attempt.is_passed),
            pending_manual=attempt.status is AttemptStatus.SUBMITTED,
        )


class StoredGrades(Protocol):
    """The grade columns an attempt stores (an `Attempt`, or a batch's `GradingRow`)."""

    @property
    def score_centi(self) -> int | None: ...

    @property
    def max_score_centi(self) -> int: ...

    @property
    def percentage_bp(self) -> int | None: ...

    @property
    def is_passed(self) -> bool | None: ...

    @property
    def status(self) -> AttemptStatus: ...


def normalize_text(text: str) -> str:
    """Case- and whitespace-insensitive form used to match short answers."""
    return " ".join(text.casefold().split())


def grade_question(question: FrozenQuestion, answer: Any) -> QuestionResult:
    """Grade one answer (None: unanswered). Manual questions come back `pending` unless unanswered."""
    qid, full = question.question_id, question.points_centi
    if answer is None or answer == [] or (isinstance(answer, str) and not answer.strip()):
        return QuestionResult(question_id=qid, points_centi=0, is_correct=False, graded_by="auto")
    if question.needs_manual_grading:
        return QuestionResult(question_id=qid, points_centi=None, is_correct=None, graded_by="pending")
    key = question.correct_answers or []
    if question.question_type == MULTIPLE_CHOICE:
        selected = {answer} if isinstance(answer, str) else set(answer)
        correct = set(key)
        if question.partial_credit:
            # Each right choice earns its share; each wrong choice takes one share back; never below 0.
            shares = max(0, len(selected & correct) - len(selected - correct))
            points = full * shares // len(correct)
        else:
            points = full if selected == correct else 0
        return QuestionResult(question_id=qid, points_centi=points, is_correct=points == full, graded_by="auto")
    if question.question_type == TRUE_FALSE:
        right = answer is (key == ["true"])
        return QuestionResult(question_id=qid, points_centi=full if right else 0, is_correct=right, graded_by="auto")
    accepted = {normalize_text(a) for a in key}
    right = normalize_text(str(answer)) in accepted
    return QuestionResult(question_id=qid, points_centi=full if right else 0, is_correct=right, graded_by="auto")


def grade_answers(questions: Iterable[FrozenQuestion], answers: Mapping[str, Any]) -> list[QuestionResult]:
    """Grade every question of an attempt from its answers, keyed by question id string."""
    return [grade_question(q, answers.get(str(q.question_id))) for q in questions]


def keep_manual_grades(fresh: list[QuestionResult], previous: list[QuestionResult] | None) -> list[QuestionResult]:
    """Regrading recomputes automatic results only; grades given by a person stay."""
    if not previous:
        return fresh
    manual = {r.question_id: r for r in previous if r.graded_by == "manual"}
    return [manual.get(r.question_id, r) if r.graded_by == "pending" else r for r in fresh]


def summarize(questions: Iterable[FrozenQuestion], results: Iterable[QuestionResult], passing_score: int) -> Score:
    """Score = sum of awarded points; percentage truncated to 0.01 %; passed when >= passing_score %."""
    max_score = sum(q.points_centi for q in questions)
    results = list(results)
    score = sum(r.points_centi or 0 for r in results)
    percentage = score * FULL_BP // max_score if max_score else 0
    return Score(
        score_centi=score,
        max_score_centi=max_score,
        percentage_bp=percentage,
        is_passed=percentage >= passing_score * 100,
        pending_manual=any(r.points_centi is None for r in results),
    )


def check_answer(question: FrozenQuestion, answer: Any) -> str | None:
    """Why an answer cannot belong to this question (None when it can)."""
    if answer is None:
        return None
    kind = question.question_type
    if kind == MULTIPLE_CHOICE:
        chosen = [answer] if isinstance(answer, str) else answer
        if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
            return "expects one option or a list of options"
        if len(set(chosen)) != len(chosen):
            return "names an option twice"
        unknown = [c for c in chosen if c not in (question.options or [])]
        if unknown:
            return f"has no option {unknown[0]!r}"
        return None
    if kind == TRUE_FALSE:
        return None if isinstance(answer, bool) else "expects true or false"
    if not isinstance(answer, str):
        return "expects text"
    return "is longer than 20000 characters" if len(answer) > 20_000 else None
