"""Inputs of the webhooks module."""

from __future__ import annotations

from typing import Annotated

import msgspec

from lms_core.shared.commands import Command
from lms_core.shared.pagination import PageRequest
from lms_core.shared.text import SingleLineText
from lms_core.webhooks.entities import DeliveryStatus

WebhookUrl = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=2048,
        description="An absolute http(s) URL with a public host; no user name or password in it.",
        examples=["https://crm.example.com/hooks/lms"],
    ),
]
EventTypeName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, examples=["enrollments.completed"])]
EventTypes = Annotated[
    list[EventTypeName],
    msgspec.Meta(
        min_length=1,
        max_length=50,
        description="The event types this endpoint receives (see docs/webhooks.md for the list).",
        examples=[["enrollments.student_enrolled", "enrollments.completed"]],
    ),
]
Description = Annotated[SingleLineText, msgspec.Meta(max_length=500, examples=["CRM sync"])]
# Up to a week: long enough for any receiver's deployment, short enough that a leaked secret dies soon.
MAX_GRACE_SECONDS = 7 * 24 * 3600
GraceSeconds = Annotated[
    int,
    msgspec.Meta(
        ge=0,
        le=MAX_GRACE_SECONDS,
        description="How long the previous secret keeps signing; default LMS_WEBHOOK_SECRET_GRACE_HOURS.",
        examples=[86400],
    ),
]


class CreateWebhookEndpoint(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An admin registers a URL to receive some event types."""

    url: WebhookUrl
    event_types: EventTypes
    description: Description = ""
    is_active: bool = True


class UpdateWebhookEndpoint(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An admin changes an endpoint; absent fields stay as they are. `is_active: true` re-enables a disabled
    endpoint and forgets its failures."""

    url: WebhookUrl | msgspec.UnsetType = msgspec.UNSET
    event_types: EventTypes | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET


class RotateWebhookSecret(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new secret for an endpoint; the old one keeps signing for `grace_seconds`."""

    grace_seconds: GraceSeconds | None = None


class ListWebhookEndpoints(PageRequest, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One page of endpoints, newest first."""


class ListWebhookDeliveries(PageRequest, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One page of an endpoint's deliveries, newest first, optionally of one status."""

    status: DeliveryStatus | None = None
