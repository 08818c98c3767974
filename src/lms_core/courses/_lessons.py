"""Lesson use cases of the courses module: authoring, ordering and reading the lessons of a course."""

from __future__ import annotations

from uuid import UUID

import msgspec

from lms_core.courses._catalogue import invalidate_catalogue_after_commit
from lms_core.courses._slugs import free_slug, slugify
from lms_core.courses.access import managed_course, visible_course
from lms_core.courses.commands import CreateLesson, ReorderLessons, UpdateLesson
from lms_core.courses.entities import Course, CourseStatus, Lesson, LessonType
from lms_core.courses.errors import (
    CourseStateConflict,
    InvalidLesson,
    InvalidReorder,
    LessonHasChildren,
    LessonNotFound,
)
from lms_core.courses.policy import may_read_lesson_content
from lms_core.courses.ports import CatalogueCache, LessonChangeListener
from lms_core.courses.views import LessonView
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.ids import new_id
from lms_core.shared.ports import Transaction, UnitOfWork


class LessonUseCases:
    """The lesson use cases `CourseService` delegates to (its docstring lists their rules)."""

    def __init__(
        self, *, uow: UnitOfWork, clock: Clock, catalogue_cache: CatalogueCache, lesson_changes: LessonChangeListener
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._catalogue = catalogue_cache
        self._lesson_changes = lesson_changes

    async def list_lessons(self, actor: Actor, course_id: UUID) -> list[LessonView]:
        async with self._uow.begin(write=False) as tx:
            access = await visible_course(tx, actor, course_id)
            lessons = await tx.lessons.list_for_course(course_id)
        return [LessonView.of(lesson, with_content=may_read_lesson_content(access, lesson)) for lesson in lessons]

    async def get_lesson(self, actor: Actor, lesson_id: UUID) -> LessonView:
        async with self._uow.begin(write=False) as tx:
            lesson = await self._lesson(tx, lesson_id)
            access = await visible_course(tx, actor, lesson.course_id)
        return LessonView.of(lesson, with_content=may_read_lesson_content(access, lesson))

    async def create_lesson(self, actor: Actor, course_id: UUID, command: CreateLesson) -> LessonView:
        async with self._uow.begin() as tx:
            course = await managed_course(tx, actor, course_id, for_update=True)
            if command.parent_lesson_id is not None:
                await self._valid_parent(tx, course.id, command.parent_lesson_id, child=None)
            siblings = [s.id for s in await tx.lessons.siblings(course.id, command.parent_lesson_id)]
            position = len(siblings) if command.order_index is None else min(command.order_index, len(siblings))
            base = slugify(command.title, fallback="lesson")
            slug = free_slug(base, await tx.lessons.slugs_starting_with(course.id, base))
            now = self._clock.now()
            lesson = Lesson(
                id=new_id(),
                course_id=course.id,
                title=command.title.strip(),
                slug=slug,
                description=command.description,
                content=command.content,
                lesson_type=command.lesson_type,
                order_index=position,
                parent_lesson_id=command.parent_lesson_id,
                duration_minutes=command.duration_minutes,
                video_url=command.video_url,
                is_preview=command.is_preview,
                is_required=command.is_required,
                lesson_metadata=command.lesson_metadata,
                created_at=now,
                updated_at=now,
            )
            lesson.validate()
            await tx.lessons.add(lesson)
            siblings.insert(position, lesson.id)
            await tx.lessons.set_positions(siblings)
            await self._after_lessons_changed(tx, course)
            await tx.commit()
        return LessonView.of(lesson, with_content=True)

    async def update_lesson(self, actor: Actor, lesson_id: UUID, command: UpdateLesson) -> LessonView:
        async with self._uow.begin() as tx:
            lesson = await self._lesson(tx, lesson_id)
            course = await managed_course(tx, actor, lesson.course_id, for_update=True)
            now = self._clock.now()
            required_before = lesson.is_required
            if command.title is not msgspec.UNSET:
                lesson.retitle(command.title, now)
            lesson.describe(now, description=command.description, duration_minutes=command.duration_minutes)
            lesson.change_material(
                now, lesson_type=command.lesson_type, content=command.content, video_url=command.video_url
            )
            if command.is_preview is not msgspec.UNSET:
                lesson.set_preview(command.is_preview, now)
            if command.is_required is not msgspec.UNSET:
                lesson.set_required(command.is_required, now)
            if command.lesson_metadata is not msgspec.UNSET:
                lesson.replace_metadata(command.lesson_metadata, now)
            moved_from: UUID | msgspec.UnsetType | None = msgspec.UNSET
            if command.parent_lesson_id is not msgspec.UNSET and command.parent_lesson_id != lesson.parent_lesson_id:
                if command.parent_lesson_id is not None:
                    await self._valid_parent(tx, course.id, command.parent_lesson_id, child=lesson)
                moved_from = lesson.parent_lesson_id
                new_siblings = await tx.lessons.siblings(course.id, command.parent_lesson_id)
                lesson.move_to(command.parent_lesson_id, len(new_siblings), now)
            lesson.validate()
            if lesson.lesson_type is not LessonType.QUIZ and await tx.quizzes.get_by_lesson(lesson.id) is not None:
                raise InvalidLesson(
                    "the lesson has a quiz: delete the quiz before changing the lesson's type",
                    details={"field": "lesson_type"},
                )
            await tx.lessons.save(lesson)
            if moved_from is not msgspec.UNSET:
                remaining = [s.id for s in await tx.lessons.siblings(course.id, moved_from) if s.id != lesson.id]
                await tx.lessons.set_positions(remaining)
            if lesson.is_required != required_before:
                await self._after_lessons_changed(tx, course)
            await tx.commit()
        return LessonView.of(lesson, with_content=True)

    async def delete_lesson(self, actor: Actor, lesson_id: UUID) -> None:
        """Delete a lesson (and its learners' progress on it). A lesson with sub-lessons, or the last
        lesson of a published course, is kept."""
        async with self._uow.begin() as tx:
            lesson = await self._lesson(tx, lesson_id)
            course = await self._managed_course(tx, actor, lesson.course_id)
            if await tx.lessons.has_children(lesson.id):
                raise LessonHasChildren("delete or move the lesson's sub-lessons first")
            if course.status is CourseStatus.PUBLISHED and course.lesson_count <= 1:
                raise CourseStateConflict("a published course keeps at least one lesson; unpublish it first")
            await tx.lessons.delete(lesson.id)
            remaining = [s.id for s in await tx.lessons.siblings(course.id, lesson.parent_lesson_id)]
            await tx.lessons.set_positions(remaining)
            await self._after_lessons_changed(tx, course)
            await tx.commit()

    async def reorder_lessons(self, actor: Actor, course_id: UUID, command: ReorderLessons) -> list[LessonView]:
        async with self._uow.begin() as tx:
            course = await managed_course(tx, actor, course_id, for_update=True)
            siblings = await tx.lessons.siblings(course.id, command.parent_lesson_id)
            if len(command.lesson_ids) != len(set(command.lesson_ids)) or set(command.lesson_ids) != {
                s.id for s in siblings
            }:
                raise InvalidReorder(
                    "lesson_ids must list every lesson of the group exactly once",
                    details={"expected": sorted(str(s.id) for s in siblings)},
                )
            await tx.lessons.set_positions(list(command.lesson_ids))
            lessons = await tx.lessons.list_for_course(course.id)
            await tx.commit()
        return [LessonView.of(lesson, with_content=True) for lesson in lessons]

    # -- parts of the use cases above, run inside their transaction --------------------------------

    async def _after_lessons_changed(self, tx: Transaction, course: Course) -> None:
        course.lesson_count = await tx.courses.refresh_lesson_count(course.id)
        await self._lesson_changes.lessons_changed(tx, course.id, self._clock.now())
        self._invalidate_catalogue_after_commit(tx)

    async def _valid_parent(self, tx: Transaction, course_id: UUID, parent_id: UUID, *, child: Lesson | None) -> None:
        parent = await tx.lessons.get(parent_id)
        if parent is None or parent.course_id != course_id:
            raise InvalidLesson(
                "the parent lesson is not a lesson of this course", details={"field": "parent_lesson_id"}
            )
        if parent.parent_lesson_id is not None:
            raise InvalidLesson("lessons nest one level deep only", details={"field": "parent_lesson_id"})
        if child is not None:
            if parent.id == child.id:
                raise InvalidLesson("a lesson cannot be its own parent", details={"field": "parent_lesson_id"})
            if await tx.lessons.has_children(child.id):
                raise InvalidLesson(
                    "a lesson with sub-lessons cannot become a sub-lesson", details={"field": "parent_lesson_id"}
                )

    def _invalidate_catalogue_after_commit(self, tx: Transaction) -> None:
        invalidate_catalogue_after_commit(tx, self._catalogue)

    async def _managed_course(self, tx: Transaction, actor: Actor, course_id: UUID) -> Course:
        """The course the caller manages, locked first: course before lesson, as the lock order wants."""
        return await managed_course(tx, actor, course_id, for_update=True)

    async def _lesson(self, tx: Transaction, lesson_id: UUID) -> Lesson:
        lesson = await tx.lessons.get(lesson_id)
        if lesson is None:
            raise LessonNotFound("no such lesson", details={"lesson_id": str(lesson_id)})
        return lesson
