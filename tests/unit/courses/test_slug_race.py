"""Many instructors creating courses with one title at once: every creation succeeds, every slug differs."""

from __future__ import annotations

import asyncio

from lms_core import Lms
from lms_core.courses.commands import CreateCourse, ListCourses, UpdateCourse
from lms_core.courses.entities import CourseStatus
from lms_core.shared.actor import Actor
from tests.support.catalogue import instructor
from tests.support.flows import create_admin

CREATORS = 20


async def test_twenty_concurrent_creations_with_one_title_all_succeed_with_distinct_slugs(lms: Lms) -> None:
    owners = [await instructor(lms, f"teacher{n}@example.com") for n in range(CREATORS)]
    created = await asyncio.gather(
        *[lms.courses.create_course(owner, CreateCourse(title="Data Science 101")) for owner in owners]
    )
    expected = ["data-science-101"] + [f"data-science-101-{n}" for n in range(2, CREATORS + 1)]
    assert sorted(c.slug for c in created) == sorted(expected)
    admin = await create_admin(lms)
    stored = await lms.courses.list_courses(admin, ListCourses(status=CourseStatus.DRAFT, page_size=100))
    assert stored.total == CREATORS
    assert sorted(c.slug for c in stored.items) == sorted(expected)


async def test_concurrent_slug_regenerations_all_succeed_with_distinct_slugs(lms: Lms) -> None:
    owner: Actor = await instructor(lms)
    courses = [await lms.courses.create_course(owner, CreateCourse(title=f"Draft {n}")) for n in range(CREATORS)]
    renamed = await asyncio.gather(
        *[
            lms.courses.update_course(owner, course.id, UpdateCourse(title="Renamed", regenerate_slug=True))
            for course in courses
        ]
    )
    expected = ["renamed"] + [f"renamed-{n}" for n in range(2, CREATORS + 1)]
    assert sorted(c.slug for c in renamed) == sorted(expected)
