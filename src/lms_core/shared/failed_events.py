"""Failed (dead) outbox events as an operator sees them: the views, the retry command and the errors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from lms_core.shared.errors import InvalidInputError, NotFoundError, PermissionDeniedError


class FailedEventView(msgspec.Struct, frozen=True, kw_only=True):
    """An event whose delivery failed on every attempt; it waits for an operator's retry."""

    id: UUID
    event_type: str
    attempts: int
    last_error: str | None
    recorded_at: datetime
    failed_at: datetime


class RetryFailedEvents(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Re-queue failed events: the listed `ids`, or every failed event with `all=True` (one or the other)."""

    ids: Annotated[list[UUID], msgspec.Meta(max_length=1000)] = msgspec.field(default_factory=list)
    all: bool = False


class RetryReport(msgspec.Struct, frozen=True, kw_only=True):
    """How many failed events went back to the queue, due at once with their attempts reset."""

    requeued: int


class NotDeliveryOperator(PermissionDeniedError):
    code = "tasks.admin_only"


class FailedEventNotFound(NotFoundError):
    code = "tasks.failed_event_not_found"


class InvalidRetry(InvalidInputError):
    code = "tasks.invalid_retry"
