"""Webhook endpoints and the deliveries of events to them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms_core.shared.ids import UserId


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    # Given up: every attempt failed, or the endpoint was disabled or removed meanwhile.
    FAILED = "failed"


@dataclass(kw_only=True, slots=True)
class WebhookEndpoint:
    """A URL that receives the events of `event_types`, signed with its secret.

    Secrets are held sealed (`SecretBox`): the entity never carries one in clear. After a rotation the
    previous secret signs too until `previous_secret_expires_at`, so receivers can switch without a gap.
    `failing_since` is the first failed attempt since the last success; an endpoint failing for longer
    than the configured number of days is disabled (`disabled_at`, `disabled_reason`).
    """

    id: UUID
    url: str
    event_types: list[str]
    description: str
    is_active: bool
    owner_id: UserId | None
    sealed_secret: str
    sealed_previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None
    failing_since: datetime | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    created_at: datetime
    updated_at: datetime

    def sealed_signing_secrets(self, now: datetime) -> list[str]:
        """The secrets that sign a message sent at `now`: the current one, and the previous one in its grace."""
        secrets = [self.sealed_secret]
        if (
            self.sealed_previous_secret is not None
            and self.previous_secret_expires_at is not None
            and now < self.previous_secret_expires_at
        ):
            secrets.append(self.sealed_previous_secret)
        return secrets

    def rotate_secret(self, new_sealed_secret: str, *, now: datetime, valid_until: datetime) -> None:
        """The current secret becomes the previous one, still signing until `valid_until` (not at all if
        that is `now`)."""
        self.sealed_previous_secret = self.sealed_secret if valid_until > now else None
        self.previous_secret_expires_at = valid_until if valid_until > now else None
        self.sealed_secret = new_sealed_secret
        self.updated_at = now

    def activate(self, now: datetime) -> None:
        """Back in service: the failure history that disabled it no longer counts."""
        self.is_active = True
        self.failing_since = None
        self.disabled_at = None
        self.disabled_reason = None
        self.updated_at = now


@dataclass(kw_only=True, slots=True)
class WebhookDelivery:
    """One event for one endpoint: the exact body sent on every attempt, and how the attempts went.

    Unique per (endpoint, event id), whatever the retries of the event that caused it.
    """

    id: UUID
    endpoint_id: UUID
    event_id: UUID
    event_type: str
    body: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
