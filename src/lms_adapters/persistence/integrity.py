"""Database integrity errors as domain errors, by constraint: the one translation, in one table.

Used where a repository must turn a violation into the domain error at the call (an attempt start that
lost a race, which the service retries) and at the unit of work's exit for everything else. The table
is written out here, not collected from the repositories as they are imported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from sqlalchemy.exc import IntegrityError

from lms_core.certificates.errors import CertificateAlreadyIssued, CertificateNumberTaken
from lms_core.courses.errors import InvalidLesson, SlugTaken, course_not_found
from lms_core.enrollments.errors import AlreadyEnrolled
from lms_core.quizzes.errors import NoAttemptsLeft, QuizAlreadyExists
from lms_core.shared.errors import ConflictError, LmsError
from lms_core.users.errors import EmailAlreadyRegistered


def _email_taken() -> LmsError:
    return EmailAlreadyRegistered("an account with this email already exists", details={"field": "email"})


def _course_slug_taken() -> LmsError:
    return SlugTaken("another course already uses this slug", details={"field": "slug"})


def _lesson_slug_taken() -> LmsError:
    return InvalidLesson("another lesson of this course already uses this slug", details={"field": "slug"})


def _course_gone() -> LmsError:
    # The course named by an upload was deleted while the file streamed in.
    return course_not_found()


def _already_enrolled() -> LmsError:
    return AlreadyEnrolled("you are already enrolled in this course", details={"field": "course_id"})


def _lesson_has_quiz() -> LmsError:
    return QuizAlreadyExists("this lesson already has a quiz", details={"field": "lesson_id"})


def _no_attempts_left() -> LmsError:
    return NoAttemptsLeft("no attempts left on this quiz", details={"field": "quiz_id"})


def _certificate_issued() -> LmsError:
    return CertificateAlreadyIssued("the enrolment already has a certificate", details={"field": "enrollment_id"})


def _certificate_number_taken() -> LmsError:
    return CertificateNumberTaken("the certificate number is taken", details={"field": "certificate_number"})


# Constraint name (PostgreSQL reports it) and "table.column" list (SQLite's message names only columns)
# to the domain error. SQLite says "UNIQUE constraint failed: quiz_attempts.enrollment_id, quiz_attempts.
# quiz_id[, quiz_attempts.attempt_number]": the shorter list is the partial index of open attempts and a
# prefix of the longer one, so one key covers both.
CONSTRAINT_ERRORS: Mapping[str, Callable[[], LmsError]] = MappingProxyType(
    {
        "uq_users_email": _email_taken,
        "users.email": _email_taken,
        "uq_courses_slug": _course_slug_taken,
        "courses.slug": _course_slug_taken,
        "uq_lessons_course_id_slug": _lesson_slug_taken,
        "lessons.course_id, lessons.slug": _lesson_slug_taken,
        "fk_uploaded_files_course_id_courses": _course_gone,
        "uq_enrollments_student_id_course_id": _already_enrolled,
        "enrollments.student_id, enrollments.course_id": _already_enrolled,
        "uq_quizzes_lesson_id": _lesson_has_quiz,
        "quizzes.lesson_id": _lesson_has_quiz,
        "uq_quiz_attempts_enrollment_id_quiz_id_attempt_number": _no_attempts_left,
        "uq_quiz_attempts_one_open": _no_attempts_left,
        "quiz_attempts.enrollment_id, quiz_attempts.quiz_id": _no_attempts_left,
        "uq_certificates_enrollment_id": _certificate_issued,
        "certificates.enrollment_id": _certificate_issued,
        "uq_certificates_certificate_number": _certificate_number_taken,
        "certificates.certificate_number": _certificate_number_taken,
    }
)


def domain_error(exc: IntegrityError) -> LmsError:
    """The domain error for a violated constraint, or a generic conflict naming nothing internal."""
    original = exc.orig
    name = getattr(original, "constraint_name", None) or getattr(
        getattr(original, "__cause__", None), "constraint_name", None
    )
    if name and name in CONSTRAINT_ERRORS:
        return CONSTRAINT_ERRORS[name]()
    text = str(original)
    for key, factory in CONSTRAINT_ERRORS.items():
        if key in text:
            return factory()
    return ConflictError("the change conflicts with existing data", code="conflict.integrity")
