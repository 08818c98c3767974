"""Lessons: validation, ordering, nesting and who may read their content."""

from __future__ import annotations

import pytest

from lms_core import Actor, Lms
from lms_core.courses.commands import CreateCourse, CreateLesson, ReorderLessons, UpdateLesson
from lms_core.courses.entities import LessonType
from lms_core.courses.errors import (
    CourseStateConflict,
    InvalidLesson,
    InvalidReorder,
    LessonHasChildren,
    LessonNotFound,
    NotCourseManager,
)
from lms_core.enrollments.commands import EnrollInCourse
from lms_core.shared.ids import new_id
from tests.support.catalogue import instructor, published_course, student, text_lesson
from tests.support.flows import create_admin


async def test_type_specific_validation(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await lms.courses.create_course(owner, CreateCourse(title="Typed"))
    with pytest.raises(InvalidLesson) as caught:
        await lms.courses.create_lesson(owner, course.id, CreateLesson(title="Clip", lesson_type=LessonType.VIDEO))
    assert caught.value.details["field"] == "video_url"
    with pytest.raises(InvalidLesson):
        await lms.courses.create_lesson(
            owner, course.id, CreateLesson(title="Essay", lesson_type=LessonType.TEXT, content="  ")
        )
    video = await lms.courses.create_lesson(
        owner,
        course.id,
        CreateLesson(
            title="Clip", lesson_type=LessonType.VIDEO, video_url="https://video.example/1", duration_minutes=5
        ),
    )
    assert video.video_url == "https://video.example/1"
    quiz = await lms.courses.create_lesson(owner, course.id, CreateLesson(title="Check", lesson_type=LessonType.QUIZ))
    assert quiz.lesson_type is LessonType.QUIZ
    with pytest.raises(InvalidLesson):
        await lms.courses.update_lesson(owner, video.id, UpdateLesson(video_url=None))


async def test_order_stays_contiguous_through_inserts_moves_and_deletes(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await lms.courses.create_course(owner, CreateCourse(title="Ordered"))
    a = await text_lesson(lms, owner, course, "A")
    b = await text_lesson(lms, owner, course, "B")
    c = await text_lesson(lms, owner, course, "C", order_index=0)
    titles = [(lesson.title, lesson.order_index) for lesson in await lms.courses.list_lessons(owner, course.id)]
    assert titles == [("C", 0), ("A", 1), ("B", 2)]
    await lms.courses.delete_lesson(owner, a.id)
    titles = [(lesson.title, lesson.order_index) for lesson in await lms.courses.list_lessons(owner, course.id)]
    assert titles == [("C", 0), ("B", 1)]
    reordered = await lms.courses.reorder_lessons(owner, course.id, ReorderLessons(lesson_ids=[b.id, c.id]))
    assert [(lesson.title, lesson.order_index) for lesson in reordered] == [("B", 0), ("C", 1)]
    with pytest.raises(InvalidReorder):
        await lms.courses.reorder_lessons(owner, course.id, ReorderLessons(lesson_ids=[b.id]))
    with pytest.raises(InvalidReorder):
        await lms.courses.reorder_lessons(owner, course.id, ReorderLessons(lesson_ids=[b.id, b.id]))


async def test_one_level_of_nesting_within_the_same_course(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await lms.courses.create_course(owner, CreateCourse(title="Nested"))
    other_course = await lms.courses.create_course(owner, CreateCourse(title="Elsewhere"))
    chapter = await text_lesson(lms, owner, course, "Chapter")
    part = await text_lesson(lms, owner, course, "Part", parent_lesson_id=chapter.id)
    second = await text_lesson(lms, owner, course, "Second chapter")
    outline = [(lesson.title, lesson.parent_lesson_id) for lesson in await lms.courses.list_lessons(owner, course.id)]
    assert outline == [("Chapter", None), ("Part", chapter.id), ("Second chapter", None)]
    with pytest.raises(InvalidLesson):
        await text_lesson(lms, owner, course, "Too deep", parent_lesson_id=part.id)
    foreign = await text_lesson(lms, owner, other_course, "Foreign")
    with pytest.raises(InvalidLesson):
        await text_lesson(lms, owner, course, "Cross", parent_lesson_id=foreign.id)
    with pytest.raises(InvalidLesson):
        await lms.courses.update_lesson(owner, chapter.id, UpdateLesson(parent_lesson_id=chapter.id))
    with pytest.raises(InvalidLesson):
        await lms.courses.update_lesson(owner, chapter.id, UpdateLesson(parent_lesson_id=second.id))
    with pytest.raises(LessonHasChildren):
        await lms.courses.delete_lesson(owner, chapter.id)
    moved = await lms.courses.update_lesson(owner, part.id, UpdateLesson(parent_lesson_id=None))
    assert moved.parent_lesson_id is None
    assert moved.order_index == 2
    await lms.courses.delete_lesson(owner, chapter.id)


async def test_content_is_for_previews_enrolled_learners_and_managers(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await lms.courses.create_course(owner, CreateCourse(title="Gated"))
    preview = await text_lesson(lms, owner, course, "Welcome", is_preview=True)
    locked = await text_lesson(lms, owner, course, "Members only")
    await lms.courses.publish_course(owner, course.id)
    learner = await student(lms)
    admin = await create_admin(lms)

    for viewer in (Actor.anonymous(), learner, await instructor(lms, "other@example.com")):
        outline = {lesson.title: lesson for lesson in await lms.courses.list_lessons(viewer, course.id)}
        assert outline["Welcome"].content == "All about Welcome."
        assert outline["Members only"].content is None
        assert outline["Members only"].content_locked
        assert (await lms.courses.get_lesson(viewer, locked.id)).content is None
        assert (await lms.courses.get_lesson(viewer, preview.id)).content is not None
    await lms.enrollments.enroll(learner, EnrollInCourse(course_id=course.id))
    for viewer in (learner, owner, admin):
        assert (await lms.courses.get_lesson(viewer, locked.id)).content == "All about Members only."


async def test_only_managers_change_lessons(lms: Lms) -> None:
    owner = await instructor(lms)
    other = await instructor(lms, "other@example.com")
    course = await published_course(lms, owner, "Managed", lessons=2)
    lesson = (await lms.courses.list_lessons(owner, course.id))[0]
    for intruder in (other, await student(lms)):
        with pytest.raises(NotCourseManager):
            await lms.courses.update_lesson(intruder, lesson.id, UpdateLesson(title="Hijack"))
        with pytest.raises(NotCourseManager):
            await lms.courses.delete_lesson(intruder, lesson.id)
        with pytest.raises(NotCourseManager):
            await text_lesson(lms, intruder, course, "Injected")
    with pytest.raises(LessonNotFound):
        await lms.courses.get_lesson(owner, new_id())


async def test_a_published_course_keeps_its_last_lesson(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await published_course(lms, owner, "Lean", lessons=1)
    only = (await lms.courses.list_lessons(owner, course.id))[0]
    with pytest.raises(CourseStateConflict):
        await lms.courses.delete_lesson(owner, only.id)


async def test_a_quiz_lesson_keeps_its_type_while_it_has_a_quiz(lms: Lms) -> None:
    from tests.support.quizzes import graded_quiz

    owner = await instructor(lms)
    course = await published_course(lms, owner, "With quiz", lessons=1)
    authored = await graded_quiz(lms, owner, course)
    with pytest.raises(InvalidLesson):
        await lms.courses.update_lesson(
            owner, authored.lesson.id, UpdateLesson(lesson_type=LessonType.TEXT, content="x")
        )
