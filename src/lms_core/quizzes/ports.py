"""Ports of the quizzes module."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from lms_core.quizzes.entities import Attempt, Question, Quiz
from lms_core.quizzes.grading import AttemptStatus, FrozenQuestion, QuestionResult, Score
from lms_core.shared.ids import UserId


class QuizRepository(Protocol):
    async def add(self, quiz: Quiz) -> None:
        """Insert; raises `QuizAlreadyExists` when the lesson already has a quiz."""
        ...

    async def get(self, quiz_id: UUID) -> Quiz | None: ...

    async def get_for_update(self, quiz_id: UUID) -> Quiz | None: ...

    async def get_by_lesson(self, lesson_id: UUID) -> Quiz | None: ...

    async def save(self, quiz: Quiz) -> None: ...

    async def list_for_course(self, course_id: UUID) -> list[Quiz]: ...


class QuestionRepository(Protocol):
    async def add(self, question: Question) -> None: ...

    async def get(self, question_id: UUID) -> Question | None: ...

    async def save(self, question: Question) -> None: ...

    async def delete(self, question_id: UUID) -> None: ...

    async def list_for_quiz(self, quiz_id: UUID) -> list[Question]:
        """The quiz's questions by `order_index`."""
        ...

    async def set_positions(self, ordered_ids: list[UUID]) -> None: ...


class AttemptRepository(Protocol):
    async def add(self, attempt: Attempt) -> None:
        """Insert; raises `NoAttemptsLeft` when the attempt number is taken or another attempt is open
        (the unique constraints are what bound attempts under concurrency)."""
        ...

    async def get(self, attempt_id: UUID) -> Attempt | None: ...

    async def get_for_update(self, attempt_id: UUID) -> Attempt | None:
        """Like `get`, locking the row until the transaction ends where the database can. Callers take
        the locks above it first (lock order: course, lesson, enrolment, attempt)."""
        ...

    async def find_open(self, enrollment_id: UUID, quiz_id: UUID) -> Attempt | None: ...

    async def open_for_enrollment(self, enrollment_id: UUID, *, for_update: bool = False) -> list[Attempt]:
        """The enrolment's attempts in progress (of any quiz), by id; `for_update` locks them, in that
        order, where the database can (the caller holds the levels above)."""
        ...

    async def count(self, enrollment_id: UUID, quiz_id: UUID) -> int: ...

    async def save_answers(self, attempt_id: UUID, answers: dict[str, object]) -> bool:
        """Replace the saved answers while the attempt is in progress; False once it is closed."""
        ...

    async def page_for_student(
        self, student_id: UserId, quiz_id: UUID, *, offset: int, limit: int
    ) -> tuple[list[Attempt], int]:
        """One page of the student's attempts at the quiz, latest first, and how many there are."""
        ...

    async def any_passed(self, enrollment_id: UUID, quiz_id: UUID) -> bool: ...

    async def expired_open(self, now: datetime, *, quiz_id: UUID | None, limit: int) -> Sequence[Attempt]:
        """Attempts still in progress whose deadline (plus grace) has passed."""
        ...


@dataclass(slots=True)
class GradeChange:
    """One row of the grade audit: an attempt's score before and after (None: not graded)."""

    attempt_id: UUID
    quiz_id: UUID
    reason: str
    old: Score | None
    new: Score | None


class GradeAuditRepository(Protocol):
    async def record(self, changes: Sequence[GradeChange], *, now: datetime) -> None:
        """Append one grade-audit row per change (one attempt's change is a list of one)."""
        ...


# -- batch grading ---------------------------------------------------------------------------------


@dataclass(slots=True)
class GradingRow:
    """An attempt as batch grading reads it: what grading needs and the score it has now.

    `results_recorded` says whether the attempt has per-question results at all; `manual_results`
    holds only the grades a person gave among them (what a regrade keeps), so a store may skip
    decoding results that hold none. Rows of a chunk may share `FrozenQuestion` objects (the same
    question with the same option order): they are immutable.
    """

    id: UUID
    quiz_id: UUID
    enrollment_id: UUID
    student_id: UUID
    status: AttemptStatus
    passing_score: int
    questions: list[FrozenQuestion]
    answers: dict[str, Any]
    results_recorded: bool
    manual_results: list[QuestionResult]
    score_centi: int | None
    max_score_centi: int
    percentage_bp: int | None
    is_passed: bool | None

    @property
    def score(self) -> Score | None:
        """The score stored now (None: never graded)."""
        return Score.stored(self)


@dataclass(slots=True)
class GradeWrite:
    """New grades for a closed attempt; the stored status and outcome follow the score (`Score.status`,
    `Score.passed`). `questions` is a new frozen answer key to store with them, or None to keep the
    stored one."""

    attempt_id: UUID
    results: list[QuestionResult]
    score: Score
    questions: list[FrozenQuestion] | None = None

    @classmethod
    def of(cls, attempt: Attempt, score: Score) -> GradeWrite:
        return cls(attempt_id=attempt.id, results=list(attempt.results or ()), score=score)


@dataclass(slots=True)
class AttemptClosing:
    """An attempt closed by its submission or at its deadline: its answers, with their grades."""

    attempt_id: UUID
    answers: dict[str, Any]
    time_taken_seconds: int
    results: list[QuestionResult]
    score: Score

    @classmethod
    def of(cls, attempt: Attempt, score: Score) -> AttemptClosing:
        return cls(
            attempt_id=attempt.id,
            answers=attempt.answers,
            time_taken_seconds=attempt.time_taken_seconds or 0,
            results=list(attempt.results or ()),
            score=score,
        )


@dataclass(frozen=True, slots=True)
class AttemptOwner:
    """Who took an attempt, for reports."""

    student_id: UUID
    email: str
    full_name: str
    attempt_number: int


class GradingBatchStore(Protocol):
    """Reads and writes of attempts' grades, for one attempt (a batch of one) or whole quizzes: chunks
    in id order (keyset pagination) and many rows written per statement.

    `lock=True` locks, where the database can (SQLite's writer lock already covers the transaction),
    the enrolments of the attempts read, in id order and in one statement, then the attempts: the
    documented lock order (course, lesson, enrolment, attempt), whose lesson level the caller takes
    before (`LessonCompletion.hold`)."""

    async def count_for_quiz(self, quiz_id: UUID) -> int:
        """Attempts of the quiz, in any status."""
        ...

    async def chunk_for_quiz(self, quiz_id: UUID, *, after: UUID | None, limit: int, lock: bool) -> list[GradingRow]:
        """The next attempts of the quiz (any status) with ids above `after`, in id order."""
        ...

    async def count_ungraded(self, *, quiz_id: UUID | None, course_id: UUID | None) -> int:
        """Submitted attempts whose results were never recorded."""
        ...

    async def chunk_ungraded(
        self, *, quiz_id: UUID | None, course_id: UUID | None, after: UUID | None, limit: int
    ) -> list[GradingRow]:
        """The next submitted attempts whose results were never recorded (unlocked: lock them with
        `by_ids`, once the lessons above them are held)."""
        ...

    async def by_ids(
        self, attempt_ids: Sequence[UUID], *, quiz_id: UUID | None = None, lock: bool
    ) -> dict[UUID, GradingRow]:
        """Those of the attempts that exist (and belong to the quiz, when given), by id."""
        ...

    async def results_of(self, attempt_ids: Sequence[UUID]) -> dict[UUID, list[QuestionResult]]:
        """The full per-question results of attempts that have them."""
        ...

    async def close(self, closings: Sequence[AttemptClosing], *, now: datetime) -> None:
        """Store the answers, grades and submission time of attempts closed now; only attempts still in
        progress change (callers hold their locks and checked it)."""
        ...

    async def write_grades(self, grades: Sequence[GradeWrite], *, now: datetime) -> None:
        """Store results and scores of closed attempts (attempts in progress are left alone)."""
        ...

    async def write_open_questions(self, keys: Sequence[tuple[UUID, list[FrozenQuestion]]]) -> None:
        """Replace the frozen questions of attempts still in progress (closed ones are left alone)."""
        ...

    async def owners(self, attempt_ids: Sequence[UUID]) -> dict[UUID, AttemptOwner]: ...
