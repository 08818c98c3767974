"""Outputs of the certificates module."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
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
    """A certificate a batch could not issue, and whose: the learner's name and e-mail, so that an operator
    knows whom to fix."""

    enrollment_id: UUID
    code: str
    message: str
    student_name: str = ""
    student_email: str = ""


CertificateState = Literal["not_completed", "pending", "issued"]


class CertificateStatusView(msgspec.Struct, frozen=True, kw_only=True):
    """Where an enrolment's certificate stands, for the learner and the course's managers.

    `pending`: the course is completed and the certificate not issued yet; when issuing failed (a name no
    certificate font can draw), `certificate_pending_reason` says why, `certificate_pending_code` is the
    error's code and `certificate_pending_since` when it failed, until a manager fixes the cause and issues
    it again (`POST /api/v1/certificates/enrollments/{enrollment_id}/generate`).
    """

    enrollment_id: UUID
    certificate_status: CertificateState
    certificate_pending_reason: str | None = None
    certificate_pending_code: str | None = None
    certificate_pending_since: datetime | None = None
    certificate: CertificateView | None = None


class IssueSummary(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of issuing the missing certificates of a batch of completed enrolments."""

    issued: int
    already_issued: int
    failed: list[IssueFailure]
