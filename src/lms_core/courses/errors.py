"""Errors of the courses module (lessons included)."""

from __future__ import annotations

from lms_core.shared.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError


class CourseNotFound(NotFoundError):
    code = "courses.not_found"


def course_not_found(course_id: object | None = None) -> CourseNotFound:
    """The one way a missing (or hidden) course is reported. Without an id when only the database knows
    that the course named in the input is gone (deleted by a concurrent request)."""
    details = {"field": "course_id"} if course_id is None else {"course_id": str(course_id)}
    return CourseNotFound("no such course", details=details)


class LessonNotFound(NotFoundError):
    code = "lessons.not_found"


class NotCourseManager(PermissionDeniedError):
    code = "courses.not_manager"


class InstructorRoleRequired(PermissionDeniedError):
    code = "courses.instructor_required"


class ListingForbidden(PermissionDeniedError):
    code = "courses.listing_forbidden"


class CannotPublishEmptyCourse(ConflictError):
    code = "courses.no_lessons"


class CourseHasEnrollments(ConflictError):
    code = "courses.has_enrollments"


class CourseStateConflict(ConflictError):
    code = "courses.invalid_state"


class SlugTaken(ConflictError):
    code = "courses.slug_taken"


class InvalidLesson(InvalidInputError):
    code = "lessons.invalid"


class LessonHasChildren(ConflictError):
    code = "lessons.has_children"


class InvalidReorder(InvalidInputError):
    code = "lessons.invalid_reorder"


class MetadataTooLarge(InvalidInputError):
    code = "courses.metadata_too_large"
