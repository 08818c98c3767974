"""Building courses and lessons in tests."""

from __future__ import annotations

from lms_core import Actor, Lms, Role
from lms_core.courses.commands import CreateCourse, CreateLesson
from lms_core.courses.entities import LessonType
from lms_core.courses.views import CourseView, LessonView
from tests.support.flows import actor_of, register


async def instructor(lms: Lms, email: str = "teacher@example.com") -> Actor:
    return actor_of(await register(lms, email, role=Role.INSTRUCTOR, name="Teacher " + email.split("@")[0]))


async def student(lms: Lms, email: str = "learner@example.com") -> Actor:
    return actor_of(await register(lms, email, name="Learner " + email.split("@")[0]))


async def text_lesson(
    lms: Lms, owner: Actor, course: CourseView, title: str = "Reading", **extra: object
) -> LessonView:
    values: dict[str, object] = {"title": title, "lesson_type": LessonType.TEXT, "content": f"All about {title}."}
    values.update(extra)
    return await lms.courses.create_lesson(owner, course.id, CreateLesson(**values))  # type: ignore[arg-type]


async def published_course(lms: Lms, owner: Actor, title: str = "Intro to Python", lessons: int = 2) -> CourseView:
    course = await lms.courses.create_course(owner, CreateCourse(title=title, category="programming"))
    for number in range(lessons):
        await text_lesson(lms, owner, course, f"Lesson {number + 1}")
    return await lms.courses.publish_course(owner, course.id)
