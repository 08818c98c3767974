"""Reaching a course: how every module that hangs off a course loads it and checks who may reach it.

Loading raises the one not-found error; the decisions themselves are the plain functions of
`courses.policy`. A course hidden from the caller is reported missing, never forbidden.
"""

from __future__ import annotations

from uuid import UUID

from lms_core.courses.entities import Course
from lms_core.courses.errors import course_not_found
from lms_core.courses.policy import CourseAccess, is_course_manager, require_can_see_course, require_course_manager
from lms_core.shared.actor import Actor
from lms_core.shared.ports import Transaction


async def load_course(tx: Transaction, course_id: UUID, *, for_update: bool = False) -> Course:
    """The course, or `CourseNotFound`. No access check: for system paths and callers that check next."""
    course = await (tx.courses.get_for_update(course_id) if for_update else tx.courses.get(course_id))
    if course is None:
        raise course_not_found(course_id)
    return course


async def is_enrolled(tx: Transaction, actor: Actor, course_id: UUID) -> bool:
    """Whether the caller has an active or completed enrolment in the course."""
    return actor.user_id is not None and await tx.enrollments.is_learner(actor.user_id, course_id)


async def visible_course(tx: Transaction, actor: Actor, course_id: UUID, *, for_update: bool = False) -> CourseAccess:
    """A course the caller may see (published; archived to its learners; any to its managers)."""
    course = await load_course(tx, course_id, for_update=for_update)
    return await access_to(tx, actor, course)


async def access_to(tx: Transaction, actor: Actor, course: Course) -> CourseAccess:
    """What the caller is to an already loaded course, or `CourseNotFound` when it is hidden from them."""
    enrolled = await is_enrolled(tx, actor, course.id)
    require_can_see_course(actor, course, enrolled=enrolled)
    return CourseAccess(course=course, enrolled=enrolled, manager=is_course_manager(actor, course))


async def managed_course(tx: Transaction, actor: Actor, course_id: UUID, *, for_update: bool = False) -> Course:
    """A course the caller manages (its instructor, or an admin); hidden ones are missing, visible ones 403."""
    access = await visible_course(tx, actor, course_id, for_update=for_update)
    require_course_manager(actor, access.course)
    return access.course
