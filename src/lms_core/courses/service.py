"""The courses service: the catalogue, course authoring and publishing."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import msgspec

from lms_core.courses.access import visible_course
from lms_core.courses.commands import CreateCourse, ListCourses, UpdateCourse
from lms_core.courses.entities import Course, CourseStatus, check_metadata
from lms_core.courses.errors import CourseHasEnrollments, NotCourseManager, SlugTaken
from lms_core.courses.lessons import LessonAuthoring
from lms_core.courses.policy import (
    may_list_status,
    require_can_create_course,
)
from lms_core.courses.ports import CatalogueCache, LessonChangeListener
from lms_core.courses.slugs import slugify, with_suffix
from lms_core.courses.views import CourseView
from lms_core.shared.actor import Actor, Role
from lms_core.shared.clock import Clock
from lms_core.shared.errors import InvalidInputError, PermissionDeniedError
from lms_core.shared.ids import UserId, new_id
from lms_core.shared.money import Money
from lms_core.shared.pagination import Page
from lms_core.shared.ports import UnitOfWork
from lms_core.users.errors import UserNotFound

SLUG_ATTEMPTS = 8
MAX_PRICE = Decimal("99999999.99")


class CourseService(LessonAuthoring):
    """Courses and their lessons.

    Rules:
    - instructors and admins create courses; only a course's instructor or an admin changes it;
    - slugs come from the title (transliterated, lower-case), `-2`, `-3` on collision, and stay put on
      rename unless `regenerate_slug` is asked;
    - a course is published only with at least one lesson; only published courses are in the public
      catalogue; drafts are visible to their managers only; archived courses stay visible to their learners;
    - a course with enrolments cannot be deleted (archive it instead);
    - price is a non-negative amount in an ISO currency (default 0 EGP: free).
    Lesson rules are listed on `LessonAuthoring`.
    """

    def __init__(
        self, *, uow: UnitOfWork, clock: Clock, catalogue_cache: CatalogueCache, lesson_changes: LessonChangeListener
    ) -> None:
        super().__init__(uow=uow, clock=clock, catalogue_cache=catalogue_cache, lesson_changes=lesson_changes)

    # -- catalogue ------------------------------------------------------------------------------

    async def list_courses(self, actor: Actor, query: ListCourses) -> Page[CourseView]:
        """The catalogue: published courses for everyone; other statuses for admins and own courses."""
        if not may_list_status(actor, query.status, query.instructor_id):
            raise PermissionDeniedError(
                "only admins, or instructors listing their own courses, may list unpublished courses",
                code="courses.listing_forbidden",
            )
        public = query.status is CourseStatus.PUBLISHED
        if public:
            cached = self._catalogue.get(query)
            if cached is not None:
                return cached
        generation = self._catalogue.generation()
        async with self._uow.begin(write=False) as tx:
            items, total = await tx.courses.list(query)
        page = Page(items=items, total=total, page=query.page, page_size=query.page_size)
        if public:
            self._catalogue.put(query, page, generation=generation)
        return page

    async def get_course(self, actor: Actor, course_id: UUID) -> CourseView:
        async with self._uow.begin(write=False) as tx:
            course = (await visible_course(tx, actor, course_id)).course
            return CourseView.of(course, await tx.courses.instructor_name(course.instructor_id))

    # -- authoring ------------------------------------------------------------------------------

    async def create_course(self, actor: Actor, command: CreateCourse) -> CourseView:
        require_can_create_course(actor)
        instructor_id = await self._instructor_for(actor, command.instructor_id)
        check_metadata("course_metadata", command.course_metadata)
        price = _money(command.price, command.currency)
        base = slugify(command.title, fallback="course")
        for _ in range(SLUG_ATTEMPTS):
            now = self._clock.now()
            try:
                async with self._uow.begin() as tx:
                    course = Course(
                        id=new_id(),
                        title=command.title.strip(),
                        slug=_free_slug(base, await tx.courses.slugs_starting_with(base)),
                        description=command.description,
                        instructor_id=instructor_id,
                        category=command.category,
                        difficulty_level=command.difficulty_level,
                        status=CourseStatus.DRAFT,
                        thumbnail_url=command.thumbnail_url,
                        estimated_duration_minutes=command.estimated_duration_minutes,
                        course_metadata=command.course_metadata,
                        price=price,
                        created_at=now,
                        updated_at=now,
                    )
                    await tx.courses.add(course)
                    name = await tx.courses.instructor_name(instructor_id)
                    self._invalidate_catalogue_after_commit(tx)
                    await tx.commit()
                return CourseView.of(course, name)
            except SlugTaken:
                continue  # another course took the slug between our read and insert: pick the next one
        raise SlugTaken("could not find a free slug for this title; try a different title")

    async def update_course(self, actor: Actor, course_id: UUID, command: UpdateCourse) -> CourseView:
        for _ in range(SLUG_ATTEMPTS):
            try:
                return await self._update_course(actor, course_id, command)
            except SlugTaken:
                if not command.regenerate_slug:
                    raise
        raise SlugTaken("could not find a free slug for this title; try a different title")

    async def _update_course(self, actor: Actor, course_id: UUID, command: UpdateCourse) -> CourseView:
        async with self._uow.begin() as tx:
            course = await self._managed_course(tx, actor, course_id)
            now = self._clock.now()
            values = {
                name: getattr(command, name)
                for name in (
                    "description",
                    "category",
                    "difficulty_level",
                    "thumbnail_url",
                    "estimated_duration_minutes",
                    "course_metadata",
                )
                if getattr(command, name) is not msgspec.UNSET
            }
            if command.title is not msgspec.UNSET:
                values["title"] = command.title.strip()
                if command.regenerate_slug:
                    base = slugify(command.title, fallback="course")
                    taken = await tx.courses.slugs_starting_with(base) - {course.slug}
                    values["slug"] = _free_slug(base, taken)
            if command.price is not msgspec.UNSET or command.currency is not msgspec.UNSET:
                amount = course.price.amount if command.price is msgspec.UNSET else command.price
                currency = course.price.currency if command.currency is msgspec.UNSET else command.currency
                values["price"] = _money(amount, currency)
            if values:
                course.set(now, **values)
            if command.status is not msgspec.UNSET and command.status is not course.status:
                if command.status is CourseStatus.PUBLISHED:
                    course.publish(now)
                else:
                    course.set(now, status=command.status)
            await tx.courses.save(course)
            name = await tx.courses.instructor_name(course.instructor_id)
            self._invalidate_catalogue_after_commit(tx)
            await tx.commit()
        return CourseView.of(course, name)

    async def publish_course(self, actor: Actor, course_id: UUID) -> CourseView:
        async with self._uow.begin() as tx:
            course = await self._managed_course(tx, actor, course_id)
            course.publish(self._clock.now())
            await tx.courses.save(course)
            name = await tx.courses.instructor_name(course.instructor_id)
            self._invalidate_catalogue_after_commit(tx)
            await tx.commit()
        return CourseView.of(course, name)

    async def delete_course(self, actor: Actor, course_id: UUID) -> None:
        """Delete a course and its lessons; refused once anyone has enrolled (archive it instead)."""
        async with self._uow.begin() as tx:
            await self._managed_course(tx, actor, course_id)
            if await tx.enrollments.exists_for_course(course_id):
                raise CourseHasEnrollments("the course has enrolments; archive it instead of deleting it")
            await tx.courses.delete(course_id)
            self._invalidate_catalogue_after_commit(tx)
            await tx.commit()

    # -- helpers --------------------------------------------------------------------------------

    async def _instructor_for(self, actor: Actor, requested: UUID | None) -> UserId:
        if requested is None or requested == actor.user_id:
            if actor.user_id is None:
                raise InvalidInputError(
                    "name the instructor_id of a course created by the system", details={"field": "instructor_id"}
                )
            return actor.user_id
        if not actor.is_admin:
            raise NotCourseManager("only admins create courses for another instructor")
        async with self._uow.begin(write=False) as tx:
            user = await tx.users.get(UserId(requested))
        if user is None or user.role not in (Role.INSTRUCTOR, Role.ADMIN):
            raise UserNotFound("no such instructor", details={"field": "instructor_id"})
        return user.id


def _free_slug(base: str, taken: set[str]) -> str:
    number = 1
    while with_suffix(base, number) in taken:
        number += 1
    return with_suffix(base, number)


def _money(amount: Decimal, currency: str) -> Money:
    """Prices are checked here: msgspec cannot bound Decimal values in a command's annotations."""
    try:
        price = Money(amount, currency)
    except ValueError as exc:
        raise InvalidInputError(str(exc), code="courses.invalid_price", details={"field": "price"}) from exc
    if price.amount < 0 or price.amount > MAX_PRICE:
        raise InvalidInputError(
            f"price must be between 0 and {MAX_PRICE}", code="courses.invalid_price", details={"field": "price"}
        )
    return price
