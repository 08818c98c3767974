"""Courses and lessons, with the rules that keep them consistent."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec

from lms_core.courses.errors import CannotPublishEmptyCourse, CourseStateConflict, InvalidLesson, MetadataTooLarge
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

    def set(self, now: datetime, **values: Any) -> None:
        """Assign fields and remember them for the repository's partial update."""
        for name, value in values.items():
            if name == "course_metadata":
                check_metadata("course_metadata", value)
            setattr(self, name, value)
            self.changed.add(name)
        self.updated_at = now
        self.changed.add("updated_at")

    def publish(self, now: datetime) -> None:
        if self.status is CourseStatus.PUBLISHED:
            return
        if self.lesson_count == 0:
            raise CannotPublishEmptyCourse("a course needs at least one lesson before it can be published")
        self.set(now, status=CourseStatus.PUBLISHED, published_at=self.published_at or now)

    def archive(self, now: datetime) -> None:
        self.set(now, status=CourseStatus.ARCHIVED)

    def unpublish(self, now: datetime) -> None:
        if self.status is not CourseStatus.PUBLISHED:
            raise CourseStateConflict("only a published course can be taken back to draft")
        self.set(now, status=CourseStatus.DRAFT)


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

    def set(self, now: datetime, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)
            self.changed.add(name)
        self.updated_at = now
        self.changed.add("updated_at")

    @property
    def duration_seconds(self) -> int | None:
        return None if self.duration_minutes is None else self.duration_minutes * 60


def default_price() -> Money:
    return Money(Decimal(0), DEFAULT_CURRENCY)
