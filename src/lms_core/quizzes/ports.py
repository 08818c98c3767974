"""Ports of the quizzes module."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from lms_core.quizzes.entities import Attempt, AttemptStatus, Question, Quiz
from lms_core.quizzes.grading import FrozenQuestion, QuestionResult, Score
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

    async def find_open(self, enrollment_id: UUID, quiz_id: UUID) -> Attempt | None: ...

    async def count(self, enrollment_id: UUID, quiz_id: UUID) -> int: ...

    async def save_answers(self, attempt_id: UUID, answers: dict[str, object]) -> bool:
        """Replace the saved answers while the attempt is in progress; False once it is closed."""
        ...

    async def close(
        self,
        attempt_id: UUID,
        *,
        answers: dict[str, object],
        results: list[QuestionResult],
        score: Score,
        now: datetime,
        time_taken_seconds: int,
    ) -> bool:
        """Submit and grade in one conditional update (`WHERE status = 'in_progress'`): True for the one
        caller that closed it. The status becomes `graded`, or `submitted` while manual grades are pending."""
        ...

    async def record_grades(
        self, attempt_id: UUID, *, results: list[QuestionResult], score: Score, status: AttemptStatus, now: datetime
    ) -> None: ...

    async def list_for_student(self, student_id: UserId, quiz_id: UUID) -> list[Attempt]: ...

    async def any_passed(self, enrollment_id: UUID, quiz_id: UUID) -> bool: ...

    async def expired_open(self, now: datetime, *, quiz_id: UUID | None, limit: int) -> Sequence[Attempt]:
        """Attempts still in progress whose deadline (plus grace) has passed."""
        ...


class GradeAuditRepository(Protocol):
    async def add(
        self,
        *,
        attempt_id: UUID,
        quiz_id: UUID,
        reason: str,
        old: Score | None,
        new: Score | None,
        now: datetime,
    ) -> None: ...


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


@dataclass(slots=True)
class GradeWrite:
    """New grades for a closed attempt. The status follows the score: `submitted` (and `is_passed`
    unset) while a question waits for a person, else `graded`. `questions` is a new frozen answer key
    to store with them, or None to keep the stored one."""

    attempt_id: UUID
    results: list[QuestionResult]
    score: Score
    questions: list[FrozenQuestion] | None = None


@dataclass(slots=True)
class GradeChange:
    """One row of the grade audit: an attempt's score before and after (None: not graded)."""

    attempt_id: UUID
    quiz_id: UUID
    reason: str
    old: Score | None
    new: Score | None


@dataclass(frozen=True, slots=True)
class AttemptOwner:
    """Who took an attempt, for reports."""

    student_id: UUID
    email: str
    full_name: str
    attempt_number: int


class GradingBatchStore(Protocol):
    """Bulk reads and writes of attempts for operator jobs: chunks in id order (keyset pagination) and
    many rows written per statement. `lock=True` locks the rows read until the transaction ends where
    the database can (SQLite's writer lock already covers the transaction)."""

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
        self, *, quiz_id: UUID | None, course_id: UUID | None, after: UUID | None, limit: int, lock: bool
    ) -> list[GradingRow]: ...

    async def by_ids(self, quiz_id: UUID, attempt_ids: Sequence[UUID], *, lock: bool) -> dict[UUID, GradingRow]:
        """Those of the attempts that belong to the quiz, by id."""
        ...

    async def results_of(self, attempt_ids: Sequence[UUID]) -> dict[UUID, list[QuestionResult]]:
        """The full per-question results of attempts that have them."""
        ...

    async def write_grades(self, grades: Sequence[GradeWrite], *, now: datetime) -> None:
        """Store results and scores of closed attempts (attempts in progress are left alone)."""
        ...

    async def write_open_questions(self, keys: Sequence[tuple[UUID, list[FrozenQuestion]]]) -> None:
        """Replace the frozen questions of attempts still in progress (closed ones are left alone)."""
        ...

    async def record_changes(self, changes: Sequence[GradeChange], *, now: datetime) -> None:
        """Append grade-audit rows."""
        ...

    async def owners(self, attempt_ids: Sequence[UUID]) -> dict[UUID, AttemptOwner]: ...

    async def complete_lesson(self, lesson_id: UUID, enrollment_ids: Sequence[UUID], *, now: datetime) -> list[UUID]:
        """Mark the lesson completed for these enrolments, as `LessonProgressRepository.apply` does for a
        completion without time or position (progress rows created as needed, enrolments locked first);
        return the enrolments for which it was not completed before."""
        ...
