"""Who may do what with certificates.

A certificate (and the enrolment it certifies) is visible to its holder, the course's instructor and
admins; to anyone else it does not exist (404), as with enrolments. Issuing on request and revoking are
for the course's instructor and admins (403 for the holder). Verification by number is public.
"""

from __future__ import annotations

from uuid import UUID

from lms_core.certificates.entities import Certificate
from lms_core.certificates.errors import CertificateNotFound, EnrollmentNotCompleted, NotCertificateManager
from lms_core.certificates.ports import IssuableEnrollment
from lms_core.enrollments.entities import EnrollmentStatus
from lms_core.enrollments.policy import not_found as enrollment_not_found
from lms_core.shared.actor import Actor
from lms_core.shared.ids import UserId


def is_manager(actor: Actor, instructor_id: UserId) -> bool:
    """The course's own instructor, or an admin (the rule of `courses.policy.is_course_manager`, by id)."""
    return actor.is_admin or (actor.user_id is not None and actor.user_id == instructor_id)


def can_see(actor: Actor, student_id: UserId, instructor_id: UserId) -> bool:
    return (actor.user_id is not None and actor.user_id == student_id) or is_manager(actor, instructor_id)


def require_can_see_certificate(actor: Actor, certificate: Certificate, instructor_id: UserId) -> None:
    if not can_see(actor, certificate.student_id, instructor_id):
        raise not_found(certificate.id)


def require_can_revoke(actor: Actor, certificate: Certificate, instructor_id: UserId) -> None:
    require_can_see_certificate(actor, certificate, instructor_id)
    if not is_manager(actor, instructor_id):
        raise NotCertificateManager("only the course's instructor or an admin may revoke a certificate")


def require_can_issue(actor: Actor, enrollment: IssuableEnrollment) -> None:
    if not can_see(actor, enrollment.student_id, enrollment.instructor_id):
        raise enrollment_not_found(enrollment.enrollment_id)
    if not is_manager(actor, enrollment.instructor_id):
        raise NotCertificateManager("only the course's instructor or an admin may issue a certificate")


def require_completed(enrollment: IssuableEnrollment) -> None:
    if enrollment.status is not EnrollmentStatus.COMPLETED or enrollment.completed_at is None:
        raise EnrollmentNotCompleted(
            "a certificate is issued only for a completed enrolment",
            details={"enrollment_id": str(enrollment.enrollment_id), "status": enrollment.status.value},
        )


def not_found(certificate_id: UUID | str) -> CertificateNotFound:
    return CertificateNotFound("no such certificate", details={"certificate": str(certificate_id)})
