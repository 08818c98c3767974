"""Ports of the certificates module: where certificates are kept, and what draws their PDFs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms_core.certificates.commands import ListMyCertificates
from lms_core.certificates.entities import Certificate, CertificateContent, CertificateIssueFailure
from lms_core.enrollments.entities import EnrollmentStatus
from lms_core.shared.ids import UserId


@dataclass(frozen=True, slots=True)
class IssuableEnrollment:
    """An enrolment with what its certificate would say, read in one query."""

    enrollment_id: UUID
    student_id: UserId
    course_id: UUID
    instructor_id: UserId
    status: EnrollmentStatus
    completed_at: datetime | None
    student_name: str
    course_title: str
    instructor_name: str
    student_email: str = ""


class CertificateRepository(Protocol):
    async def add(self, certificate: Certificate) -> None:
        """Insert the certificate, stamp its enrolment's `certificate_issued_at` and forget the enrolment's
        issue failure, if any. Raises
        `CertificateAlreadyIssued` when the enrolment has one, `CertificateNumberTaken` when the number is used."""
        ...

    async def get(self, certificate_id: UUID) -> Certificate | None: ...

    async def get_by_number(self, certificate_number: str) -> Certificate | None: ...

    async def get_for_enrollment(self, enrollment_id: UUID) -> Certificate | None: ...

    async def list_for_student(self, student_id: UserId, query: ListMyCertificates) -> tuple[list[Certificate], int]:
        """One page of a student's certificates, newest first, with the total."""
        ...

    async def revoke(self, certificate_id: UUID, *, at: datetime, reason: str, by: UserId | None) -> bool:
        """Mark the certificate revoked if it is not yet; False if it already was."""
        ...

    async def issuable(self, enrollment_id: UUID) -> IssuableEnrollment | None: ...

    async def missing(self, *, course_id: UUID | None, after: UUID | None, limit: int) -> list[IssuableEnrollment]:
        """Completed enrolments without a certificate (of one course or all), by enrolment id after `after`."""
        ...

    async def count_missing(self, *, course_id: UUID | None) -> int: ...

    async def record_failure(self, failure: CertificateIssueFailure) -> None:
        """Keep why the enrolment's certificate was not issued, replacing an earlier reason."""
        ...

    async def failure_for(self, enrollment_id: UUID) -> CertificateIssueFailure | None: ...

    async def count_issued(self, *, course_id: UUID | None) -> int:
        """Completed enrolments that have their certificate (of one course or all)."""
        ...


class CertificateRenderer(Protocol):
    """Draws a certificate as PDF bytes. CPU-bound and synchronous: callers run it off the event loop.

    Raises `UnrenderableName` when the text holds characters its font cannot draw.
    """

    @property
    def name(self) -> str:
        """Which adapter drew the PDF (`borb`, `reportlab`), recorded with each certificate."""
        ...

    def render(self, content: CertificateContent) -> bytes: ...


class CertificateLinks(Protocol):
    """Where anyone holding a certificate checks it: the public verification address printed on it (as
    text and QR code). It belongs to the front end serving verification, which the core does not know."""

    def verification_url(self, certificate_number: str) -> str: ...


# How a batch renders one certificate: in a thread by default, in a process pool from the CLI.
RenderCall = Callable[[CertificateContent], Awaitable[bytes]]
