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

    @post("/", status_code=201, responses=problems(400, 401, 402, 403, 404, 409, 422))
    async def enroll(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[EnrollInCourse]
    ) -> EnrollmentView:
        """Enrol in a published course (students). Enrolling again after dropping reactivates the enrolment."""
        return await lms.enrollments.enroll(actor, data)

    @get("/my-courses", responses=problems(401, 422))
    async def my_courses(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        status: FromQuery[EnrollmentStatus | None] = None,
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> EnrollmentPage:
        """My enrolments, newest first."""
        return await lms.enrollments.my_enrollments(
            actor, ListMyEnrollments(status=status, page=page, page_size=page_size)
        )

    @get("/{enrollment_id:uuid}", responses=problems(401, 404))
    async def get_enrollment(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], enrollment_id: FromPath[UUID]
    ) -> EnrollmentDetailView:
        """One enrolment with lesson progress (its student, the course's instructor, admins)."""
        return await lms.enrollments.get_enrollment(actor, enrollment_id)

    @put("/{enrollment_id:uuid}/lessons/{lesson_id:uuid}/progress", responses=problems(400, 401, 403, 404, 409, 422))
    async def update_progress(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        enrollment_id: FromPath[UUID],
        lesson_id: FromPath[UUID],
        data: JSONBody[UpdateProgress],
    ) -> LessonProgressResult:
        """Report time spent, video position and completion of a lesson (the enrolled student)."""
        return await lms.enrollments.update_progress(actor, enrollment_id, lesson_id, data)

    @post(
        "/{enrollment_id:uuid}/lessons/{lesson_id:uuid}/complete",
        status_code=200,
        responses=problems(401, 403, 404, 409, 422),
    )
    async def complete_lesson(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        enrollment_id: FromPath[UUID],
        lesson_id: FromPath[UUID],
    ) -> LessonProgressResult:
        """Mark a lesson complete (the enrolled student; idempotent)."""
        return await lms.enrollments.complete_lesson(actor, enrollment_id, lesson_id)

    @post("/{enrollment_id:uuid}/review", status_code=200, responses=problems(400, 401, 403, 404, 422))
    async def submit_review(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        enrollment_id: FromPath[UUID],
        data: JSONBody[SubmitReview],
    ) -> EnrollmentView:
        """Rate (1-5) and review the course (the enrolled student; a new review replaces the old one)."""
        return await lms.enrollments.submit_review(actor, enrollment_id, data)

    @post("/{enrollment_id:uuid}/drop", status_code=200, responses=problems(401, 403, 404, 409))
    async def drop_enrollment(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], enrollment_id: FromPath[UUID]
    ) -> EnrollmentView:
        """Leave a course (the enrolled student or an admin). Enrolling again picks up where it stopped."""
        return await lms.enrollments.drop(actor, enrollment_id)

    @get("/courses/{course_id:uuid}", responses=problems(401, 403, 404, 422))
    async def course_enrollments(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        course_id: FromPath[UUID],
        status: FromQuery[EnrollmentStatus | None] = None,
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> CourseEnrollmentPage:
        """A course's enrolments with student names and e-mails (the course's instructor, admins)."""
        query = ListCourseEnrollments(status=status, page=page, page_size=page_size)
        return await lms.enrollments.course_enrollments(actor, course_id, query)

    @get("/courses/{course_id:uuid}/stats", responses=problems(401, 403, 404))
    async def course_stats(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], course_id: FromPath[UUID]
    ) -> CourseEnrollmentStats:
        """Enrolment counts, average progress, completion rate and rating of a course (instructor, admins)."""
        return await lms.enrollments.course_stats(actor, course_id)
