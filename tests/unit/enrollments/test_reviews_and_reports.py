"""Reviews, and the instructor's view of a course's enrolments and statistics."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from lms_core import Actor, Lms
from lms_core.courses.commands import CourseSort, CreateCourse, ListCourses
from lms_core.courses.errors import CourseNotFound, NotCourseManager
from lms_core.enrollments.commands import ListCourseEnrollments, SubmitReview, UpdateProgress
from lms_core.enrollments.entities import EnrollmentStatus
from lms_core.enrollments.errors import EnrollmentNotFound, NotEnrollmentOwner, ReviewNotAllowed
from lms_core.shared.errors import InvalidInputError
from lms_core.shared.ids import new_id
from tests.support.catalogue import instructor, student, text_lesson
from tests.support.flows import create_admin
from tests.support.learning import classroom, enrolled_student


async def test_a_learner_reviews_and_edits_the_review(lms: Lms) -> None:
    room = await classroom(lms)
    learner, view = await enrolled_student(lms, room)
    reviewed = await lms.enrollments.submit_review(learner, view.id, SubmitReview(rating=4, review="  Clear.  "))
    assert (reviewed.rating, reviewed.review, reviewed.reviewed_at) == (4, "Clear.", lms.clock.now())
    course = await lms.courses.get_course(learner, room.course.id)
    assert (course.rating_count, course.average_rating) == (1, Decimal("4.00"))
    edited = await lms.enrollments.submit_review(learner, view.id, SubmitReview(rating=2))
    assert (edited.rating, edited.review) == (2, None)
    course = await lms.courses.get_course(learner, room.course.id)
    assert (course.rating_count, course.average_rating) == (1, Decimal("2.00"))


async def test_course_ratings_average_over_learners_and_reorder_the_catalogue(lms: Lms) -> None:
    owner = await instructor(lms)
    plain = await classroom(lms, owner, title="Plain")
    loved = await classroom(lms, owner, title="Loved")
    by_rating = ListCourses(sort=CourseSort.RATING)
    assert (await lms.courses.list_courses(Actor.anonymous(), by_rating)).total == 2
    for n, rating in enumerate((5, 4, 4)):
        learner, view = await enrolled_student(lms, loved, f"fan{n}@example.com")
        await lms.enrollments.submit_review(learner, view.id, SubmitReview(rating=rating))
    learner, view = await enrolled_student(lms, plain, "critic@example.com")
    await lms.enrollments.submit_review(learner, view.id, SubmitReview(rating=3))
    course = await lms.courses.get_course(owner, loved.course.id)
    assert (course.rating_count, course.average_rating) == (3, Decimal("4.33"))
    catalogue = await lms.courses.list_courses(Actor.anonymous(), by_rating)
    assert [c.title for c in catalogue.items] == ["Loved", "Plain"]  # the cache was invalidated


async def test_only_the_enrolled_learner_reviews(lms: Lms) -> None:
    room = await classroom(lms)
    learner, view = await enrolled_student(lms, room)
    for visible_but_not_owner in (room.owner, await create_admin(lms)):
        with pytest.raises(NotEnrollmentOwner):
            await lms.enrollments.submit_review(visible_but_not_owner, view.id, SubmitReview(rating=5))
    with pytest.raises(EnrollmentNotFound):
        await lms.enrollments.submit_review(await student(lms, "x@example.com"), view.id, SubmitReview(rating=5))
    await lms.enrollments.drop(learner, view.id)
    with pytest.raises(ReviewNotAllowed):
        await lms.enrollments.submit_review(learner, view.id, SubmitReview(rating=1))
    assert (await lms.courses.get_course(room.owner, room.course.id)).rating_count == 0


async def test_a_completed_enrolment_may_be_reviewed(lms: Lms) -> None:
    room = await classroom(lms, required=1)
    learner, view = await enrolled_student(lms, room)
    await lms.enrollments.complete_lesson(learner, view.id, room.lesson_ids[0])
    reviewed = await lms.enrollments.submit_review(learner, view.id, SubmitReview(rating=5, review="Great"))
    assert reviewed.status is EnrollmentStatus.COMPLETED and reviewed.rating == 5


def test_review_commands_validate_rating_and_length() -> None:
    for body in ({"rating": 0}, {"rating": 6}, {"rating": 3, "review": "x" * 5001}, {}, {"rating": 3, "stars": 1}):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(body, SubmitReview)
    assert msgspec.convert({"rating": 1, "review": "x" * 5000}, SubmitReview).rating == 1
    with pytest.raises(InvalidInputError):
        SubmitReview(rating=9)


async def test_instructors_and_admins_list_a_courses_enrolments(lms: Lms) -> None:
    room = await classroom(lms)
    views = []
    for n in range(3):
        learner, view = await enrolled_student(lms, room, f"learner{n}@example.com")
        views.append((learner, view))
    await lms.enrollments.drop(views[0][0], views[0][1].id)
    for manager in (room.owner, await create_admin(lms)):
        page = await lms.enrollments.course_enrollments(manager, room.course.id, ListCourseEnrollments(page_size=2))
        assert page.total == 3 and len(page.items) == 2 and page.page == 1
        first = page.items[0]
        assert first.student.email == "learner2@example.com"
        assert first.student.full_name == "Learner learner2"
        assert first.course.id == room.course.id
        dropped = await lms.enrollments.course_enrollments(
            manager, room.course.id, ListCourseEnrollments(status=EnrollmentStatus.DROPPED)
        )
        assert [e.id for e in dropped.items] == [views[0][1].id]


async def test_course_enrolment_reports_are_for_managers_only(lms: Lms) -> None:
    room = await classroom(lms)
    enrolled, _ = await enrolled_student(lms, room)
    outsiders = (enrolled, await student(lms, "other@example.com"), await instructor(lms, "rival@example.com"))
    for outsider in outsiders:
        with pytest.raises(NotCourseManager):
            await lms.enrollments.course_enrollments(outsider, room.course.id, ListCourseEnrollments())
        with pytest.raises(NotCourseManager):
            await lms.enrollments.course_stats(outsider, room.course.id)
    draft = await lms.courses.create_course(room.owner, CreateCourse(title="Secret"))
    await text_lesson(lms, room.owner, draft)
    for outsider in outsiders:
        with pytest.raises(CourseNotFound):  # drafts stay hidden
            await lms.enrollments.course_stats(outsider, draft.id)
    assert (await lms.enrollments.course_stats(room.owner, draft.id)).total_enrollments == 0
    with pytest.raises(CourseNotFound):
        await lms.enrollments.course_enrollments(room.owner, new_id(), ListCourseEnrollments())
    with pytest.raises(CourseNotFound):
        await lms.enrollments.course_stats(room.owner, new_id())


async def test_course_statistics(lms: Lms) -> None:
    room = await classroom(lms, required=3)
    empty = await lms.enrollments.course_stats(room.owner, room.course.id)
    assert (empty.total_enrollments, empty.average_progress, empty.completion_rate) == (
        0,
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert empty.average_rating is None and empty.rating_count == 0

    finisher, done = await enrolled_student(lms, room, "finisher@example.com")
    for lesson in room.lesson_ids:
        await lms.enrollments.complete_lesson(finisher, done.id, lesson)
    await lms.enrollments.submit_review(finisher, done.id, SubmitReview(rating=5))
    halfway, half = await enrolled_student(lms, room, "halfway@example.com")
    await lms.enrollments.update_progress(
        halfway, half.id, room.lesson_ids[0], UpdateProgress(completion_percentage=Decimal(100))
    )
    await lms.enrollments.submit_review(halfway, half.id, SubmitReview(rating=4))
    leaver, left = await enrolled_student(lms, room, "leaver@example.com")
    await lms.enrollments.submit_review(leaver, left.id, SubmitReview(rating=4))
    await lms.enrollments.drop(leaver, left.id)

    stats = await lms.enrollments.course_stats(room.owner, room.course.id)
    assert stats.course_id == room.course.id
    assert (stats.total_enrollments, stats.active_count, stats.completed_count, stats.dropped_count) == (3, 1, 1, 1)
    assert stats.expired_count == 0
    assert stats.average_progress == Decimal("44.44")  # (100 + 33.33 + 0) / 3, truncated
    assert stats.completion_rate == Decimal("33.33")
    assert (stats.average_rating, stats.rating_count) == (Decimal("4.33"), 3)
    assert str(stats.completion_rate) == "33.33"
