from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from lms_core.shared.events import DomainEvent


class CertificateIssued(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "certificates.issued"
    certificate_id: UUID
    certificate_number: str
    enrollment_id: UUID
    student_id: UUID
    course_id: UUID


class CertificateRevoked(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "certificates.revoked"
    certificate_id: UUID
    certificate_number: str
    student_id: UUID
    course_id: UUID


# What this module records; the composition root puts these in the engine's event catalogue.
EVENTS: tuple[type[DomainEvent], ...] = (CertificateIssued, CertificateRevoked)
