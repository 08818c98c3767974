from __future__ import annotations

from lms_core.shared.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
)


class EnrollmentNotFound(NotFoundError):
    code = "enrollments.not_found"


class AlreadyEnrolled(ConflictError):
    code = "enrollment.already_enrolled"


class CourseNotOpen(ConflictError):
    code = "enrollments.course_not_open"


class PaymentRequired(PaymentRequiredError):
    code = "payment_required"


class NotEnrollmentOwner(PermissionDeniedError):
    code = "enrollments.not_owner"


class StudentRoleRequired(PermissionDeniedError):
    code = "enrollments.students_only"


class EnrollmentNotActive(ConflictError):
    code = "enrollments.not_active"


class LessonNotInCourse(InvalidInputError):
    code = "enrollments.lesson_not_in_course"


class InvalidProgress(InvalidInputError):
    code = "enrollments.invalid_progress"


class QuizNotPassed(ConflictError):
    code = "enrollments.quiz_not_passed"


class ReviewNotAllowed(PermissionDeniedError):
    code = "enrollments.review_not_allowed"
