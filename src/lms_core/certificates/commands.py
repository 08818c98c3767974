"""Inputs of the certificates module."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec

from lms_core.shared.commands import Command
from lms_core.shared.errors import InvalidInputError
from lms_core.shared.pagination import PageRequest
from lms_core.shared.text import MultiLineText

Reason = Annotated[MultiLineText, msgspec.Meta(min_length=1, max_length=1000)]


class ListMyCertificates(PageRequest, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One page of the caller's certificates, newest first."""


class RevokeCertificate(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Why the certificate no longer stands; shown to its holder and kept for the record."""

    reason: Reason

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.reason.strip():
            raise InvalidInputError(
                "reason must not be blank", code="request.validation_failed", details={"field": "reason"}
            )


class IssueMissingCertificates(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Issue the certificates that completed enrolments lack: of one course, or of every course (None)."""

    course_id: UUID | None = None
