"""Who may do what with courses and lessons."""

from __future__ import annotations

from dataclasses import dataclass

from lms_core.courses.entities import Course, CourseStatus, Lesson
from lms_core.courses.errors import InstructorRoleRequired, NotCourseManager, course_not_found
from lms_core.shared.actor import Actor, Role


@dataclass(frozen=True, slots=True)
class CourseAccess:
    """A course the caller may see, with what the caller is to it (see `courses.access`)."""

    course: Course
    enrolled: bool
    manager: bool


def is_course_manager(actor: Actor, course: Course) -> bool:
    """The course's own instructor, or an admin."""
    return actor.is_admin or (actor.user_id is not None and actor.user_id == course.instructor_id)


def require_course_manager(actor: Actor, course: Course) -> None:
    if not is_course_manager(actor, course):
        raise NotCourseManager("only the course's instructor or an admin may change it")


def require_can_create_course(actor: Actor) -> None:
    if not (actor.is_admin or actor.role is Role.INSTRUCTOR):
        raise InstructorRoleRequired("only instructors and admins create courses")


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
    return actor.user_id is not None and instructor_filter == actor.user_id
