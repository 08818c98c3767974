"""Quiz attempt and grade-audit repositories.

The attempt allowance and the one-open-attempt rule are the table's unique constraints, so they hold
under concurrency; submission is a conditional update, so an attempt is graded once. An attempt's
frozen questions and its per-question results are msgspec structs stored as JSON documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.integrity import domain_error, translates
from lms_adapters.persistence.models import grade_audit, quiz_attempts
from lms_core.quizzes.entities import DEADLINE_GRACE, Attempt, AttemptStatus
from lms_core.quizzes.errors import NoAttemptsLeft
from lms_core.quizzes.grading import FrozenQuestion, QuestionResult, Score
from lms_core.shared.errors import LmsError
from lms_core.shared.ids import UserId, new_id


# PostgreSQL names the constraint; SQLite names the columns ("UNIQUE constraint failed: quiz_attempts.
# enrollment_id, quiz_attempts.quiz_id[, quiz_attempts.attempt_number]"; the shorter one is the partial
# index of open attempts, and a prefix of the longer one, so one key covers both).
@translates(
    "uq_quiz_attempts_enrollment_id_quiz_id_attempt_number",
    "uq_quiz_attempts_one_open",
    "quiz_attempts.enrollment_id, quiz_attempts.quiz_id",
)
def _no_attempts_left() -> LmsError:
    return NoAttemptsLeft("no attempts left on this quiz", details={"field": "quiz_id"})


_IN_PROGRESS = AttemptStatus.IN_PROGRESS.value

_PLAIN = ("id", "quiz_id", "enrollment_id", "attempt_number", "started_at", "deadline_at", "attempts_allowed",
          "passing_score", "max_score_centi", "submitted_at", "graded_at", "score_centi", "percentage_bp",
          "is_passed", "time_taken_seconds")  # fmt: skip


def _to_attempt(m: Any) -> Attempt:
    return Attempt(
        student_id=UserId(m["student_id"]),
        status=AttemptStatus(m["status"]),
        questions=msgspec.convert(m["questions"], list[FrozenQuestion]),
        answers=dict(m["answers"] or {}),
        results=None if m["results"] is None else msgspec.convert(m["results"], list[QuestionResult]),
        **{name: m[name] for name in _PLAIN},
    )


def _score_values(score: Score, status: AttemptStatus) -> dict[str, Any]:
    # While a person still has to grade a question, the pass is not decided yet.
    return {
        "score_centi": score.score_centi,
        "max_score_centi": score.max_score_centi,
        "percentage_bp": score.percentage_bp,
        "is_passed": None if status is AttemptStatus.SUBMITTED else score.is_passed,
        "status": status.value,
    }


def _status_after(score: Score) -> AttemptStatus:
    return AttemptStatus.SUBMITTED if score.pending_manual else AttemptStatus.GRADED


class SqlAttemptRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, attempt: Attempt) -> None:
        values = {name: getattr(attempt, name) for name in _PLAIN}
        values.update(
            student_id=attempt.student_id,
            status=attempt.status.value,
            questions=msgspec.to_builtins(attempt.questions),
            answers=msgspec.to_builtins(attempt.answers),
            results=None if attempt.results is None else msgspec.to_builtins(attempt.results),
        )
        try:
            await self._c.execute(insert(quiz_attempts).values(values))
        except IntegrityError as exc:
            # Translated here, so the core sees the domain error where it made the call.
            raise domain_error(exc) from exc

    async def get(self, attempt_id: UUID) -> Attempt | None:
        row = (await self._c.execute(select(quiz_attempts).where(quiz_attempts.c.id == attempt_id))).first()
        return _to_attempt(row._mapping) if row else None

    async def find_open(self, enrollment_id: UUID, quiz_id: UUID) -> Attempt | None:
        a = quiz_attempts.c
        row = (
            await self._c.execute(
                select(quiz_attempts).where(
                    a.enrollment_id == enrollment_id, a.quiz_id == quiz_id, a.status == _IN_PROGRESS
                )
            )
        ).first()
        return _to_attempt(row._mapping) if row else None

    async def count(self, enrollment_id: UUID, quiz_id: UUID) -> int:
        a = quiz_attempts.c
        total = (
            await self._c.execute(
                select(func.count())
                .select_from(quiz_attempts)
                .where(a.enrollment_id == enrollment_id, a.quiz_id == quiz_id)
            )
        ).scalar_one()
        return int(total)

    async def save_answers(self, attempt_id: UUID, answers: dict[str, object]) -> bool:
        a = quiz_attempts.c
        result = await self._c.execute(
            update(quiz_attempts)
            .where(a.id == attempt_id, a.status == _IN_PROGRESS)
            .values(answers=msgspec.to_builtins(answers))
        )
        return result.rowcount == 1

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
        a = quiz_attempts.c
        status = _status_after(score)
        result = await self._c.execute(
            update(quiz_attempts)
            .where(a.id == attempt_id, a.status == _IN_PROGRESS)
            .values(
                answers=msgspec.to_builtins(answers),
                results=msgspec.to_builtins(results),
                submitted_at=now,
                graded_at=now if status is AttemptStatus.GRADED else None,
                time_taken_seconds=time_taken_seconds,
                **_score_values(score, status),
            )
        )
        return result.rowcount == 1

    async def record_grades(
        self, attempt_id: UUID, *, results: list[QuestionResult], score: Score, status: AttemptStatus, now: datetime
    ) -> None:
        await self._c.execute(
            update(quiz_attempts)
            .where(quiz_attempts.c.id == attempt_id)
            .values(
                results=msgspec.to_builtins(results),
                graded_at=now if status is AttemptStatus.GRADED else None,
                **_score_values(score, status),
            )
        )

    async def list_for_student(self, student_id: UserId, quiz_id: UUID) -> list[Attempt]:
        a = quiz_attempts.c
        rows = await self._c.execute(
            select(quiz_attempts)
            .where(a.student_id == student_id, a.quiz_id == quiz_id)
            .order_by(a.attempt_number.desc(), a.id.desc())
        )
        return [_to_attempt(r._mapping) for r in rows]

    async def any_passed(self, enrollment_id: UUID, quiz_id: UUID) -> bool:
        a = quiz_attempts.c
        found = (
            await self._c.execute(
                select(exists().where(a.enrollment_id == enrollment_id, a.quiz_id == quiz_id, a.is_passed.is_(True)))
            )
        ).scalar_one()
        return bool(found)

    async def expired_open(self, now: datetime, *, quiz_id: UUID | None, limit: int) -> Sequence[Attempt]:
        a = quiz_attempts.c
        conditions = [a.status == _IN_PROGRESS, a.deadline_at.is_not(None), a.deadline_at < now - DEADLINE_GRACE]
        if quiz_id is not None:
            conditions.append(a.quiz_id == quiz_id)
        rows = await self._c.execute(
            select(quiz_attempts).where(*conditions).order_by(a.deadline_at, a.id).limit(limit)
        )
        return [_to_attempt(r._mapping) for r in rows]


class SqlGradeAuditRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(
        self,
        *,
        attempt_id: UUID,
        quiz_id: UUID,
        reason: str,
        old: Score | None,
        new: Score | None,
        now: datetime,
    ) -> None:
        await self._c.execute(
            insert(grade_audit).values(
                id=new_id(),
                attempt_id=attempt_id,
                quiz_id=quiz_id,
                reason=reason,
                old_score_centi=None if old is None else old.score_centi,
                new_score_centi=None if new is None else new.score_centi,
                old_passed=None if old is None or old.pending_manual else old.is_passed,
                new_passed=None if new is None or new.pending_manual else new.is_passed,
                created_at=now,
            )
        )
