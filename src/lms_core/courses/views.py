"""Outputs of the courses module."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec

from lms_core.courses.entities import Course, CourseStatus, Difficulty, Lesson, LessonType


class InstructorSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    full_name: str


class CourseView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    title: str
    slug: str
    description: str | None
    instructor_id: UUID
    instructor: InstructorSummary | None
    category: str | None
    difficulty_level: Difficulty | None
    status: CourseStatus
    is_published: bool
    thumbnail_url: str | None
    estimated_duration_minutes: int | None
    course_metadata: dict[str, Any] | None
    price: Decimal
    currency: str
    is_free: bool
    lesson_count: int
    enrollment_count: int
    average_rating: Decimal | None
    rating_count: int
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, course: Course, instructor_name: str | None = None) -> CourseView:
        return cls(
            id=course.id,
            title=course.title,
            slug=course.slug,
            description=course.description,
            instructor_id=course.instructor_id,
            instructor=None
            if instructor_name is None
            else InstructorSummary(id=course.instructor_id, full_name=instructor_name),
            category=course.category,
            difficulty_level=course.difficulty_level,
            status=course.status,
            is_published=course.is_published,
            thumbnail_url=course.thumbnail_url,
            estimated_duration_minutes=course.estimated_duration_minutes,
            course_metadata=course.course_metadata,
            price=course.price.amount,
            currency=course.price.currency,
            is_free=course.is_free,
            lesson_count=course.lesson_count,
            enrollment_count=course.enrollment_count,
            average_rating=course.average_rating,
            rating_count=course.rating_count,
            published_at=course.published_at,
            created_at=course.created_at,
            updated_at=course.updated_at,
        )


class LessonView(msgspec.Struct, frozen=True, kw_only=True):
    """A lesson. `content` and `video_url` are null (and `content_locked` true) for callers who may see
    the outline but not the material: not enrolled, and the lesson is not a preview."""

    id: UUID
    course_id: UUID
    title: str
    slug: str
    description: str | None
    lesson_type: LessonType
    order_index: int
    parent_lesson_id: UUID | None
    duration_minutes: int | None
    is_preview: bool
    is_required: bool
    content_locked: bool
    content: str | None
    video_url: str | None
    lesson_metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, lesson: Lesson, *, with_content: bool) -> LessonView:
        return cls(
            id=lesson.id,
            course_id=lesson.course_id,
            title=lesson.title,
            slug=lesson.slug,
            description=lesson.description,
            lesson_type=lesson.lesson_type,
            order_index=lesson.order_index,
            parent_lesson_id=lesson.parent_lesson_id,
            duration_minutes=lesson.duration_minutes,
            is_preview=lesson.is_preview,
            is_required=lesson.is_required,
            content_locked=not with_content,
            content=lesson.content if with_content else None,
            video_url=lesson.video_url if with_content else None,
            lesson_metadata=lesson.lesson_metadata if with_content else None,
            created_at=lesson.created_at,
            updated_at=lesson.updated_at,
        )
