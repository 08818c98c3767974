"""Lessons repository."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import case, delete, insert, nulls_first, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from lms_adapters.persistence.models import lessons
from lms_core.courses.entities import Lesson, LessonType

_FIELDS = ("id", "course_id", "title", "slug", "description", "content", "order_index", "parent_lesson_id",
           "duration_minutes", "video_url", "is_preview", "is_required", "lesson_metadata", "created_at",
           "updated_at")  # fmt: skip


def _to_lesson(m: Any) -> Lesson:
    return Lesson(lesson_type=LessonType(m["lesson_type"]), **{name: m[name] for name in _FIELDS})


def _values(lesson: Lesson, names: set[str] | None = None) -> dict[str, Any]:
    wanted = set(_FIELDS) | {"lesson_type"} if names is None else names
    values = {name: getattr(lesson, name) for name in wanted if name in _FIELDS}
    if "lesson_type" in wanted:
        values["lesson_type"] = lesson.lesson_type.value
    return values


class SqlLessonRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, lesson: Lesson) -> None:
        await self._c.execute(insert(lessons).values(_values(lesson)))
        lesson.changed.clear()

    async def get(self, lesson_id: UUID) -> Lesson | None:
        row = (await self._c.execute(select(lessons).where(lessons.c.id == lesson_id))).first()
        return _to_lesson(row._mapping) if row else None

    async def save(self, lesson: Lesson) -> None:
        if lesson.changed:
            await self._c.execute(
                update(lessons).where(lessons.c.id == lesson.id).values(_values(lesson, lesson.changed))
            )
            lesson.changed.clear()

    async def delete(self, lesson_id: UUID) -> None:
        await self._c.execute(delete(lessons).where(lessons.c.id == lesson_id))

    async def list_for_course(self, course_id: UUID) -> list[Lesson]:
        parent = aliased(lessons)
        # Order by the top-level position (a child's parent's), then parents before their children.
        rows = await self._c.execute(
            select(lessons)
            .outerjoin(parent, parent.c.id == lessons.c.parent_lesson_id)
            .where(lessons.c.course_id == course_id)
            .order_by(
                case((lessons.c.parent_lesson_id.is_(None), lessons.c.order_index), else_=parent.c.order_index),
                nulls_first(parent.c.id),
                lessons.c.order_index,
            )
        )
        return [_to_lesson(r._mapping) for r in rows]

    async def siblings(self, course_id: UUID, parent_lesson_id: UUID | None) -> list[Lesson]:
        parent_condition = (
            lessons.c.parent_lesson_id.is_(None)
            if parent_lesson_id is None
            else lessons.c.parent_lesson_id == parent_lesson_id
        )
        rows = await self._c.execute(
            select(lessons)
            .where(lessons.c.course_id == course_id, parent_condition)
            .order_by(lessons.c.order_index, lessons.c.created_at)
        )
        return [_to_lesson(r._mapping) for r in rows]

    async def set_positions(self, ordered_ids: list[UUID]) -> None:
        if not ordered_ids:
            return
        await self._c.execute(
            update(lessons)
            .where(lessons.c.id.in_(ordered_ids))
            .values(
                order_index=case({lesson_id: index for index, lesson_id in enumerate(ordered_ids)}, value=lessons.c.id)
            )
        )

    async def has_children(self, lesson_id: UUID) -> bool:
        row = (
            await self._c.execute(select(lessons.c.id).where(lessons.c.parent_lesson_id == lesson_id).limit(1))
        ).first()
        return row is not None

    async def slugs_starting_with(self, course_id: UUID, base: str) -> set[str]:
        escaped = base.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = await self._c.execute(
            select(lessons.c.slug).where(
                lessons.c.course_id == course_id,
                or_(lessons.c.slug == base, lessons.c.slug.like(f"{escaped}-%", escape="\\")),
            )
        )
        return set(rows.scalars())
