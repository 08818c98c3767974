"""Who may do what with enrolments.

An enrolment is visible to its student, to the course's instructor and to admins. Anyone else is
told it does not exist (404), so enrolment ids do not reveal who studies what. Those who may see an
enrolment but do not own it (the instructor, an admin) get 403 when they try a learner's action.
"""

from __future__ import annotations

from uuid import UUID

from lms_core.courses.entities import Course, CourseStatus
from lms_core.courses.errors import course_not_found
from lms_core.courses.policy import is_course_manager
from lms_core.enrollments.entities import PROGRESS_STATUSES, Enrollment
from lms_core.enrollments.errors import (
    CourseNotOpen,
    EnrollmentNotActive,
    EnrollmentNotFound,
    NotEnrollmentOwner,
    ReviewNotAllowed,
    StudentRoleRequired,
)
from lms_core.shared.actor import Actor, Role
from lms_core.shared.ids import UserId

REVIEW_STATUSES = PROGRESS_STATUSES


def require_student(actor: Actor) -> UserId:
    """The caller's id, if the caller is a signed-in student: only students enrol."""
    user_id = actor.require_user()
    if actor.role is not Role.STUDENT:
        raise StudentRoleRequired("only students enrol in courses")
    return user_id


def require_open_for_enrolment(course: Course) -> None:
    """Enrolment is open in published courses. A draft is reported as missing, as the courses module does,
    so its id does not leak; an archived course is not open."""
    if course.status is CourseStatus.DRAFT:
        raise course_not_found(course.id)
    if not course.is_published:
        raise CourseNotOpen("this course is not open for enrolment", details={"status": course.status.value})


def is_owner(actor: Actor, enrollment: Enrollment) -> bool:
    return actor.user_id is not None and actor.user_id == enrollment.student_id


def can_see_enrollment(actor: Actor, enrollment: Enrollment, course: Course) -> bool:
    return is_owner(actor, enrollment) or is_course_manager(actor, course)


def require_can_see_enrollment(actor: Actor, enrollment: Enrollment, course: Course) -> None:
    if not can_see_enrollment(actor, enrollment, course):
        raise not_found(enrollment.id)


def require_owner(actor: Actor, enrollment: Enrollment, course: Course) -> None:
    """Learner actions (progress, completion, review): the enrolled student only."""
    require_can_see_enrollment(actor, enrollment, course)
    if not is_owner(actor, enrollment):
        raise NotEnrollmentOwner("only the enrolled student may do this")


def require_owner_or_admin(actor: Actor, enrollment: Enrollment, course: Course) -> None:
    """Dropping an enrolment: the student, or an admin on their behalf."""
    require_can_see_enrollment(actor, enrollment, course)
    if not (is_owner(actor, enrollment) or actor.is_admin):
        raise NotEnrollmentOwner("only the enrolled student or an admin may drop an enrolment")


def require_records_progress(enrollment: Enrollment) -> None:
    if enrollment.status not in PROGRESS_STATUSES:
        raise EnrollmentNotActive(
            f"the enrolment is {enrollment.status.value}; enrol again to continue",
            details={"status": enrollment.status.value},
        )


def require_may_review(enrollment: Enrollment) -> None:
    if enrollment.status not in REVIEW_STATUSES:
        raise ReviewNotAllowed(
            "only learners with an active or completed enrolment review a course",
            details={"status": enrollment.status.value},
        )


def not_found(enrollment_id: UUID) -> EnrollmentNotFound:
    return EnrollmentNotFound("no such enrolment", details={"enrollment_id": str(enrollment_id)})
