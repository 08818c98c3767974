"""Errors of the certificates module."""

from __future__ import annotations

from lms_core.shared.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError


class CertificateNotFound(NotFoundError):
    code = "certificates.not_found"


def certificate_not_found(certificate: object) -> CertificateNotFound:
    """The one way a missing certificate, or one hidden from the caller, is reported (by id or number)."""
    return CertificateNotFound("no such certificate", details={"certificate": str(certificate)})


class EnrollmentNotCompleted(ConflictError):
    code = "certificates.enrollment_not_completed"


class CertificateAlreadyIssued(ConflictError):
    """The enrolment already has its certificate (the unique constraint said so)."""

    code = "certificates.already_issued"


class CertificateNumberTaken(ConflictError):
    """A freshly drawn number is already used: drawn again by the service, never shown to callers."""

    code = "certificates.number_taken"


class CertificateAlreadyRevoked(ConflictError):
    code = "certificates.already_revoked"


class NotCertificateManager(PermissionDeniedError):
    code = "certificates.not_allowed"


class UnrenderableName(InvalidInputError):
    """The certificate's text holds characters the renderer's font cannot draw; nothing was issued."""

    code = "certificates.unrenderable_name"
