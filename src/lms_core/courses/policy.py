"""Who may do what with courses and lessons."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lms_core.courses.entities import Course, CourseStatus, Lesson
from lms_core.courses.errors import InstructorRoleRequired, ListingForbidden, NotCourseManager, course_not_found
from lms_core.shared.actor import Actor, Role
from lms_core.shared.ids import UserId
from lms_core.users.entities import User
from lms_core.users.errors import UserNotFound

TEACHING_ROLES = frozenset({Role.INSTRUCTOR, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class CourseAccess:
    """A course the caller may see, with what the caller is to it (see `courses.access`)."""

    course: Course
    enrolled: bool
    manager: bool


def manages_courses_of(actor: Actor, instructor_id: UserId) -> bool:
    """The one rule of course management: an admin, or the course's own instructor while they hold the
    instructor role. An instructor demoted to student keeps their courses as they are (visible by their
    status) but no longer manages them; an admin reassigns them. The role is the one in the caller's
    access token, which a role change invalidates (the token version moves), so a demoted user cannot
    keep acting on an old token. For callers that know only the instructor's id (a certificate, an
    enrolment read with its course's instructor)."""
    if actor.is_admin:
        return True
    return actor.role is Role.INSTRUCTOR and actor.user_id is not None and actor.user_id == instructor_id


def is_course_manager(actor: Actor, course: Course) -> bool:
    """The course's own instructor, or an admin."""
    return manages_courses_of(actor, course.instructor_id)


def require_course_manager(actor: Actor, course: Course) -> None:
    if not is_course_manager(actor, course):
        raise NotCourseManager("only the course's instructor or an admin may change it")


def require_can_create_course(actor: Actor) -> None:
    if not (actor.is_admin or actor.role is Role.INSTRUCTOR):
        raise InstructorRoleRequired("only instructors and admins create courses")


def require_can_create_for_others(actor: Actor) -> None:
    """A course created for another instructor than the caller: admins (and the system) only."""
    if not actor.is_admin:
        raise NotCourseManager("only admins create courses for another instructor")


def require_can_reassign_course(actor: Actor) -> None:
    """Handing a course to another instructor: admins (and the system) only."""
    if not actor.is_admin:
        raise NotCourseManager("only admins hand a course to another instructor")


def require_can_teach(user: User | None) -> User:
    """The account named as a course's instructor must exist and be an instructor or an admin; anything
    else is reported as no such instructor."""
    if user is None or user.role not in TEACHING_ROLES:
        raise UserNotFound("no such instructor", details={"field": "instructor_id"})
    return user


def can_see_course(actor: Actor, course: Course, *, enrolled: bool) -> bool:
    """Published courses are public; archived ones stay visible to their learners; drafts only to managers."""
    if course.status is CourseStatus.PUBLISHED or is_course_manager(actor, course):
        return True
    return course.status is CourseStatus.ARCHIVED and enrolled


def require_can_see_course(actor: Actor, course: Course, *, enrolled: bool) -> None:
    """A hidden course is reported as missing, not as forbidden, so drafts do not leak their existence."""
    if not can_see_course(actor, course, enrolled=enrolled):
        raise course_not_found(course.id)


def may_read_lesson_content(access: CourseAccess, lesson: Lesson) -> bool:
    """Preview lessons are open to anyone who sees the course; the rest to its learners and managers."""
    return lesson.is_preview or access.enrolled or access.manager


def may_list_status(actor: Actor, status: CourseStatus, instructor_filter: object) -> bool:
    """Anyone lists published courses; other statuses are for admins, or an instructor listing their own."""
    if status is CourseStatus.PUBLISHED or actor.is_admin:
        return True
    return isinstance(instructor_filter, UUID) and manages_courses_of(actor, UserId(instructor_filter))


def require_may_list_status(actor: Actor, status: CourseStatus, instructor_filter: object) -> None:
    if not may_list_status(actor, status, instructor_filter):
        raise ListingForbidden("only admins, or instructors listing their own courses, may list unpublished courses")
