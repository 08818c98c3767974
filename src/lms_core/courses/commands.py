"""Inputs of the courses module."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import msgspec

from lms_core.courses.entities import CourseStatus, Difficulty, LessonType
from lms_core.shared.commands import Command
from lms_core.shared.pagination import PageRequest
from lms_core.shared.text import HTTP_URL_PATTERN, MultiLineText, SingleLineText

Title = Annotated[SingleLineText, msgspec.Meta(min_length=1, max_length=255)]
Description = Annotated[MultiLineText, msgspec.Meta(max_length=20_000)]
Category = Annotated[SingleLineText, msgspec.Meta(min_length=1, max_length=100)]
Url = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=HTTP_URL_PATTERN)]
Minutes = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
Currency = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]
Content = Annotated[MultiLineText, msgspec.Meta(max_length=500_000)]
# The service bounds prices (msgspec cannot bound a Decimal); the schema states the same rule as a pattern.
PRICE_PATTERN = r"^[0-9]{1,8}(\.[0-9]{1,3})?$"
Price = Annotated[
    Decimal,
    msgspec.Meta(
        description=(
            "a decimal string from 0 to 99999999.99, with at most as many decimals as the currency has "
            "(2 for most, 3 for BHD, IQD, JOD, KWD, LYD, OMR and TND, none for CLP, ISK, JPY, KRW, VND, XAF and XOF)"
        ),
        examples=["0", "49.99"],
        extra_json_schema={"extra": {"pattern": PRICE_PATTERN}},
    ),
]


class CreateCourse(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Title
    description: Description | None = None
    category: Category | None = None
    difficulty_level: Difficulty | None = None
    thumbnail_url: Url | None = None
    estimated_duration_minutes: Minutes | None = None
    course_metadata: dict[str, Any] | None = None
    price: Price = Decimal(0)
    currency: Currency = "EGP"
    # Admins may create a course on behalf of an instructor.
    instructor_id: UUID | None = None


class UpdateCourse(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Absent fields stay as they are. The slug follows a new title only with `regenerate_slug`. A new
    `instructor_id` (admins only) reassigns the course."""

    title: Title | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType | None = msgspec.UNSET
    category: Category | msgspec.UnsetType | None = msgspec.UNSET
    difficulty_level: Difficulty | msgspec.UnsetType | None = msgspec.UNSET
    thumbnail_url: Url | msgspec.UnsetType | None = msgspec.UNSET
    estimated_duration_minutes: Minutes | msgspec.UnsetType | None = msgspec.UNSET
    course_metadata: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET
    price: Price | msgspec.UnsetType = msgspec.UNSET
    currency: Currency | msgspec.UnsetType = msgspec.UNSET
    status: CourseStatus | msgspec.UnsetType = msgspec.UNSET
    regenerate_slug: bool = False
    # Admins only: hand the course to another instructor (or admin).
    instructor_id: UUID | msgspec.UnsetType = msgspec.UNSET


class CourseSort(enum.StrEnum):
    NEWEST = "newest"
    TITLE = "title"
    RATING = "rating"
    POPULARITY = "popularity"


class ListCourses(PageRequest, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A catalogue query. Statuses other than `published` are for admins and a course's own instructor."""

    category: Category | None = None
    difficulty_level: Difficulty | None = None
    instructor_id: UUID | None = None
    q: Annotated[SingleLineText, msgspec.Meta(min_length=1, max_length=200)] | None = None
    is_free: bool | None = None
    status: CourseStatus = CourseStatus.PUBLISHED
    sort: CourseSort = CourseSort.NEWEST


class CreateLesson(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Title
    lesson_type: LessonType
    description: Description | None = None
    content: Content | None = None
    video_url: Url | None = None
    duration_minutes: Minutes | None = None
    is_preview: bool = False
    is_required: bool = True
    parent_lesson_id: UUID | None = None
    # Position among its siblings (0-based); appended at the end when absent.
    order_index: Annotated[int, msgspec.Meta(ge=0)] | None = None
    lesson_metadata: dict[str, Any] | None = None


class UpdateLesson(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Title | msgspec.UnsetType = msgspec.UNSET
    lesson_type: LessonType | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType | None = msgspec.UNSET
    content: Content | msgspec.UnsetType | None = msgspec.UNSET
    video_url: Url | msgspec.UnsetType | None = msgspec.UNSET
    duration_minutes: Minutes | msgspec.UnsetType | None = msgspec.UNSET
    is_preview: bool | msgspec.UnsetType = msgspec.UNSET
    is_required: bool | msgspec.UnsetType = msgspec.UNSET
    parent_lesson_id: UUID | msgspec.UnsetType | None = msgspec.UNSET
    lesson_metadata: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET


class ReorderLessons(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The complete new order of one group of sibling lessons (top level when `parent_lesson_id` is null)."""

    lesson_ids: Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=1000)]
    parent_lesson_id: UUID | None = None
