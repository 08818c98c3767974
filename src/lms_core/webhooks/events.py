from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from lms_core.shared.events import DomainEvent


class WebhookDeliveryDue(DomainEvent, frozen=True, kw_only=True):
    """One delivery to attempt. Its handler posts once and raises on failure, so the outbox's retries and
    back-off run the delivery's attempts."""

    event_type: ClassVar[str] = "webhooks.delivery_due"
    delivery_id: UUID


# What this module records; the composition root puts these in the engine's event catalogue.
EVENTS: tuple[type[DomainEvent], ...] = (WebhookDeliveryDue,)
