"""Who may do what with certificates.

A certificate (and the enrolment it certifies) is visible to its holder, the course's instructor and
admins; to anyone else it does not exist (404), as with enrolments. Issuing on request and revoking are
for the course's instructor and admins (403 for the holder); issuing in batches is for operators and
admins. Verification by number is public. Who manages a course is `courses.policy`'s rule.
"""

from __future__ import annotations

from lms_core.certificates.entities import Certificate
from lms_core.certificates.errors import EnrollmentNotCompleted, NotCertificateManager, certificate_not_found
from lms_core.certificates.ports import IssuableEnrollment
from lms_core.courses.policy import manages_courses_of
from lms_core.enrollments.entities import EnrollmentStatus
from lms_core.enrollments.policy import not_found as enrollment_not_found
from lms_core.shared.actor import Actor
from lms_core.shared.ids import UserId


def can_see(actor: Actor, student_id: UserId, instructor_id: UserId) -> bool:
    return (actor.user_id is not None and actor.user_id == student_id) or manages_courses_of(actor, instructor_id)


def require_can_see_certificate(actor: Actor, certificate: Certificate, instructor_id: UserId) -> None:
    if not can_see(actor, certificate.student_id, instructor_id):
        raise certificate_not_found(certificate.id)


def require_can_revoke(actor: Actor, certificate: Certificate, instructor_id: UserId) -> None:
    require_can_see_certificate(actor, certificate, instructor_id)
    if not manages_courses_of(actor, instructor_id):
        raise NotCertificateManager("only the course's instructor or an admin may revoke a certificate")


def require_can_see_enrollment(actor: Actor, enrollment: IssuableEnrollment) -> None:
    if not can_see(actor, enrollment.student_id, enrollment.instructor_id):
        raise enrollment_not_found(enrollment.enrollment_id)


def require_can_issue(actor: Actor, enrollment: IssuableEnrollment) -> None:
    if not can_see(actor, enrollment.student_id, enrollment.instructor_id):
        raise enrollment_not_found(enrollment.enrollment_id)
    if not manages_courses_of(actor, enrollment.instructor_id):
        raise NotCertificateManager("only the course's instructor or an admin may issue a certificate")


def require_can_issue_in_batches(actor: Actor) -> None:
    """Catching up on every missing certificate reaches across courses: operators (the system) and admins."""
    if not actor.is_admin:
        raise NotCertificateManager("only operators and admins issue certificates in batches")


def require_completed(enrollment: IssuableEnrollment) -> None:
    if enrollment.status is not EnrollmentStatus.COMPLETED or enrollment.completed_at is None:
        raise EnrollmentNotCompleted(
            "a certificate is issued only for a completed enrolment",
            details={"enrollment_id": str(enrollment.enrollment_id), "status": enrollment.status.value},
        )
