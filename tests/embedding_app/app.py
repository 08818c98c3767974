"""A small application embedding the engine through its public API only.

It is not run by the suite: `tests/unit/test_typed_package.py` type-checks it with `mypy --strict`
against the installed packages, which proves that they ship `py.typed` and that the public names carry
their real types (a wrong argument below would be an error, not a silently accepted `Any`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from lms_adapters import ConfigurationError, Settings, open_lms
from lms_core import (
    Actor,
    CourseView,
    CreateCourse,
    CreateLesson,
    DomainEvent,
    EnrollInCourse,
    EnrollmentCompleted,
    EnrollmentView,
    LessonType,
    ListCourses,
    ListMyEnrollments,
    LmsError,
    NotFoundError,
    OutgoingEmail,
    Page,
    Role,
    UpdateProgress,
    UserId,
)


class OfficeClock:
    """The `Clock` port: the application's own time source."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class OutgoingMailbox:
    """The `Mailer` port: keeps messages for the application to send its own way."""

    def __init__(self) -> None:
        self.messages: list[OutgoingEmail] = []

    async def send(self, message: OutgoingEmail) -> None:
        self.messages.append(message)


class CompletionLog:
    """Listens to the engine's events through the outbox."""

    def __init__(self) -> None:
        self.completed: list[UUID] = []

    async def __call__(self, event: DomainEvent) -> None:
        if isinstance(event, EnrollmentCompleted):
            self.completed.append(event.enrollment_id)


async def publish_intro_course(lms_teacher: Actor, database: Path) -> CourseView:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{database}", secret_key="x" * 48)
    async with open_lms(settings, clock=OfficeClock(), mailer=OutgoingMailbox(), migrate=True) as lms:
        lms.outbox.subscribe(EnrollmentCompleted, CompletionLog())
        course = await lms.courses.create_course(lms_teacher, CreateCourse(title="Intro", category="general"))
        await lms.courses.create_lesson(
            lms_teacher, course.id, CreateLesson(title="Welcome", lesson_type=LessonType.TEXT, content="Hello.")
        )
        return await lms.courses.publish_course(lms_teacher, course.id)


async def follow(user_id: UUID, course_id: UUID) -> list[EnrollmentView]:
    learner = Actor.user(UserId(user_id), Role.STUDENT)
    try:
        settings = Settings.from_env()
    except ConfigurationError as error:
        raise SystemExit(f"cannot start: {error}") from error
    async with open_lms(settings) as lms:
        catalogue: Page[CourseView] = await lms.courses.list_courses(Actor.anonymous(), ListCourses(q="Intro"))
        if all(course.id != course_id for course in catalogue.items):
            raise LookupError("not in the catalogue")
        try:
            enrollment = await lms.enrollments.enroll(learner, EnrollInCourse(course_id=course_id))
        except NotFoundError:
            return []
        except LmsError as error:
            print(error.code, error.message)
            raise
        (lesson,) = await lms.courses.list_lessons(learner, course_id)
        await lms.enrollments.update_progress(learner, enrollment.id, lesson.id, UpdateProgress(time_spent_seconds=60))
        mine = await lms.enrollments.my_enrollments(learner, ListMyEnrollments())
        return mine.items
