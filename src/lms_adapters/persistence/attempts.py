"""Quiz attempt and grade-audit repositories.

The attempt allowance and the one-open-attempt rule are the table's unique constraints, so they hold
under concurrency. An attempt's frozen questions and its per-question results are msgspec structs
stored as JSON documents. Closing and grading attempts, one or many, is `SqlGradingBatchStore`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.integrity import domain_error
from lms_adapters.persistence.models import grade_audit, quiz_attempts
from lms_adapters.persistence.paging import fetch_page
from lms_core.quizzes.entities import DEADLINE_GRACE, Attempt, AttemptStatus
from lms_core.quizzes.grading import FrozenQuestion, QuestionResult
from lms_core.quizzes.ports import GradeChange
from lms_core.shared.ids import UserId, new_id

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
            # Translated here, not at the unit of work's exit: the service catches `NoAttemptsLeft` at this
            # call to start another round (a concurrent start won the number or the one open slot).
            raise domain_error(exc) from exc

    async def get(self, attempt_id: UUID) -> Attempt | None:
        row = (await self._c.execute(select(quiz_attempts).where(quiz_attempts.c.id == attempt_id))).first()
        return _to_attempt(row._mapping) if row else None

    async def get_for_update(self, attempt_id: UUID) -> Attempt | None:
        # SQLite serialises writers with BEGIN IMMEDIATE; PostgreSQL needs the row lock.
        query = select(quiz_attempts).where(quiz_attempts.c.id == attempt_id).with_for_update()
        row = (await self._c.execute(query)).first()
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

    async def open_for_enrollment(self, enrollment_id: UUID, *, for_update: bool = False) -> list[Attempt]:
        a = quiz_attempts.c
        query = select(quiz_attempts).where(a.enrollment_id == enrollment_id, a.status == _IN_PROGRESS).order_by(a.id)
        rows = await self._c.execute(query.with_for_update() if for_update else query)
        return [_to_attempt(r._mapping) for r in rows]

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

    async def page_for_student(
        self, student_id: UserId, quiz_id: UUID, *, offset: int, limit: int
    ) -> tuple[list[Attempt], int]:
        a = quiz_attempts.c
        ordered = select(quiz_attempts).order_by(a.attempt_number.desc(), a.id.desc())
        rows, total = await fetch_page(
            self._c,
            ordered,
            table=quiz_attempts,
            conditions=[a.student_id == student_id, a.quiz_id == quiz_id],
            offset=offset,
            limit=limit,
        )
        return [_to_attempt(r._mapping) for r in rows], total

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
    """The grade audit: rows appended in one `executemany` (a regrade may audit thousands per chunk)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def record(self, changes: Sequence[GradeChange], *, now: datetime) -> None:
        if not changes:
            return
        postgres = self._c.dialect.name == "postgresql"
        # Handed to the driver as it stores values, skipping SQLAlchemy's per-row processing: ids as hex
        # text on SQLite, UUIDs on PostgreSQL.
        key: Callable[[UUID], Any] = _same if postgres else _hex
        at = _driver_time(self._c, now)
        quiz_keys: dict[UUID, Any] = {}
        params = []
        for change in changes:
            old, new = change.old, change.new
            quiz_key = quiz_keys.get(change.quiz_id)
            if quiz_key is None:
                quiz_key = quiz_keys[change.quiz_id] = key(change.quiz_id)
            params.append(
                (
                    key(new_id()),
                    key(change.attempt_id),
                    quiz_key,
                    change.reason,
                    None if old is None else old.score_centi,
                    None if new is None else new.score_centi,
                    None if old is None else old.passed,
                    None if new is None else new.passed,
                    at,
                )
            )
        await self._c.exec_driver_sql(_AUDIT_POSTGRES if postgres else _AUDIT_SQLITE, params)


_AUDIT_SQLITE = (
    "INSERT INTO grade_audit (id, attempt_id, quiz_id, reason, old_score_centi, new_score_centi, old_passed, "
    "new_passed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_AUDIT_POSTGRES = (
    "INSERT INTO grade_audit (id, attempt_id, quiz_id, reason, old_score_centi, new_score_centi, old_passed, "
    "new_passed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
)


def _driver_time(connection: AsyncConnection, value: datetime) -> Any:
    """A timestamp as `UtcDateTime` hands it to this database's driver."""
    processor = grade_audit.c.created_at.type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    return processor(value) if processor is not None else value


def _hex(value: UUID) -> str:
    return value.hex


def _same(value: UUID) -> UUID:
    return value
