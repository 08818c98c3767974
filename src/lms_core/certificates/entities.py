"""Certificates, their numbers and where their PDFs live."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from lms_core.shared.ids import UserId

# `CERT-`, the date of issue (YYYYMMDD), `-` and 8 upper-case hex digits (32 random bits).
NUMBER_PATTERN = re.compile(r"CERT-(\d{4})(\d{2})(\d{2})-[0-9A-F]{8}")
PDF_CONTENT_TYPE = "application/pdf"


def new_certificate_number(issued_at: datetime) -> str:
    """A fresh number for a certificate issued at `issued_at`; the database's unique constraint settles the
    (astronomically rare) collision, and the service draws again."""
    return f"CERT-{issued_at:%Y%m%d}-{secrets.token_hex(4).upper()}"


def is_certificate_number(text: str) -> bool:
    return NUMBER_PATTERN.fullmatch(text) is not None


def pdf_path_for(number: str) -> str:
    """`certificates/{yyyy}/{number}.pdf`, the year taken from the number itself."""
    found = NUMBER_PATTERN.fullmatch(number)
    if found is None:
        raise ValueError(f"not a certificate number: {number!r}")
    return f"certificates/{found.group(1)}/{number}.pdf"


@dataclass(kw_only=True, slots=True)
class Certificate:
    """A certificate of completion. What it says (names, title) is kept as it was when issued."""

    id: UUID
    enrollment_id: UUID
    student_id: UserId
    course_id: UUID
    certificate_number: str
    pdf_path: str
    student_name: str
    course_title: str
    instructor_name: str
    completion_date: datetime
    issued_at: datetime
    renderer: str
    is_revoked: bool = False
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    revoked_by: UserId | None = None

    @property
    def is_valid(self) -> bool:
        return not self.is_revoked

    def printed_content(self, verification_url: str) -> CertificateContent:
        """What the certificate's PDF says now: what was issued and, once revoked, the revocation mark."""
        return CertificateContent(
            student_name=self.student_name,
            course_title=self.course_title,
            instructor_name=self.instructor_name,
            completion_date=self.completion_date.date(),
            certificate_number=self.certificate_number,
            verification_url=verification_url,
            revoked_on=self.revoked_at.date() if self.is_revoked and self.revoked_at is not None else None,
        )


@dataclass(frozen=True, slots=True)
class CertificateIssueFailure:
    """Why an enrolment's certificate could not be issued (a name no certificate font draws...): kept
    until the certificate is issued, so that the learner and the course's managers see why it is pending."""

    enrollment_id: UUID
    code: str
    reason: str
    field: str | None
    failed_at: datetime


@dataclass(frozen=True, slots=True)
class CertificateContent:
    """Everything printed on a certificate: the renderer's whole input."""

    student_name: str
    course_title: str
    instructor_name: str
    completion_date: date
    certificate_number: str
    verification_url: str
    # Set on a revoked certificate: the PDF then carries a visible "REVOKED <date>" mark.
    revoked_on: date | None = None
