"""Ports of the courses module."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar
from uuid import UUID

from lms_core.courses.commands import ListCourses
from lms_core.courses.entities import Course, Lesson
from lms_core.courses.views import CourseView
from lms_core.shared.ids import UserId
from lms_core.shared.pagination import Page

if TYPE_CHECKING:
    from lms_core.shared.ports import Transaction


class EnrollmentLookup(Protocol):
    """What courses ask of enrolments without importing them: the enrolments repository provides it."""

    async def is_learner(self, student_id: UserId, course_id: UUID) -> bool:
        """Whether the student has an active or completed enrolment in the course."""
        ...


class LessonChangeListener(Protocol):
    """Told, inside the transaction that changed them, that a course's set of required lessons changed
    (a lesson added, deleted, or made required or optional), so that learners' progress follows. The
    enrolments module implements it; courses own the port so that they need not import enrolments."""

    async def lessons_changed(self, tx: Transaction, course_id: UUID, now: datetime) -> None: ...


class CourseRepository(Protocol):
    async def add(self, course: Course) -> None:
        """Insert; raises `SlugTaken` when another course has the slug."""
        ...

    async def get(self, course_id: UUID) -> Course | None: ...

    async def get_for_update(self, course_id: UUID) -> Course | None: ...

    async def save(self, course: Course) -> None:
        """Write the fields listed in `course.changed`; raises `SlugTaken` like `add`."""
        ...

    async def delete(self, course_id: UUID) -> None: ...

    async def slugs_starting_with(self, base: str) -> set[str]:
        """Existing course slugs equal to `base` or of the form `base-N`."""
        ...

    async def instructor_name(self, user_id: UserId) -> str | None: ...

    async def list(self, query: ListCourses) -> tuple[list[CourseView], int]:
        """One page of the catalogue with its total, in a fixed number of queries."""
        ...

    async def refresh_lesson_count(self, course_id: UUID) -> int: ...


class LessonRepository(Protocol):
    async def add(self, lesson: Lesson) -> None: ...

    async def get(self, lesson_id: UUID) -> Lesson | None: ...

    async def save(self, lesson: Lesson) -> None: ...

    async def delete(self, lesson_id: UUID) -> None: ...

    async def list_for_course(self, course_id: UUID) -> list[Lesson]:
        """Every lesson of a course, parents in order, each followed by its children in order."""
        ...

    async def siblings(self, course_id: UUID, parent_lesson_id: UUID | None) -> list[Lesson]:
        """The lessons sharing a parent (or the top level), by `order_index`."""
        ...

    async def set_positions(self, ordered_ids: list[UUID]) -> None:
        """Give each listed lesson its index in the list as `order_index`."""
        ...

    async def has_children(self, lesson_id: UUID) -> bool: ...

    async def slugs_starting_with(self, course_id: UUID, base: str) -> set[str]: ...


K = TypeVar("K", contravariant=True)
V = TypeVar("V")


class ReadCache(Protocol, Generic[K, V]):
    """A read cache with exact invalidation.

    `put` carries the generation read before the database query: a value read before an
    invalidation is never stored after it. `invalidate_all` is immediate in this process and, with a
    shared adapter, in every other process.
    """

    def generation(self) -> int: ...

    def get(self, key: K) -> V | None: ...

    def put(self, key: K, value: V, *, generation: int) -> None: ...

    async def invalidate_all(self) -> None: ...


CatalogueCache = ReadCache[ListCourses, Page[CourseView]]
