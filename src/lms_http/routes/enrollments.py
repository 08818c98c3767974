"""`/api/v1/enrollments`: spec section 4, plus dropping an enrolment."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from lms_core import Actor, Lms
from lms_core.enrollments.commands import (
    EnrollInCourse,
    ListCourseEnrollments,
    ListMyEnrollments,
    SubmitReview,
    UpdateProgress,
)
from lms_core.enrollments.entities import EnrollmentStatus
from lms_core.enrollments.views import (
    CourseEnrollmentStats,
    EnrollmentDetailView,
    EnrollmentView,
    LessonProgressResult,
)
from lms_core.shared.pagination import DEFAULT_PAGE_SIZE
from lms_http.auth import SIGNED_IN, provide_actor
from lms_http.errors import problems
from lms_http.paging import CourseEnrollmentPage, EnrollmentPage, PageQuery, PageSizeQuery


class EnrollmentsController(Controller):
    path = "/api/v1/enrollments"
    tags = ["enrollments"]
    dependencies = {"actor": Provide(provide_actor)}
    security = SIGNED_IN

    @post(
        "/",
        status_code=201,
        summary="Enrol in a course",
        responses=problems(400, 401, 402, 403, 404, 409, 422),
    )
    async def enroll(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[EnrollInCourse]
    ) -> EnrollmentView:
        """A student enrols in a published course and gets an active enrolment with no progress. Enrolling
        again after dropping reactivates the old enrolment, progress kept.

        Errors: 401 without a valid access token; 402 `payment_required` for a paid course not paid for; 403
        `enrollments.students_only` for instructors and admins; 404 `courses.not_found` for an unknown course
        or a draft; 409 `enrollment.already_enrolled`, or `enrollments.course_not_open` for an archived
        course; 422 a body that does not match `EnrollInCourse`."""
        return await lms.enrollments.enroll(actor, data)

    @get("/my-courses", summary="My enrolments", responses=problems(401, 422))
    async def my_courses(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        status: FromQuery[EnrollmentStatus | None] = None,
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> EnrollmentPage:
        """Any signed-in user lists their own enrolments with their courses, newest first, optionally of one
        status. Changes nothing.

        Errors: 401 without a valid access token; 422 a query parameter out of range."""
        return await lms.enrollments.my_enrollments(
            actor, ListMyEnrollments(status=status, page=page, page_size=page_size)
        )

    @get("/{enrollment_id:uuid}", summary="One enrolment with its lesson progress", responses=problems(401, 404))
    async def get_enrollment(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], enrollment_id: FromPath[UUID]
    ) -> EnrollmentDetailView:
        """Its student, the course's instructor and admins read an enrolment with the progress of each lesson.
        Changes nothing.

        Errors: 401 without a valid access token; 404 `enrollments.not_found` for an unknown enrolment or one
        the caller may not see."""
        return await lms.enrollments.get_enrollment(actor, enrollment_id)

    @put(
        "/{enrollment_id:uuid}/lessons/{lesson_id:uuid}/progress",
        summary="Report progress on a lesson",
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def update_progress(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        enrollment_id: FromPath[UUID],
        lesson_id: FromPath[UUID],
        data: JSONBody[UpdateProgress],
    ) -> LessonProgressResult:
        """The enrolled student reports time spent (added to the total), the video position (replaced) and a
        completion percentage (only ever raised; 100 completes the lesson, and completing every required
        lesson completes the enrolment).

        Errors: 401 without a valid access token; 403 `enrollments.not_owner` for anyone but the enrolment's
        student; 404 `enrollments.not_found`, or `lessons.not_found`; 409 `enrollments.not_active` for a
        dropped enrolment; 422 `enrollments.lesson_not_in_course`, `enrollments.invalid_progress`, or a body
        that does not match `UpdateProgress`."""
        return await lms.enrollments.update_progress(actor, enrollment_id, lesson_id, data)

    @post(
        "/{enrollment_id:uuid}/lessons/{lesson_id:uuid}/complete",
        status_code=200,
        summary="Mark a lesson complete",
        responses=problems(401, 403, 404, 409, 422),
    )
    async def complete_lesson(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        enrollment_id: FromPath[UUID],
        lesson_id: FromPath[UUID],
    ) -> LessonProgressResult:
        """The enrolled student marks a lesson complete (again: no change); completing every required lesson
        completes the enrolment, which leads to its certificate. A quiz lesson completes when its quiz is
        passed.

        Errors: 401 without a valid access token; 403 `enrollments.not_owner`; 404 `enrollments.not_found`,
        or `lessons.not_found`; 409 `enrollments.not_active` for a dropped enrolment, or
        `enrollments.quiz_not_passed` for a quiz lesson whose quiz is not passed; 422
        `enrollments.lesson_not_in_course`."""
        return await lms.enrollments.complete_lesson(actor, enrollment_id, lesson_id)

    @post(
        "/{enrollment_id:uuid}/review",
        status_code=200,
        summary="Rate and review the course",
        responses=problems(400, 401, 403, 404, 422),
    )
    async def submit_review(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        enrollment_id: FromPath[UUID],
        data: JSONBody[SubmitReview],
    ) -> EnrollmentView:
        """The enrolled student rates the course from 1 to 5 with an optional review; a new review replaces
        the old one, and the course's average rating follows.

        Errors: 401 without a valid access token; 403 `enrollments.not_owner`, or
        `enrollments.review_not_allowed` for a dropped enrolment; 404
        `enrollments.not_found`; 422 a body that does not match `SubmitReview`."""
        return await lms.enrollments.submit_review(actor, enrollment_id, data)

    @post(
        "/{enrollment_id:uuid}/drop",
        status_code=200,
        summary="Leave a course",
        responses=problems(401, 403, 404, 409),
    )
    async def drop_enrollment(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], enrollment_id: FromPath[UUID]
    ) -> EnrollmentView:
        """The enrolled student or an admin drops an enrolment; its progress is kept, and enrolling again picks
        up where it stopped.

        Errors: 401 without a valid access token; 403 `enrollments.not_owner`; 404 `enrollments.not_found`;
        409 `enrollments.not_active` for an enrolment already dropped or completed."""
        return await lms.enrollments.drop(actor, enrollment_id)

    @get("/courses/{course_id:uuid}", summary="A course's enrolments", responses=problems(401, 403, 404, 422))
    async def course_enrollments(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        course_id: FromPath[UUID],
        status: FromQuery[EnrollmentStatus | None] = None,
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> CourseEnrollmentPage:
        """The course's instructor and admins list its enrolments with the students' names and e-mail
        addresses, optionally of one status. Changes nothing.

        Errors: 401 without a valid access token; 403 `courses.not_manager`; 404 `courses.not_found`; 422 a
        query parameter out of range."""
        query = ListCourseEnrollments(status=status, page=page, page_size=page_size)
        return await lms.enrollments.course_enrollments(actor, course_id, query)

    @get("/courses/{course_id:uuid}/stats", summary="A course's enrolment figures", responses=problems(401, 403, 404))
    async def course_stats(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], course_id: FromPath[UUID]
    ) -> CourseEnrollmentStats:
        """The course's instructor and admins read its enrolment counts by status, average progress,
        completion rate and rating. Changes nothing.

        Errors: 401 without a valid access token; 403 `courses.not_manager`; 404 `courses.not_found`."""
        return await lms.enrollments.course_stats(actor, course_id)
