"""The lesson-progress repository: learners' reports and lesson completion, one conditional statement each,
so concurrent requests never lose each other's progress."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, case, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.models import courses, lesson_progress, lessons
from lms_adapters.persistence.types import UtcDateTime
from lms_core.enrollments.entities import FULL, LessonProgress, ProgressStatus
from lms_core.enrollments.ports import ProgressChange
from lms_core.shared.ids import new_id

_LESSON_COMPLETED = ProgressStatus.COMPLETED.value


def utc_literal(now: datetime) -> ColumnElement[datetime]:
    """A time as a typed SQL literal, so that SQLite stores it like every other UTC column."""
    return literal(now, UtcDateTime())


def _to_progress(m: Any) -> LessonProgress:
    return LessonProgress(
        id=m["id"],
        enrollment_id=m["enrollment_id"],
        lesson_id=m["lesson_id"],
        status=ProgressStatus(m["status"]),
        started_at=m["started_at"],
        completed_at=m["completed_at"],
        time_spent_seconds=m["time_spent_seconds"],
        last_position_seconds=m["last_position_seconds"],
        completion_bp=m["completion_bp"],
        attempts_count=m["attempts_count"],
        progress_metadata=m["progress_metadata"],
    )


class SqlLessonProgressRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def get(self, enrollment_id: UUID, lesson_id: UUID) -> LessonProgress | None:
        row = (
            await self._c.execute(
                select(lesson_progress).where(
                    lesson_progress.c.enrollment_id == enrollment_id, lesson_progress.c.lesson_id == lesson_id
                )
            )
        ).first()
        return _to_progress(row._mapping) if row else None

    async def hold_lessons(self, course_ids: Sequence[UUID], lesson_ids: Sequence[UUID]) -> set[UUID]:
        query = select(lessons.c.id).where(lessons.c.id.in_(list(lesson_ids))).order_by(lessons.c.id)
        if self._c.dialect.name != "postgresql":
            return set((await self._c.execute(query)).scalars())
        # KEY SHARE: the locks foreign keys take anyway (a progress row on its lesson, a rewritten enrolment
        # on its course), taken first and explicitly so that they come before the enrolment's (lock order).
        # They block deleting the lesson, or a change to the course's lessons, not editing them.
        if course_ids:
            await self._c.execute(
                select(courses.c.id)
                .where(courses.c.id.in_(list(course_ids)))
                .order_by(courses.c.id)
                .with_for_update(read=True, key_share=True)
            )
        return set((await self._c.execute(query.with_for_update(read=True, key_share=True))).scalars())

    async def record(self, enrollment_id: UUID, lesson_id: UUID, change: ProgressChange) -> LessonProgress:
        await self._create_missing(lesson_id, [enrollment_id])
        p = lesson_progress.c
        values: dict[str, Any] = {
            "time_spent_seconds": p.time_spent_seconds + change.add_seconds,
            "started_at": func.coalesce(p.started_at, utc_literal(change.now)),
            # Once completed, a lesson stays completed.
            "status": case((p.status == _LESSON_COMPLETED, _LESSON_COMPLETED), else_=ProgressStatus.IN_PROGRESS.value),
        }
        if change.position_seconds is not None:
            values["last_position_seconds"] = change.position_seconds
        if change.completion_bp is not None:
            values["completion_bp"] = case(
                (p.completion_bp < change.completion_bp, change.completion_bp), else_=p.completion_bp
            )
        row = (
            await self._c.execute(
                update(lesson_progress)
                .where(p.enrollment_id == enrollment_id, p.lesson_id == lesson_id)
                .values(values)
                .returning(*lesson_progress.c)
            )
        ).one()
        return _to_progress(row._mapping)

    async def complete(self, lesson_id: UUID, enrollment_ids: Sequence[UUID], *, now: datetime) -> list[UUID]:
        if not enrollment_ids:
            return []
        ids = list(enrollment_ids)
        await self._create_missing(lesson_id, ids)
        p = lesson_progress.c
        result = await self._c.execute(
            update(lesson_progress)
            .where(p.lesson_id == lesson_id, p.enrollment_id.in_(ids), p.status != _LESSON_COMPLETED)
            .values(
                status=_LESSON_COMPLETED,
                completion_bp=FULL,
                completed_at=func.coalesce(p.completed_at, utc_literal(now)),
                started_at=func.coalesce(p.started_at, utc_literal(now)),
            )
            .returning(p.enrollment_id)
        )
        return sorted(result.scalars(), key=lambda enrollment_id: enrollment_id.int)

    async def _create_missing(self, lesson_id: UUID, enrollment_ids: list[UUID]) -> None:
        dialect_insert = postgresql.insert if self._c.dialect.name == "postgresql" else sqlite.insert
        await self._c.execute(
            dialect_insert(lesson_progress).on_conflict_do_nothing(index_elements=["enrollment_id", "lesson_id"]),
            [
                {
                    "id": new_id(),
                    "enrollment_id": enrollment_id,
                    "lesson_id": lesson_id,
                    "status": ProgressStatus.NOT_STARTED.value,
                    "time_spent_seconds": 0,
                    "last_position_seconds": 0,
                    "completion_bp": 0,
                    "attempts_count": 0,
                }
                for enrollment_id in enrollment_ids
            ],
        )

    async def list_for_enrollment(self, enrollment_id: UUID) -> list[LessonProgress]:
        rows = await self._c.execute(
            select(lesson_progress)
            .where(lesson_progress.c.enrollment_id == enrollment_id)
            .order_by(lesson_progress.c.id)
        )
        return [_to_progress(r._mapping) for r in rows]
