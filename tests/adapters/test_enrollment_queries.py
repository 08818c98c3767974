"""Enrolment persistence: constant statement counts, and the unique constraint as a domain error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from lms_adapters.caching.memory import InProcessCache
from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.uow import SqlUnitOfWork
from lms_core import Lms
from lms_core.enrollments.commands import ListCourseEnrollments, ListMyEnrollments, UpdateProgress
from lms_core.enrollments.completion import LessonCompletion
from lms_core.enrollments.entities import Enrollment, EnrollmentStatus
from lms_core.enrollments.errors import AlreadyEnrolled
from lms_core.enrollments.ports import NoQuizzes
from lms_core.enrollments.service import EnrollmentService
from lms_core.shared.clock import FixedClock
from lms_core.shared.ids import UserId, new_id
from tests.support.catalogue import student, text_lesson
from tests.support.learning import classroom, enrolled_student


@asynccontextmanager
async def counting_service(database_url: str, clock: FixedClock) -> AsyncIterator[tuple[EnrollmentService, list[str]]]:
    engine = create_engine(database_url)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield (
            EnrollmentService(
                uow=SqlUnitOfWork(engine, clock=clock),
                clock=clock,
                completion=LessonCompletion(),
                quiz_gate=NoQuizzes(),
                catalogue_cache=InProcessCache(),
            ),
            statements,
        )
    finally:
        await engine.dispose()


async def test_statement_counts_do_not_grow_with_lessons_or_learners(
    lms: Lms, database_url: str, clock: FixedClock
) -> None:
    room = await classroom(lms, required=2)
    learners = [await enrolled_student(lms, room, f"l{n}@example.com") for n in range(2)]
    learner, view = learners[0]
    counts: dict[str, list[int]] = {}
    async with counting_service(database_url, clock) as (service, statements):

        async def measure(name: str, call: Any) -> None:
            statements.clear()
            await call
            counts.setdefault(name, []).append(len(statements))

        for round_ in range(2):
            await measure("mine", service.my_enrollments(learner, ListMyEnrollments()))
            await measure("detail", service.get_enrollment(learner, view.id))
            await measure("course", service.course_enrollments(room.owner, room.course.id, ListCourseEnrollments()))
            await measure("stats", service.course_stats(room.owner, room.course.id))
            await measure(
                "progress",
                service.update_progress(
                    learner, view.id, room.lesson_ids[round_], UpdateProgress(completion_percentage=Decimal(50))
                ),
            )
            # More lessons, more progress rows and more learners for the second round.
            for n in range(4):
                lesson = await text_lesson(lms, room.owner, room.course, f"More {round_}-{n}")
                await service.complete_lesson(learner, view.id, lesson.id)
                extra, _ = await enrolled_student(lms, room, f"extra{round_}-{n}@example.com")
                assert extra.user_id is not None
    assert all(first == second for first, second in counts.values()), counts


async def test_a_duplicate_enrolment_row_is_refused_by_the_database(lms: Lms, database_url: str) -> None:
    room = await classroom(lms)
    learner = await student(lms)
    assert learner.user_id is not None
    clock = FixedClock()
    engine = create_engine(database_url)
    uow = SqlUnitOfWork(engine, clock=clock)

    def row() -> Enrollment:
        return Enrollment(
            id=new_id(),
            student_id=UserId(learner.user_id or new_id()),
            course_id=room.course.id,
            status=EnrollmentStatus.ACTIVE,
            enrolled_at=clock.now(),
        )

    async def insert(enrollment: Enrollment) -> None:
        async with uow.begin() as tx:
            await tx.enrollments.add(enrollment)
            await tx.commit()

    try:
        await insert(row())
        with pytest.raises(AlreadyEnrolled):
            await insert(row())
    finally:
        await engine.dispose()
