"""Courses repository, including the catalogue query."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Row, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from lms_adapters.persistence.models import courses, lessons, users
from lms_adapters.persistence.paging import fetch_page
from lms_core.courses.commands import CourseSort, ListCourses
from lms_core.courses.entities import Course, CourseStatus, Difficulty
from lms_core.courses.views import CourseView
from lms_core.shared.ids import UserId
from lms_core.shared.money import Money


def to_course(m: Any) -> Course:
    return Course(
        id=m["id"],
        title=m["title"],
        slug=m["slug"],
        description=m["description"],
        instructor_id=UserId(m["instructor_id"]),
        category=m["category"],
        difficulty_level=Difficulty(m["difficulty_level"]) if m["difficulty_level"] else None,
        status=CourseStatus(m["status"]),
        thumbnail_url=m["thumbnail_url"],
        estimated_duration_minutes=m["estimated_duration_minutes"],
        course_metadata=m["course_metadata"],
        price=Money.from_minor(m["price_minor"], m["currency"]),
        lesson_count=m["lesson_count"],
        enrollment_count=m["enrollment_count"],
        rating_count=m["rating_count"],
        rating_sum=m["rating_sum"],
        published_at=m["published_at"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


_PLAIN = ("title", "slug", "description", "category", "thumbnail_url", "estimated_duration_minutes",
          "course_metadata", "lesson_count", "enrollment_count", "rating_count", "rating_sum", "published_at",
          "created_at", "updated_at")  # fmt: skip


def _values(course: Course, names: set[str] | None = None) -> dict[str, Any]:
    wanted = set(_PLAIN) | {"id", "instructor_id", "difficulty_level", "status", "price"} if names is None else names
    values: dict[str, Any] = {name: getattr(course, name) for name in wanted if name in _PLAIN or name == "id"}
    if "instructor_id" in wanted:
        values["instructor_id"] = course.instructor_id
    if "difficulty_level" in wanted:
        values["difficulty_level"] = course.difficulty_level.value if course.difficulty_level else None
    if "status" in wanted:
        values["status"] = course.status.value
    if "price" in wanted:
        values["price_minor"] = course.price.to_minor()
        values["currency"] = course.price.currency
    return values


_ORDER = {
    CourseSort.NEWEST: (courses.c.created_at.desc(), courses.c.id.desc()),
    CourseSort.TITLE: (courses.c.title.asc(), courses.c.id.asc()),
    CourseSort.RATING: (courses.c.rating_average_centi.desc(), courses.c.rating_count.desc(), courses.c.id.desc()),
    CourseSort.POPULARITY: (courses.c.enrollment_count.desc(), courses.c.created_at.desc(), courses.c.id.desc()),
}


def _conditions(query: ListCourses) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [courses.c.status == query.status.value]
    if query.category is not None:
        conditions.append(courses.c.category == query.category)
    if query.difficulty_level is not None:
        conditions.append(courses.c.difficulty_level == query.difficulty_level.value)
    if query.instructor_id is not None:
        conditions.append(courses.c.instructor_id == query.instructor_id)
    if query.is_free is not None:
        conditions.append(courses.c.price_minor == 0 if query.is_free else courses.c.price_minor > 0)
    if query.q:
        pattern = "%" + query.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(
                func.lower(courses.c.title).like(pattern, escape="\\"),
                func.lower(courses.c.description).like(pattern, escape="\\"),
            )
        )
    return conditions


# Built once: every purchase and enrolment locks its course, and building the statement each time costs
# more CPU than running it.
_GET_FOR_UPDATE = select(courses).where(courses.c.id == bindparam("course_id")).with_for_update()


class SqlCourseRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, course: Course) -> None:
        values = _values(course)
        values["rating_average_centi"] = 0
        await self._c.execute(insert(courses).values(values))
        course.changed.clear()

    async def get(self, course_id: UUID) -> Course | None:
        row = (await self._c.execute(select(courses).where(courses.c.id == course_id))).first()
        return to_course(row._mapping) if row else None

    async def get_for_update(self, course_id: UUID) -> Course | None:
        row = (await self._c.execute(_GET_FOR_UPDATE, {"course_id": course_id})).first()
        return to_course(row._mapping) if row else None

    async def save(self, course: Course) -> None:
        if course.changed:
            await self._c.execute(
                update(courses).where(courses.c.id == course.id).values(_values(course, course.changed))
            )
            course.changed.clear()

    async def delete(self, course_id: UUID) -> None:
        await self._c.execute(delete(courses).where(courses.c.id == course_id))

    async def slugs_starting_with(self, base: str) -> set[str]:
        escaped = base.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = await self._c.execute(
            select(courses.c.slug).where(or_(courses.c.slug == base, courses.c.slug.like(f"{escaped}-%", escape="\\")))
        )
        return set(rows.scalars())

    async def instructor_name(self, user_id: UserId) -> str | None:
        name = await self._c.execute(select(users.c.full_name).where(users.c.id == user_id))
        return name.scalar_one_or_none()

    async def list(self, query: ListCourses) -> tuple[list[CourseView], int]:
        ordered = (
            select(courses, users.c.full_name.label("instructor_name"))
            .join(users, users.c.id == courses.c.instructor_id)
            .order_by(*_ORDER[query.sort])
        )
        rows, total = await fetch_page(
            self._c, ordered, table=courses, conditions=_conditions(query), offset=query.offset, limit=query.limit
        )
        return [_view(row) for row in rows], total

    async def refresh_lesson_count(self, course_id: UUID) -> int:
        count = (
            await self._c.execute(select(func.count()).select_from(lessons).where(lessons.c.course_id == course_id))
        ).scalar_one()
        await self._c.execute(update(courses).where(courses.c.id == course_id).values(lesson_count=count))
        return int(count)


def _view(row: Row[Any]) -> CourseView:
    m = row._mapping
    return CourseView.of(to_course(m), m["instructor_name"])
