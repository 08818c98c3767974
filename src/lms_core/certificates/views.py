"""Outputs of the certificates module."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from lms_core.certificates.entities import Certificate


class CertificateView(msgspec.Struct, frozen=True, kw_only=True):
    """A certificate as its holder, the course's instructor and admins see it."""

    id: UUID
    enrollment_id: UUID
    student_id: UUID
    course_id: UUID
    certificate_number: str
    student_name: str
    course_title: str
    instructor_name: str
    completion_date: datetime
    issued_at: datetime
    is_revoked: bool
    revoked_at: datetime | None
    revoked_reason: str | None
    verification_url: str

    @classmethod
    def of(cls, certificate: Certificate, verification_url: str) -> CertificateView:
        return cls(
            id=certificate.id,
            enrollment_id=certificate.enrollment_id,
            student_id=certificate.student_id,
            course_id=certificate.course_id,
            certificate_number=certificate.certificate_number,
            student_name=certificate.student_name,
            course_title=certificate.course_title,
            instructor_name=certificate.instructor_name,
            completion_date=certificate.completion_date,
            issued_at=certificate.issued_at,
            is_revoked=certificate.is_revoked,
            revoked_at=certificate.revoked_at,
            revoked_reason=certificate.revoked_reason,
            verification_url=verification_url,
        )


class CertificateVerification(msgspec.Struct, frozen=True, kw_only=True):
    """What anyone holding a certificate number may learn: whether it stands, and what it certifies.
    Nothing else about the student (no id, no e-mail)."""

    certificate_number: str
    valid: bool
    is_revoked: bool
    revoked_at: datetime | None
    student_name: str
    course_title: str
    completion_date: datetime
    issued_at: datetime

    @classmethod
    def of(cls, certificate: Certificate) -> CertificateVerification:
        return cls(
            certificate_number=certificate.certificate_number,
            valid=certificate.is_valid,
            is_revoked=certificate.is_revoked,
            revoked_at=certificate.revoked_at,
            student_name=certificate.student_name,
            course_title=certificate.course_title,
            completion_date=certificate.completion_date,
            issued_at=certificate.issued_at,
        )


class CertificateFile(msgspec.Struct, frozen=True, kw_only=True):
    """A certificate's PDF, ready to be sent."""

    filename: str
    content_type: str
    content: bytes


class IssueResult(msgspec.Struct, frozen=True, kw_only=True):
    """The enrolment's certificate; `created` is False when it already had one (issuing is idempotent)."""

    certificate: CertificateView
    created: bool


class IssueFailure(msgspec.Struct, frozen=True, kw_only=True):
    enrollment_id: UUID
    code: str
    message: str


class IssueSummary(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of issuing the missing certificates of a batch of completed enrolments."""

    issued: int
    already_issued: int
    failed: list[IssueFailure]
