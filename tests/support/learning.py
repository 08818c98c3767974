"""Building enrolments in tests: a published course with lessons, learners, and the events they cause."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from lms_adapters.caching.memory import InProcessCache
from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.uow import SqlUnitOfWork
from lms_core import Actor, Lms
from lms_core.courses.commands import CreateCourse
from lms_core.courses.views import CourseView, LessonView
from lms_core.enrollments.commands import EnrollInCourse
from lms_core.enrollments.completion import LessonCompletion
from lms_core.enrollments.ports import QuizGate
from lms_core.enrollments.service import EnrollmentService
from lms_core.enrollments.views import EnrollmentView
from lms_core.shared.clock import Clock
from lms_core.shared.events import DomainEvent
from lms_core.shared.ports import Transaction
from tests.support.catalogue import instructor, student, text_lesson

E = TypeVar("E", bound=DomainEvent)


@dataclass
class Classroom:
    """A published course of an instructor, with its lessons in creation order."""

    owner: Actor
    course: CourseView
    lessons: list[LessonView]

    @property
    def lesson_ids(self) -> list[UUID]:
        return [lesson.id for lesson in self.lessons]


async def classroom(
    lms: Lms,
    owner: Actor | None = None,
    *,
    title: str = "Learning Course",
    required: int = 2,
    optional: int = 0,
    **lesson_fields: object,
) -> Classroom:
    """A published free course with `required` then `optional` text lessons."""
    owner = owner or await instructor(lms, f"owner-{title.lower().replace(' ', '-')}@example.com")
    course = await lms.courses.create_course(owner, CreateCourse(title=title))
    lessons = [await text_lesson(lms, owner, course, f"Required {n + 1}", **lesson_fields) for n in range(required)]
    lessons += [
        await text_lesson(lms, owner, course, f"Optional {n + 1}", is_required=False, **lesson_fields)
        for n in range(optional)
    ]
    course = await lms.courses.publish_course(owner, course.id)
    return Classroom(owner=owner, course=course, lessons=lessons)


async def enrolled_student(
    lms: Lms, room: Classroom, email: str = "learner@example.com"
) -> tuple[Actor, EnrollmentView]:
    learner = await student(lms, email)
    return learner, await lms.enrollments.enroll(learner, EnrollInCourse(course_id=room.course.id))


async def delivered(lms: Lms, event_type: type[E]) -> list[E]:
    """Deliver every pending outbox event and return those of `event_type`, in order."""
    seen: list[E] = []

    async def record(event: DomainEvent) -> None:
        if isinstance(event, event_type):
            seen.append(event)

    lms.outbox.subscribe(event_type, record)
    await lms.outbox.drain()
    return seen


class ScriptedQuizGate:
    """A `QuizGate` whose answer the test sets; records who asked."""

    def __init__(self, answer: bool | None) -> None:
        self.answer = answer
        self.asked: list[tuple[UUID, UUID]] = []

    async def quiz_passed(self, tx: Transaction, enrollment_id: UUID, lesson_id: UUID) -> bool | None:
        self.asked.append((enrollment_id, lesson_id))
        return self.answer


@asynccontextmanager
async def with_quiz_gate(lms: Lms, database_url: str, clock: Clock, gate: QuizGate) -> AsyncIterator[Lms]:
    """The same engine facade with an enrolment service that asks `gate` about quiz lessons."""
    engine = create_engine(database_url)
    try:
        service = EnrollmentService(
            uow=SqlUnitOfWork(engine, clock=clock),
            clock=clock,
            completion=LessonCompletion(),
            quiz_gate=gate,
            catalogue_cache=InProcessCache(),
        )
        yield lms.replace(enrollments=service)
    finally:
        await engine.dispose()
