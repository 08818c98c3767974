"""Outputs of the webhooks module. Only the views of creation and rotation carry a secret, once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from lms_core.webhooks.entities import DeliveryStatus, WebhookDelivery, WebhookEndpoint


class WebhookEndpointView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    url: str
    event_types: list[str]
    description: str
    is_active: bool
    owner_id: UUID | None
    created_at: datetime
    updated_at: datetime
    # Until when the previous secret still signs, after a rotation.
    previous_secret_expires_at: datetime | None
    failing_since: datetime | None
    disabled_at: datetime | None
    disabled_reason: str | None

    @classmethod
    def of(cls, endpoint: WebhookEndpoint, now: datetime) -> WebhookEndpointView:
        expires = endpoint.previous_secret_expires_at
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            event_types=list(endpoint.event_types),
            description=endpoint.description,
            is_active=endpoint.is_active,
            owner_id=endpoint.owner_id,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
            previous_secret_expires_at=expires if expires is not None and expires > now else None,
            failing_since=endpoint.failing_since,
            disabled_at=endpoint.disabled_at,
            disabled_reason=endpoint.disabled_reason,
        )


class WebhookSecretIssued(msgspec.Struct, frozen=True, kw_only=True):
    """An endpoint and its new signing secret, shown this once (at creation and at each rotation)."""

    endpoint: WebhookEndpointView
    secret: Annotated[
        str,
        msgspec.Meta(
            description=(
                "whsec_ then the base64 of the key bytes (Standard Webhooks); store it now, it is not shown again."
            ),
            examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        ),
    ]


class WebhookDeliveryView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    endpoint_id: UUID
    # The `webhook-id` header and the payload's `id`: the same on every attempt, for receivers to de-duplicate.
    event_id: UUID
    event_type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> WebhookDeliveryView:
        return cls(
            id=delivery.id,
            endpoint_id=delivery.endpoint_id,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            status=delivery.status,
            attempts=delivery.attempts,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            created_at=delivery.created_at,
            last_attempt_at=delivery.last_attempt_at,
            next_attempt_at=delivery.next_attempt_at,
            delivered_at=delivery.delivered_at,
        )
