"""Course authoring, publishing, visibility and the catalogue."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from lms_core import Actor, Lms, PermissionDeniedError
from lms_core.courses.commands import CourseSort, CreateCourse, ListCourses, UpdateCourse
from lms_core.courses.entities import CourseStatus, Difficulty
from lms_core.courses.errors import (
    CannotPublishEmptyCourse,
    CourseHasEnrollments,
    CourseNotFound,
    InstructorRoleRequired,
    MetadataTooLarge,
    NotCourseManager,
)
from lms_core.courses.events import CourseArchived, CourseDeleted, CoursePublished
from lms_core.enrollments.commands import EnrollInCourse
from lms_core.shared.errors import InvalidInputError
from lms_core.shared.ids import new_id
from lms_core.users.errors import UserNotFound
from tests.support.catalogue import instructor, published_course, student, text_lesson
from tests.support.flows import create_admin, delivered_events


async def test_instructor_creates_a_draft_with_defaults(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await lms.courses.create_course(owner, CreateCourse(title="  Intro to Python "))
    assert course.title == "Intro to Python"
    assert course.slug == "intro-to-python"
    assert course.status is CourseStatus.DRAFT
    assert course.is_published is False
    assert course.price == Decimal(0)
    assert course.currency == "EGP"
    assert course.is_free
    assert course.instructor is not None
    assert course.instructor.full_name.startswith("Teacher")


async def test_students_and_anonymous_cannot_create_courses(lms: Lms) -> None:
    learner = await student(lms)
    with pytest.raises(InstructorRoleRequired):
        await lms.courses.create_course(learner, CreateCourse(title="Mine"))
    with pytest.raises(InstructorRoleRequired):
        await lms.courses.create_course(Actor.anonymous(), CreateCourse(title="Mine"))


async def test_slugs_are_unique_transliterated_and_stable_on_rename(lms: Lms) -> None:
    owner = await instructor(lms)
    first = await lms.courses.create_course(owner, CreateCourse(title="Café Basics"))
    second = await lms.courses.create_course(owner, CreateCourse(title="Cafe basics!"))
    third = await lms.courses.create_course(owner, CreateCourse(title="CAFÉ  BASICS"))
    arabic = await lms.courses.create_course(owner, CreateCourse(title="مقدمة في البرمجة"))
    assert [first.slug, second.slug, third.slug] == ["cafe-basics", "cafe-basics-2", "cafe-basics-3"]
    assert arabic.slug == "mqdma-fy-albrmja"
    renamed = await lms.courses.update_course(owner, second.id, UpdateCourse(title="Espresso"))
    assert renamed.slug == "cafe-basics-2"
    regenerated = await lms.courses.update_course(
        owner, second.id, UpdateCourse(title="Espresso", regenerate_slug=True)
    )
    assert regenerated.slug == "espresso"


async def test_concurrent_creations_with_one_title_get_distinct_slugs(lms: Lms) -> None:
    owner = await instructor(lms)
    created = await asyncio.gather(*[lms.courses.create_course(owner, CreateCourse(title="Same")) for _ in range(5)])
    assert sorted(c.slug for c in created) == ["same", "same-2", "same-3", "same-4", "same-5"]


async def test_publish_needs_a_lesson(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await lms.courses.create_course(owner, CreateCourse(title="Empty"))
    with pytest.raises(CannotPublishEmptyCourse):
        await lms.courses.publish_course(owner, course.id)
    with pytest.raises(CannotPublishEmptyCourse):
        await lms.courses.update_course(owner, course.id, UpdateCourse(status=CourseStatus.PUBLISHED))
    await text_lesson(lms, owner, course)
    published = await lms.courses.publish_course(owner, course.id)
    assert published.is_published
    assert published.published_at is not None


async def test_only_the_owner_or_an_admin_changes_a_course(lms: Lms) -> None:
    owner = await instructor(lms, "owner@example.com")
    other = await instructor(lms, "other@example.com")
    learner = await student(lms)
    admin = await create_admin(lms)
    course = await lms.courses.create_course(owner, CreateCourse(title="Guarded"))
    await text_lesson(lms, owner, course)
    await lms.courses.publish_course(owner, course.id)
    for intruder in (other, learner):
        with pytest.raises(NotCourseManager):
            await lms.courses.update_course(intruder, course.id, UpdateCourse(title="Hijacked"))
        with pytest.raises(NotCourseManager):
            await lms.courses.delete_course(intruder, course.id)
    updated = await lms.courses.update_course(admin, course.id, UpdateCourse(category="moderated"))
    assert updated.category == "moderated"


async def test_drafts_are_hidden_from_everyone_but_managers(lms: Lms) -> None:
    owner = await instructor(lms, "owner@example.com")
    other = await instructor(lms, "other@example.com")
    admin = await create_admin(lms)
    draft = await lms.courses.create_course(owner, CreateCourse(title="Secret"))
    for viewer in (Actor.anonymous(), other, await student(lms)):
        with pytest.raises(CourseNotFound):
            await lms.courses.get_course(viewer, draft.id)
        with pytest.raises(CourseNotFound):
            await lms.courses.list_lessons(viewer, draft.id)
    assert (await lms.courses.get_course(owner, draft.id)).id == draft.id
    assert (await lms.courses.get_course(admin, draft.id)).id == draft.id


async def test_catalogue_lists_published_courses_only_with_filters_and_sorting(lms: Lms) -> None:
    owner = await instructor(lms)
    other = await instructor(lms, "other@example.com")
    python = await published_course(lms, owner, "Python Basics")
    await lms.courses.update_course(owner, python.id, UpdateCourse(difficulty_level=Difficulty.BEGINNER))
    paid = await published_course(lms, owner, "Advanced Rust")
    await lms.courses.update_course(owner, paid.id, UpdateCourse(price=Decimal("199.00"), category="systems"))
    await published_course(lms, other, "Algebra")
    await lms.courses.create_course(owner, CreateCourse(title="Draft Only"))

    everything = await lms.courses.list_courses(Actor.anonymous(), ListCourses())
    assert everything.total == 3
    assert [c.title for c in everything.items] == ["Algebra", "Advanced Rust", "Python Basics"]  # newest first
    by_title = await lms.courses.list_courses(Actor.anonymous(), ListCourses(sort=CourseSort.TITLE))
    assert [c.title for c in by_title.items] == ["Advanced Rust", "Algebra", "Python Basics"]
    free = await lms.courses.list_courses(Actor.anonymous(), ListCourses(is_free=True))
    assert {c.title for c in free.items} == {"Python Basics", "Algebra"}
    not_free = await lms.courses.list_courses(Actor.anonymous(), ListCourses(is_free=False))
    assert [c.price for c in not_free.items] == [Decimal("199.00")]
    assert (await lms.courses.list_courses(Actor.anonymous(), ListCourses(category="systems"))).total == 1
    beginner = await lms.courses.list_courses(Actor.anonymous(), ListCourses(difficulty_level=Difficulty.BEGINNER))
    assert [c.title for c in beginner.items] == ["Python Basics"]
    assert other.user_id is not None
    mine = await lms.courses.list_courses(Actor.anonymous(), ListCourses(instructor_id=other.user_id))
    assert [c.title for c in mine.items] == ["Algebra"]
    search = await lms.courses.list_courses(Actor.anonymous(), ListCourses(q="RUST"))
    assert [c.title for c in search.items] == ["Advanced Rust"]
    paged = await lms.courses.list_courses(Actor.anonymous(), ListCourses(page=2, page_size=2))
    assert (paged.total, len(paged.items), paged.page) == (3, 1, 2)


async def test_unpublished_listings_are_for_admins_and_own_courses(lms: Lms) -> None:
    owner = await instructor(lms)
    other = await instructor(lms, "other@example.com")
    admin = await create_admin(lms)
    await lms.courses.create_course(owner, CreateCourse(title="Draft"))
    assert owner.user_id is not None
    own = await lms.courses.list_courses(owner, ListCourses(status=CourseStatus.DRAFT, instructor_id=owner.user_id))
    assert own.total == 1
    assert (await lms.courses.list_courses(admin, ListCourses(status=CourseStatus.DRAFT))).total == 1
    with pytest.raises(PermissionDeniedError):
        await lms.courses.list_courses(other, ListCourses(status=CourseStatus.DRAFT))
    with pytest.raises(PermissionDeniedError):
        await lms.courses.list_courses(other, ListCourses(status=CourseStatus.DRAFT, instructor_id=owner.user_id))


async def test_a_catalogue_write_is_visible_on_the_next_read(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await published_course(lms, owner, "Cached")
    assert (await lms.courses.list_courses(Actor.anonymous(), ListCourses())).items[0].title == "Cached"
    await lms.courses.update_course(owner, course.id, UpdateCourse(title="Renamed"))
    assert (await lms.courses.list_courses(Actor.anonymous(), ListCourses())).items[0].title == "Renamed"
    await lms.courses.update_course(owner, course.id, UpdateCourse(status=CourseStatus.ARCHIVED))
    assert (await lms.courses.list_courses(Actor.anonymous(), ListCourses())).total == 0


async def test_price_and_metadata_validation(lms: Lms) -> None:
    owner = await instructor(lms)
    with pytest.raises(InvalidInputError):
        await lms.courses.create_course(owner, CreateCourse(title="Odd", price=Decimal("1.005"), currency="USD"))
    with pytest.raises(MetadataTooLarge):
        await lms.courses.create_course(owner, CreateCourse(title="Big", course_metadata={"x": "y" * 40_000}))
    kwd = await lms.courses.create_course(owner, CreateCourse(title="Kuwait", price=Decimal("1.250"), currency="KWD"))
    assert kwd.price == Decimal("1.250")


async def test_delete_is_refused_once_someone_enrolled(lms: Lms) -> None:
    owner = await instructor(lms)
    empty = await lms.courses.create_course(owner, CreateCourse(title="Disposable"))
    await lms.courses.delete_course(owner, empty.id)
    with pytest.raises(CourseNotFound):
        await lms.courses.get_course(owner, empty.id)
    taken = await published_course(lms, owner, "Popular")
    await lms.enrollments.enroll(await student(lms), EnrollInCourse(course_id=taken.id))
    with pytest.raises(CourseHasEnrollments):
        await lms.courses.delete_course(owner, taken.id)
    archived = await lms.courses.update_course(owner, taken.id, UpdateCourse(status=CourseStatus.ARCHIVED))
    assert archived.status is CourseStatus.ARCHIVED


async def test_only_admins_create_courses_for_another_instructor(lms: Lms) -> None:
    admin = await create_admin(lms)
    teacher = await instructor(lms, "teacher@example.com")
    colleague = await instructor(lms, "colleague@example.com")
    learner = await student(lms)
    assert teacher.user_id is not None and learner.user_id is not None
    made = await lms.courses.create_course(admin, CreateCourse(title="Assigned", instructor_id=teacher.user_id))
    assert made.instructor_id == teacher.user_id
    assert (await lms.courses.get_course(teacher, made.id)).status is CourseStatus.DRAFT  # the teacher manages it
    with pytest.raises(NotCourseManager):
        await lms.courses.create_course(colleague, CreateCourse(title="Pushed", instructor_id=teacher.user_id))
    with pytest.raises(UserNotFound):
        await lms.courses.create_course(admin, CreateCourse(title="Taught", instructor_id=learner.user_id))
    with pytest.raises(UserNotFound):
        await lms.courses.create_course(admin, CreateCourse(title="Ghost", instructor_id=new_id()))
    listed = await lms.courses.list_courses(admin, ListCourses(status=CourseStatus.DRAFT))
    assert [course.title for course in listed.items] == ["Assigned"]


async def test_an_update_changes_only_what_it_names_and_a_refused_one_nothing(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await lms.courses.create_course(
        owner, CreateCourse(title="Steady", description="Kept", category="science", price=Decimal(10))
    )
    updated = await lms.courses.update_course(owner, course.id, UpdateCourse(currency="USD", category=None))
    assert (updated.price, updated.currency, updated.category, updated.description) == (
        Decimal(10),
        "USD",
        None,
        "Kept",
    )
    with pytest.raises(MetadataTooLarge):
        await lms.courses.update_course(
            owner, course.id, UpdateCourse(title="Renamed", course_metadata={"x": "y" * 40_000})
        )
    assert await lms.courses.get_course(owner, course.id) == updated


async def test_publishing_archiving_and_deleting_are_recorded_once(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await lms.courses.create_course(owner, CreateCourse(title="Announced"))
    await text_lesson(lms, owner, course)
    await lms.courses.publish_course(owner, course.id)
    await lms.courses.publish_course(owner, course.id)  # already published: no second event
    await lms.courses.update_course(owner, course.id, UpdateCourse(status=CourseStatus.ARCHIVED))
    await lms.courses.update_course(owner, course.id, UpdateCourse(status=CourseStatus.DRAFT))  # no event
    await lms.courses.delete_course(owner, course.id)
    assert owner.user_id is not None
    assert await delivered_events(lms, CoursePublished, CourseArchived, CourseDeleted) == [
        CoursePublished(course_id=course.id, instructor_id=owner.user_id, title="Announced", slug="announced"),
        CourseArchived(course_id=course.id, instructor_id=owner.user_id),
        CourseDeleted(course_id=course.id, instructor_id=owner.user_id),
    ]
