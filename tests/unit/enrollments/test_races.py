"""Races between an enrolment and what ends it, run on several connections at once.

On PostgreSQL each use case has its own connection and they truly overlap; on SQLite the writer lock
serialises them. Either way exactly one outcome must hold: one call succeeds, the other gets a clean
domain error, and the stored state and the outbox are those of the winner alone.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from lms_core import Actor, Lms
from lms_core.courses.errors import CourseHasEnrollments, CourseNotFound
from lms_core.courses.events import CourseDeleted
from lms_core.enrollments.commands import EnrollInCourse, ListMyEnrollments
from lms_core.enrollments.entities import EnrollmentStatus, ProgressStatus
from lms_core.enrollments.errors import EnrollmentNotActive
from lms_core.enrollments.events import EnrollmentCompleted, StudentEnrolled
from tests.support.catalogue import student
from tests.support.flows import delivered_events
from tests.support.learning import classroom, delivered, enrolled_student

ROUNDS = 4  # each round a fresh course and learner; the calls start in both orders


async def test_deleting_a_course_races_an_enrolment(lms: Lms) -> None:
    deleted_ids = set()
    enrolled_ids = set()
    for round_number in range(ROUNDS):
        room = await classroom(lms, title=f"Raced {round_number}")
        learner = await student(lms, f"racer{round_number}@example.com")
        course_id = room.course.id
        calls = [
            lms.courses.delete_course(room.owner, course_id),
            lms.enrollments.enroll(learner, EnrollInCourse(course_id=course_id)),
        ]
        if round_number % 2:
            calls.reverse()
        results = await asyncio.gather(*calls, return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        assert len(failures) == 1, results
        [failure] = failures
        mine = await lms.enrollments.my_enrollments(learner, ListMyEnrollments())
        if isinstance(failure, CourseHasEnrollments):
            # The enrolment won: the course stands with exactly that one enrolment.
            course = await lms.courses.get_course(Actor.system(), course_id)
            assert course.enrollment_count == 1
            assert [(e.course_id, e.status) for e in mine.items] == [(course_id, EnrollmentStatus.ACTIVE)]
            enrolled_ids.add(course_id)
        else:
            # The deletion won: the course is gone and no enrolment points at it.
            assert isinstance(failure, CourseNotFound), failure
            with pytest.raises(CourseNotFound):
                await lms.courses.get_course(Actor.system(), course_id)
            assert mine.items == []
            deleted_ids.add(course_id)
    events = await delivered_events(lms, StudentEnrolled, CourseDeleted)
    assert {e.course_id for e in events if isinstance(e, StudentEnrolled)} == enrolled_ids
    assert {e.course_id for e in events if isinstance(e, CourseDeleted)} == deleted_ids
    assert len(events) == ROUNDS


async def test_dropping_races_completing_the_last_lesson(lms: Lms) -> None:
    completed_ids = set()
    for round_number in range(ROUNDS):
        room = await classroom(lms, title=f"Finish {round_number}", required=1)
        learner, enrolment = await enrolled_student(lms, room, f"finisher{round_number}@example.com")
        calls = [
            lms.enrollments.drop(learner, enrolment.id),
            lms.enrollments.complete_lesson(learner, enrolment.id, room.lesson_ids[0]),
        ]
        if round_number % 2:
            calls.reverse()
        results = await asyncio.gather(*calls, return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        assert len(failures) == 1, results
        # Whichever came second found the enrolment no longer active.
        assert isinstance(failures[0], EnrollmentNotActive), failures[0]
        stored = await lms.enrollments.get_enrollment(Actor.system(), enrolment.id)
        course = await lms.courses.get_course(Actor.system(), room.course.id)
        progress = [p.status for p in stored.lesson_progress]
        if stored.status is EnrollmentStatus.COMPLETED:
            assert stored.progress_percentage == Decimal("100.00")
            assert progress == [ProgressStatus.COMPLETED]
            assert course.enrollment_count == 1
            completed_ids.add(enrolment.id)
        else:
            # Dropped first: the lesson was not completed behind the drop's back.
            assert stored.status is EnrollmentStatus.DROPPED
            assert stored.progress_percentage == Decimal("0.00")
            assert ProgressStatus.COMPLETED not in progress
            assert stored.completed_at is None
            assert course.enrollment_count == 0
    assert {e.enrollment_id for e in await delivered(lms, EnrollmentCompleted)} == completed_ids
