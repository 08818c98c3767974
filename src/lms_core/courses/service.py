"""The courses service: the catalogue, course authoring and publishing, and the lessons of a course."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar
from uuid import UUID

import msgspec

from lms_core.courses._catalogue import invalidate_catalogue_after_commit
from lms_core.courses._lessons import LessonUseCases
from lms_core.courses._slugs import free_slug, slugify
from lms_core.courses.access import managed_course, visible_course
from lms_core.courses.commands import (
    CreateCourse,
    CreateLesson,
    ListCourses,
    ReorderLessons,
    UpdateCourse,
    UpdateLesson,
)
from lms_core.courses.entities import Course, CourseStatus, check_metadata
from lms_core.courses.errors import CourseHasEnrollments, SlugTaken
from lms_core.courses.events import CourseArchived, CourseDeleted, CoursePublished
from lms_core.courses.policy import (
    require_can_create_course,
    require_can_create_for_others,
    require_can_reassign_course,
    require_can_teach,
    require_may_list_status,
)
from lms_core.courses.ports import CatalogueCache, LessonChangeListener
from lms_core.courses.views import CourseView, LessonView
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.errors import InvalidInputError
from lms_core.shared.events import DomainEvent
from lms_core.shared.ids import UserId, new_id
from lms_core.shared.money import Money
from lms_core.shared.pagination import Page
from lms_core.shared.ports import Transaction, UnitOfWork

# A slug lost to a concurrent writer is drawn again in a fresh transaction, which sees the winner's
# slug. Every lost attempt means another course took a slug, so N writers racing for one title need at
# most N attempts each: the bound is only a safety net, far above any real burst of same-title courses.
SLUG_ATTEMPTS = 1000
MAX_PRICE = Decimal("99999999.99")

T = TypeVar("T")


class CourseService:
    """Courses and their lessons.

    Course rules:
    - instructors and admins create courses; only admins create one for another instructor, who must
      be an instructor or an admin; only a course's instructor (while they hold the instructor role) or an
      admin changes it; only admins hand a course to another instructor or admin;
    - slugs come from the title (transliterated, lower-case), `-2`, `-3` on collision, and stay put on
      rename unless `regenerate_slug` is asked;
    - a course is published only with at least one lesson; only published courses are in the public
      catalogue; drafts are visible to their managers only; archived courses stay visible to their learners;
    - a course with enrolments cannot be deleted (archive it instead);
    - price is a non-negative amount in an ISO currency (default 0 EGP: free);
    - publishing, archiving and deleting a course are recorded as events (`courses.*`).

    Lesson rules:
    - only the course's instructor or an admin adds, changes, reorders or deletes lessons;
    - a video lesson needs `video_url`, a text lesson `content`;
    - `order_index` counts from 0 among siblings and stays contiguous through inserts, moves,
      deletions and reorders;
    - one level of nesting: a parent is a top-level lesson of the same course;
    - preview lessons' content is readable by anyone who can see the course; other content only by
      enrolled learners and the course's managers;
    - adding, removing or changing whether a lesson is required updates every active enrolment's
      progress in the same transaction (and may complete enrolments).

    Every write drops the cached catalogue once committed.
    """

    def __init__(
        self, *, uow: UnitOfWork, clock: Clock, catalogue_cache: CatalogueCache, lesson_changes: LessonChangeListener
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._catalogue = catalogue_cache
        self._lessons = LessonUseCases(
            uow=uow, clock=clock, catalogue_cache=catalogue_cache, lesson_changes=lesson_changes
        )

    # -- catalogue ------------------------------------------------------------------------------

    async def list_courses(self, actor: Actor, query: ListCourses) -> Page[CourseView]:
        """The catalogue: published courses for everyone; other statuses for admins and own courses."""
        require_may_list_status(actor, query.status, query.instructor_id)
        public = query.status is CourseStatus.PUBLISHED
        if public:
            cached = self._catalogue.get(query)
            if cached is not None:
                return cached
        generation = self._catalogue.generation()
        async with self._uow.begin(write=False) as tx:
            items, total = await tx.courses.list(query)
        page = query.page_of(items, total)
        if public:
            self._catalogue.put(query, page, generation=generation)
        return page

    async def get_course(self, actor: Actor, course_id: UUID) -> CourseView:
        """One course; a course hidden from the caller (a draft of someone else's) is not found."""
        async with self._uow.begin(write=False) as tx:
            course = (await visible_course(tx, actor, course_id)).course
            return CourseView.of(course, await tx.courses.instructor_name(course.instructor_id))

    # -- course authoring -----------------------------------------------------------------------

    async def create_course(self, actor: Actor, command: CreateCourse) -> CourseView:
        """A draft course, taught by the caller or (admins) by the instructor the command names."""
        require_can_create_course(actor)
        check_metadata("course_metadata", command.course_metadata)
        price = _money(command.price, command.currency)
        base = slugify(command.title, fallback="course")
        for _ in range(SLUG_ATTEMPTS):
            try:
                async with self._uow.begin() as tx:
                    instructor_id = await _instructor_for(tx, actor, command.instructor_id)
                    now = self._clock.now()
                    course = Course(
                        id=new_id(),
                        title=command.title.strip(),
                        slug=free_slug(base, await tx.courses.slugs_starting_with(base)),
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
                    invalidate_catalogue_after_commit(tx, self._catalogue)
                    await tx.commit()
                return CourseView.of(course, name)
            except SlugTaken:
                continue  # another course took the slug between our read and insert: pick the next one
        raise SlugTaken("could not find a free slug for this title; try a different title")

    async def update_course(self, actor: Actor, course_id: UUID, command: UpdateCourse) -> CourseView:
        """Change a course; absent fields stay. A regenerated slug lost to a concurrent writer is drawn again."""
        for _ in range(SLUG_ATTEMPTS):
            try:
                return await self._update_course(actor, course_id, command)
            except SlugTaken:
                if not command.regenerate_slug:
                    raise
        raise SlugTaken("could not find a free slug for this title; try a different title")

    async def _update_course(self, actor: Actor, course_id: UUID, command: UpdateCourse) -> CourseView:
        async with self._uow.begin() as tx:
            course = await managed_course(tx, actor, course_id, for_update=True)
            now = self._clock.now()
            if command.title is not msgspec.UNSET:
                slug = None
                if command.regenerate_slug:
                    base = slugify(command.title, fallback="course")
                    slug = free_slug(base, await tx.courses.slugs_starting_with(base) - {course.slug})
                course.retitle(command.title.strip(), now, slug=slug)
            course.describe(
                now,
                description=command.description,
                category=command.category,
                difficulty_level=command.difficulty_level,
                thumbnail_url=command.thumbnail_url,
                estimated_duration_minutes=command.estimated_duration_minutes,
            )
            if command.course_metadata is not msgspec.UNSET:
                course.replace_metadata(command.course_metadata, now)
            if command.price is not msgspec.UNSET or command.currency is not msgspec.UNSET:
                amount = _given(command.price, course.price.amount)
                course.reprice(_money(amount, _given(command.currency, course.price.currency)), now)
            if command.status is not msgspec.UNSET and course.change_status(command.status, now):
                await _record_status(tx, course)
            if command.instructor_id is not msgspec.UNSET and command.instructor_id != course.instructor_id:
                require_can_reassign_course(actor)
                course.reassign(require_can_teach(await tx.users.get(UserId(command.instructor_id))).id, now)
            await tx.courses.save(course)
            name = await tx.courses.instructor_name(course.instructor_id)
            invalidate_catalogue_after_commit(tx, self._catalogue)
            await tx.commit()
        return CourseView.of(course, name)

    async def publish_course(self, actor: Actor, course_id: UUID) -> CourseView:
        """Open a course with at least one lesson to the catalogue; publishing it again changes nothing."""
        async with self._uow.begin() as tx:
            course = await managed_course(tx, actor, course_id, for_update=True)
            if course.publish(self._clock.now()):
                await _record_status(tx, course)
            await tx.courses.save(course)
            name = await tx.courses.instructor_name(course.instructor_id)
            invalidate_catalogue_after_commit(tx, self._catalogue)
            await tx.commit()
        return CourseView.of(course, name)

    async def delete_course(self, actor: Actor, course_id: UUID) -> None:
        """Delete a course and its lessons; refused once anyone has enrolled (archive it instead)."""
        async with self._uow.begin() as tx:
            course = await managed_course(tx, actor, course_id, for_update=True)
            if await tx.enrollments.exists_for_course(course_id):
                raise CourseHasEnrollments("the course has enrolments; archive it instead of deleting it")
            await tx.courses.delete(course_id)
            await tx.outbox.add(CourseDeleted(course_id=course.id, instructor_id=course.instructor_id))
            invalidate_catalogue_after_commit(tx, self._catalogue)
            await tx.commit()

    # -- lessons --------------------------------------------------------------------------------

    async def list_lessons(self, actor: Actor, course_id: UUID) -> list[LessonView]:
        """The course outline, parents in order each followed by its children; material as `get_lesson`."""
        return await self._lessons.list_lessons(actor, course_id)

    async def get_lesson(self, actor: Actor, lesson_id: UUID) -> LessonView:
        """One lesson of a course the caller sees; its material only for previews, learners and managers."""
        return await self._lessons.get_lesson(actor, lesson_id)

    async def create_lesson(self, actor: Actor, course_id: UUID, command: CreateLesson) -> LessonView:
        """Add a lesson at the end of its group, or at `order_index`; learners' progress follows."""
        return await self._lessons.create_lesson(actor, course_id, command)

    async def update_lesson(self, actor: Actor, lesson_id: UUID, command: UpdateLesson) -> LessonView:
        """Change a lesson, or move it under another parent (at the end of its new group)."""
        return await self._lessons.update_lesson(actor, lesson_id, command)

    async def delete_lesson(self, actor: Actor, lesson_id: UUID) -> None:
        """Delete a lesson (and its learners' progress on it). A lesson with sub-lessons, or the last
        lesson of a published course, is kept."""
        await self._lessons.delete_lesson(actor, lesson_id)

    async def reorder_lessons(self, actor: Actor, course_id: UUID, command: ReorderLessons) -> list[LessonView]:
        """Set the order of one group of siblings; the list must name each of them exactly once."""
        return await self._lessons.reorder_lessons(actor, course_id, command)


async def _instructor_for(tx: Transaction, actor: Actor, requested: UUID | None) -> UserId:
    """Who teaches a new course: the caller, unless (admins only) the command names an instructor."""
    if requested is None or requested == actor.user_id:
        if actor.user_id is None:
            raise InvalidInputError(
                "name the instructor_id of a course created by the system", details={"field": "instructor_id"}
            )
        return actor.user_id
    require_can_create_for_others(actor)
    return require_can_teach(await tx.users.get(UserId(requested))).id


async def _record_status(tx: Transaction, course: Course) -> None:
    """The event of a course's new status; a return to draft is only its managers' business."""
    event: DomainEvent | None = None
    if course.status is CourseStatus.PUBLISHED:
        event = CoursePublished(
            course_id=course.id, instructor_id=course.instructor_id, title=course.title, slug=course.slug
        )
    elif course.status is CourseStatus.ARCHIVED:
        event = CourseArchived(course_id=course.id, instructor_id=course.instructor_id)
    if event is not None:
        await tx.outbox.add(event)


def _given(value: T | msgspec.UnsetType, current: T) -> T:
    return current if value is msgspec.UNSET else value


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
