"""Enrolling, dropping and re-enrolling, visibility of enrolments, and the learner's own list."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from lms_core import Actor, Lms, NotAuthenticatedError
from lms_core.courses.commands import CourseSort, CreateCourse, ListCourses, UpdateCourse
from lms_core.courses.entities import CourseStatus
from lms_core.courses.errors import CourseNotFound
from lms_core.enrollments.commands import EnrollInCourse, ListMyEnrollments
from lms_core.enrollments.entities import EnrollmentStatus
from lms_core.enrollments.errors import (
    AlreadyEnrolled,
    CourseNotOpen,
    EnrollmentNotActive,
    EnrollmentNotFound,
    NotEnrollmentOwner,
    PaymentRequired,
    StudentRoleRequired,
)
from lms_core.enrollments.events import StudentEnrolled
from lms_core.shared.clock import FixedClock
from lms_core.shared.errors import PaymentRequiredError
from lms_core.shared.ids import new_id
from tests.support.catalogue import instructor, student, text_lesson
from tests.support.flows import create_admin
from tests.support.learning import classroom, delivered, enrolled_student


async def test_a_student_enrols_in_a_published_free_course(lms: Lms) -> None:
    room = await classroom(lms, required=3, optional=1)
    learner, view = await enrolled_student(lms, room)
    assert view.status is EnrollmentStatus.ACTIVE
    assert view.student_id == learner.user_id
    assert (view.course.id, view.course.title, view.course.slug) == (
        room.course.id,
        "Learning Course",
        room.course.slug,
    )
    assert view.progress_percentage == Decimal("0.00")
    assert (view.completed_lessons_count, view.total_lessons_count) == (0, 3)  # optional lessons do not count
    assert view.total_time_spent_seconds == 0
    assert view.enrolled_at == lms.clock.now()
    assert view.started_at is None and view.completed_at is None and view.rating is None
    assert (await lms.courses.get_course(learner, room.course.id)).enrollment_count == 1
    events = await delivered(lms, StudentEnrolled)
    assert [(e.enrollment_id, e.student_id, e.course_id) for e in events] == [
        (view.id, learner.user_id, room.course.id)
    ]


async def test_only_signed_in_students_enrol(lms: Lms) -> None:
    room = await classroom(lms)
    command = EnrollInCourse(course_id=room.course.id)
    for actor in (room.owner, await instructor(lms, "other@example.com"), await create_admin(lms)):
        with pytest.raises(StudentRoleRequired):
            await lms.enrollments.enroll(actor, command)
    with pytest.raises(NotAuthenticatedError):
        await lms.enrollments.enroll(Actor.anonymous(), command)
    assert (await lms.courses.get_course(room.owner, room.course.id)).enrollment_count == 0


async def test_the_course_must_exist_and_be_published(lms: Lms) -> None:
    owner = await instructor(lms)
    learner = await student(lms)
    with pytest.raises(CourseNotFound):
        await lms.enrollments.enroll(learner, EnrollInCourse(course_id=new_id()))
    draft = await lms.courses.create_course(owner, CreateCourse(title="Draft"))
    await text_lesson(lms, owner, draft)
    with pytest.raises(CourseNotFound):  # a draft is hidden, not merely closed
        await lms.enrollments.enroll(learner, EnrollInCourse(course_id=draft.id))
    await lms.courses.publish_course(owner, draft.id)
    await lms.courses.update_course(owner, draft.id, UpdateCourse(status=CourseStatus.ARCHIVED))
    with pytest.raises(CourseNotOpen) as closed:
        await lms.enrollments.enroll(learner, EnrollInCourse(course_id=draft.id))
    assert closed.value.code == "enrollments.course_not_open"


async def test_a_paid_course_needs_payment(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await lms.courses.create_course(owner, CreateCourse(title="Premium", price=Decimal("250.00")))
    await text_lesson(lms, owner, course)
    await lms.courses.publish_course(owner, course.id)
    learner = await student(lms)
    with pytest.raises(PaymentRequired) as refused:
        await lms.enrollments.enroll(learner, EnrollInCourse(course_id=course.id))
    assert isinstance(refused.value, PaymentRequiredError)
    assert refused.value.code == "payment_required"
    assert (await lms.enrollments.my_enrollments(learner, ListMyEnrollments())).total == 0


async def test_one_enrolment_per_student_and_course(lms: Lms) -> None:
    room = await classroom(lms)
    learner, first = await enrolled_student(lms, room)
    with pytest.raises(AlreadyEnrolled) as again:
        await lms.enrollments.enroll(learner, EnrollInCourse(course_id=room.course.id))
    assert again.value.details["enrollment_id"] == str(first.id)
    # Other students are independent.
    _, other = await enrolled_student(lms, room, "other@example.com")
    assert other.id != first.id
    assert (await lms.courses.get_course(learner, room.course.id)).enrollment_count == 2


async def test_concurrent_enrolments_of_one_student_make_one(lms: Lms) -> None:
    room = await classroom(lms)
    learner = await student(lms)
    results = await asyncio.gather(
        *[lms.enrollments.enroll(learner, EnrollInCourse(course_id=room.course.id)) for _ in range(6)],
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1
    assert len(losers) == 5 and all(isinstance(e, AlreadyEnrolled) for e in losers), losers
    assert (await lms.courses.get_course(learner, room.course.id)).enrollment_count == 1
    assert len(await delivered(lms, StudentEnrolled)) == 1


async def test_concurrent_enrolments_of_many_students_are_all_counted(lms: Lms) -> None:
    room = await classroom(lms)
    learners = [await student(lms, f"crowd{n}@example.com") for n in range(6)]
    await asyncio.gather(*[lms.enrollments.enroll(s, EnrollInCourse(course_id=room.course.id)) for s in learners])
    assert (await lms.courses.get_course(room.owner, room.course.id)).enrollment_count == 6


async def test_drop_and_enrol_again_keeps_progress(lms: Lms) -> None:
    room = await classroom(lms)
    learner, view = await enrolled_student(lms, room)
    await lms.enrollments.complete_lesson(learner, view.id, room.lesson_ids[0])
    dropped = await lms.enrollments.drop(learner, view.id)
    assert dropped.status is EnrollmentStatus.DROPPED
    assert (await lms.courses.get_course(learner, room.course.id)).enrollment_count == 0
    with pytest.raises(EnrollmentNotActive):
        await lms.enrollments.drop(learner, view.id)

    results = await asyncio.gather(
        *[lms.enrollments.enroll(learner, EnrollInCourse(course_id=room.course.id)) for _ in range(3)],
        return_exceptions=True,
    )
    back = [r for r in results if not isinstance(r, BaseException)]
    assert len(back) == 1 and all(isinstance(r, AlreadyEnrolled) for r in results if isinstance(r, BaseException))
    assert back[0].id == view.id
    assert back[0].status is EnrollmentStatus.ACTIVE
    assert back[0].progress_percentage == Decimal("50.00")
    assert (await lms.courses.get_course(learner, room.course.id)).enrollment_count == 1
    assert len(await delivered(lms, StudentEnrolled)) == 2


async def test_who_may_drop(lms: Lms) -> None:
    room = await classroom(lms)
    _, view = await enrolled_student(lms, room)
    with pytest.raises(NotEnrollmentOwner):
        await lms.enrollments.drop(room.owner, view.id)
    with pytest.raises(EnrollmentNotFound):
        await lms.enrollments.drop(await student(lms, "stranger@example.com"), view.id)
    admin = await create_admin(lms)
    assert (await lms.enrollments.drop(admin, view.id)).status is EnrollmentStatus.DROPPED


async def test_enrolments_are_seen_by_their_student_instructor_and_admins_only(lms: Lms) -> None:
    room = await classroom(lms)
    learner, view = await enrolled_student(lms, room)
    await lms.enrollments.complete_lesson(learner, view.id, room.lesson_ids[1])
    for viewer in (learner, room.owner, await create_admin(lms)):
        detail = await lms.enrollments.get_enrollment(viewer, view.id)
        assert detail.id == view.id
        assert [p.lesson_id for p in detail.lesson_progress] == [room.lesson_ids[1]]
    for stranger in (await student(lms, "nosy@example.com"), await instructor(lms, "rival@example.com")):
        with pytest.raises(EnrollmentNotFound):
            await lms.enrollments.get_enrollment(stranger, view.id)
    with pytest.raises(EnrollmentNotFound):
        await lms.enrollments.get_enrollment(learner, new_id())


async def test_my_enrollments_lists_newest_first_with_filters(lms: Lms, clock: FixedClock) -> None:
    owner = await instructor(lms)
    rooms = [await classroom(lms, owner, title=f"Course {n}") for n in range(3)]
    learner = await student(lms)
    views = []
    for room in rooms:
        views.append(await lms.enrollments.enroll(learner, EnrollInCourse(course_id=room.course.id)))
        clock.advance(timedelta(minutes=1))
    await lms.enrollments.drop(learner, views[0].id)
    page = await lms.enrollments.my_enrollments(learner, ListMyEnrollments(page_size=2))
    assert page.total == 3 and page.page_size == 2
    assert [e.course.title for e in page.items] == ["Course 2", "Course 1"]
    active = await lms.enrollments.my_enrollments(learner, ListMyEnrollments(status=EnrollmentStatus.ACTIVE))
    assert {e.id for e in active.items} == {views[1].id, views[2].id}
    dropped = await lms.enrollments.my_enrollments(learner, ListMyEnrollments(status=EnrollmentStatus.DROPPED))
    assert [e.id for e in dropped.items] == [views[0].id]
    assert (await lms.enrollments.my_enrollments(owner, ListMyEnrollments())).total == 0
    with pytest.raises(NotAuthenticatedError):
        await lms.enrollments.my_enrollments(Actor.anonymous(), ListMyEnrollments())


async def test_enrolling_refreshes_the_catalogue(lms: Lms) -> None:
    room = await classroom(lms)
    query = ListCourses(sort=CourseSort.POPULARITY)
    before = await lms.courses.list_courses(Actor.anonymous(), query)
    assert before.items[0].enrollment_count == 0
    learner, view = await enrolled_student(lms, room)
    assert (await lms.courses.list_courses(Actor.anonymous(), query)).items[0].enrollment_count == 1
    await lms.enrollments.drop(learner, view.id)
    assert (await lms.courses.list_courses(Actor.anonymous(), query)).items[0].enrollment_count == 0
