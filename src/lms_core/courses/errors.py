from __future__ import annotations

from lms_core.shared.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError


class CourseNotFound(NotFoundError):
    code = "courses.not_found"


def course_not_found(course_id: object) -> CourseNotFound:
    """The one way a missing (or hidden) course is reported."""
    return CourseNotFound("no such course", details={"course_id": str(course_id)})


class LessonNotFound(NotFoundError):
    code = "lessons.not_found"


class NotCourseManager(PermissionDeniedError):
    code = "courses.not_manager"


class InstructorRoleRequired(PermissionDeniedError):
    code = "courses.instructor_required"


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
