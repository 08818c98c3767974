"""Courses and lessons, with the rules that keep them consistent."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec

from lms_core.courses.errors import CannotPublishEmptyCourse, InvalidLesson, MetadataTooLarge
from lms_core.shared.ids import UserId
from lms_core.shared.money import Money

MAX_METADATA_BYTES = 32 * 1024
DEFAULT_CURRENCY = "EGP"


class Difficulty(enum.StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class CourseStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class LessonType(enum.StrEnum):
    VIDEO = "video"
    TEXT = "text"
    QUIZ = "quiz"
    ASSIGNMENT = "assignment"


def check_metadata(name: str, metadata: dict[str, Any] | None) -> None:
    if metadata is None:
        return
    size = len(msgspec.json.encode(metadata))
    if size > MAX_METADATA_BYTES:
        raise MetadataTooLarge(
            f"{name} is {size} bytes; the limit is {MAX_METADATA_BYTES}",
            details={"field": name, "limit_bytes": MAX_METADATA_BYTES},
        )


@dataclass(kw_only=True, slots=True)
class Course:
    id: UUID
    title: str
    slug: str
    description: str | None
    instructor_id: UserId
    category: str | None
    difficulty_level: Difficulty | None
    status: CourseStatus
    thumbnail_url: str | None
    estimated_duration_minutes: int | None
    course_metadata: dict[str, Any] | None
    price: Money
    lesson_count: int = 0
    enrollment_count: int = 0
    rating_count: int = 0
    rating_sum: int = 0
    published_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    changed: set[str] = field(default_factory=set, repr=False, compare=False)

    @property
    def is_published(self) -> bool:
        return self.status is CourseStatus.PUBLISHED

    @property
    def is_free(self) -> bool:
        return self.price.is_zero

    @property
    def average_rating(self) -> Decimal | None:
        if self.rating_count == 0:
            return None
        return (Decimal(self.rating_sum) / Decimal(self.rating_count)).quantize(Decimal("0.01"))

    def _touch(self, now: datetime, *names: str) -> None:
        """Remember what changed, for the repository's partial update."""
        self.changed.update(names)
        self.updated_at = now
        self.changed.add("updated_at")

    def retitle(self, title: str, now: datetime, *, slug: str | None = None) -> None:
        """A new title; the slug stays put unless a new one is given (links to the course keep working)."""
        self.title = title
        names = ["title"]
        if slug is not None:
            self.slug = slug
            names.append("slug")
        self._touch(now, *names)

    def describe(
        self,
        now: datetime,
        *,
        description: str | msgspec.UnsetType | None = msgspec.UNSET,
        category: str | msgspec.UnsetType | None = msgspec.UNSET,
        difficulty_level: Difficulty | msgspec.UnsetType | None = msgspec.UNSET,
        thumbnail_url: str | msgspec.UnsetType | None = msgspec.UNSET,
        estimated_duration_minutes: int | msgspec.UnsetType | None = msgspec.UNSET,
    ) -> None:
        """Change what the catalogue says about the course; `UNSET` keeps a field as it is."""
        names = []
        if description is not msgspec.UNSET:
            self.description = description
            names.append("description")
        if category is not msgspec.UNSET:
            self.category = category
            names.append("category")
        if difficulty_level is not msgspec.UNSET:
            self.difficulty_level = difficulty_level
            names.append("difficulty_level")
        if thumbnail_url is not msgspec.UNSET:
            self.thumbnail_url = thumbnail_url
            names.append("thumbnail_url")
        if estimated_duration_minutes is not msgspec.UNSET:
            self.estimated_duration_minutes = estimated_duration_minutes
            names.append("estimated_duration_minutes")
        if names:
            self._touch(now, *names)

    def replace_metadata(self, metadata: dict[str, Any] | None, now: datetime) -> None:
        check_metadata("course_metadata", metadata)
        self.course_metadata = metadata
        self._touch(now, "course_metadata")

    def reassign(self, instructor_id: UserId, now: datetime) -> None:
        """Hand the course to another instructor (its lessons, learners and status stay)."""
        self.instructor_id = instructor_id
        self._touch(now, "instructor_id")

    def reprice(self, price: Money, now: datetime) -> None:
        self.price = price
        self._touch(now, "price")

    def change_status(self, status: CourseStatus, now: datetime) -> bool:
        """Move to `status` by the rules of that move; False when the course already has it."""
        if status is CourseStatus.PUBLISHED:
            return self.publish(now)
        if status is CourseStatus.ARCHIVED:
            return self.archive(now)
        return self.revert_to_draft(now)

    def publish(self, now: datetime) -> bool:
        """Open the course to the catalogue; it needs a lesson. The first publication date is kept."""
        if self.status is CourseStatus.PUBLISHED:
            return False
        if self.lesson_count == 0:
            raise CannotPublishEmptyCourse("a course needs at least one lesson before it can be published")
        self.status = CourseStatus.PUBLISHED
        self.published_at = self.published_at or now
        self._touch(now, "status", "published_at")
        return True

    def archive(self, now: datetime) -> bool:
        """Take the course out of the catalogue for good; its learners still see it."""
        if self.status is CourseStatus.ARCHIVED:
            return False
        self.status = CourseStatus.ARCHIVED
        self._touch(now, "status")
        return True

    def revert_to_draft(self, now: datetime) -> bool:
        """Back to a draft, seen by its managers only (from published or archived)."""
        if self.status is CourseStatus.DRAFT:
            return False
        self.status = CourseStatus.DRAFT
        self._touch(now, "status")
        return True


@dataclass(kw_only=True, slots=True)
class Lesson:
    id: UUID
    course_id: UUID
    title: str
    slug: str
    description: str | None
    content: str | None
    lesson_type: LessonType
    order_index: int
    parent_lesson_id: UUID | None
    duration_minutes: int | None
    video_url: str | None
    is_preview: bool
    is_required: bool
    lesson_metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    changed: set[str] = field(default_factory=set, repr=False, compare=False)

    def validate(self) -> None:
        """Type-specific requirements: a video lesson has a video URL, a text lesson has content."""
        if self.lesson_type is LessonType.VIDEO and not self.video_url:
            raise InvalidLesson("a video lesson needs a video_url", details={"field": "video_url"})
        if self.lesson_type is LessonType.TEXT and not (self.content and self.content.strip()):
            raise InvalidLesson("a text lesson needs content", details={"field": "content"})
        if self.parent_lesson_id == self.id:
            raise InvalidLesson("a lesson cannot be its own parent", details={"field": "parent_lesson_id"})
        check_metadata("lesson_metadata", self.lesson_metadata)

    def _touch(self, now: datetime, *names: str) -> None:
        """Remember what changed, for the repository's partial update."""
        self.changed.update(names)
        self.updated_at = now
        self.changed.add("updated_at")

    def retitle(self, title: str, now: datetime) -> None:
        """A new title; the slug stays put (links to the lesson keep working)."""
        self.title = title
        self._touch(now, "title")

    def describe(
        self,
        now: datetime,
        *,
        description: str | msgspec.UnsetType | None = msgspec.UNSET,
        duration_minutes: int | msgspec.UnsetType | None = msgspec.UNSET,
    ) -> None:
        """Change the lesson's summary and announced length; `UNSET` keeps a field as it is."""
        names = []
        if description is not msgspec.UNSET:
            self.description = description
            names.append("description")
        if duration_minutes is not msgspec.UNSET:
            self.duration_minutes = duration_minutes
            names.append("duration_minutes")
        if names:
            self._touch(now, *names)

    def change_material(
        self,
        now: datetime,
        *,
        lesson_type: LessonType | msgspec.UnsetType = msgspec.UNSET,
        content: str | msgspec.UnsetType | None = msgspec.UNSET,
        video_url: str | msgspec.UnsetType | None = msgspec.UNSET,
    ) -> None:
        """Change what the lesson teaches with; `UNSET` keeps a field as it is. Call `validate` once every
        change is made: the type and its material are checked together."""
        names = []
        if lesson_type is not msgspec.UNSET:
            self.lesson_type = lesson_type
            names.append("lesson_type")
        if content is not msgspec.UNSET:
            self.content = content
            names.append("content")
        if video_url is not msgspec.UNSET:
            self.video_url = video_url
            names.append("video_url")
        if names:
            self._touch(now, *names)

    def set_preview(self, is_preview: bool, now: datetime) -> None:
        """Whether anyone who sees the course may read this lesson's material."""
        self.is_preview = is_preview
        self._touch(now, "is_preview")

    def set_required(self, is_required: bool, now: datetime) -> None:
        """Whether learners must complete this lesson to complete the course."""
        self.is_required = is_required
        self._touch(now, "is_required")

    def replace_metadata(self, metadata: dict[str, Any] | None, now: datetime) -> None:
        check_metadata("lesson_metadata", metadata)
        self.lesson_metadata = metadata
        self._touch(now, "lesson_metadata")

    def move_to(self, parent_lesson_id: UUID | None, position: int, now: datetime) -> None:
        """Under another parent (None: the top level), at `position` among its new siblings. The caller
        checks the parent and renumbers the siblings left behind."""
        if parent_lesson_id == self.id:
            raise InvalidLesson("a lesson cannot be its own parent", details={"field": "parent_lesson_id"})
        self.parent_lesson_id = parent_lesson_id
        self.order_index = position
        self._touch(now, "parent_lesson_id", "order_index")

    @property
    def duration_seconds(self) -> int | None:
        return None if self.duration_minutes is None else self.duration_minutes * 60


def default_price() -> Money:
    return Money(Decimal(0), DEFAULT_CURRENCY)
