"""Events of the courses module: a course entering or leaving the catalogue, or deleted.

They feed what reacts to the catalogue outside a request: announcements to learners, analytics, and the
clean-up of what hung off a deleted course.
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from lms_core.shared.events import DomainEvent


class CoursePublished(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "courses.published"
    course_id: UUID
    instructor_id: UUID
    title: str
    slug: str


class CourseArchived(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "courses.archived"
    course_id: UUID
    instructor_id: UUID


class CourseDeleted(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "courses.deleted"
    course_id: UUID
    instructor_id: UUID


# What this module records; the composition root puts these in the engine's event catalogue.
EVENTS: tuple[type[DomainEvent], ...] = (CoursePublished, CourseArchived, CourseDeleted)
