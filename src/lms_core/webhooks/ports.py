"""What the webhooks module needs from the outside world."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms_core.webhooks.entities import DeliveryStatus, WebhookDelivery, WebhookEndpoint


class WebhookRepository(Protocol):
    """Endpoints and deliveries. Changes that races could interleave are conditional updates."""

    async def add_endpoint(self, endpoint: WebhookEndpoint) -> None: ...

    async def get_endpoint(self, endpoint_id: UUID, *, for_update: bool = False) -> WebhookEndpoint | None: ...

    async def save_endpoint(self, endpoint: WebhookEndpoint) -> None: ...

    async def delete_endpoint(self, endpoint_id: UUID) -> bool:
        """Remove the endpoint and its deliveries; False if there was none."""
        ...

    async def list_endpoints(self, *, offset: int, limit: int) -> tuple[list[WebhookEndpoint], int]: ...

    async def active_endpoints_for(self, event_type: str) -> list[WebhookEndpoint]: ...

    async def add_delivery_if_absent(self, delivery: WebhookDelivery) -> bool:
        """Insert unless the endpoint already has a delivery of that event id; True if inserted."""
        ...

    async def get_delivery(self, delivery_id: UUID) -> WebhookDelivery | None: ...

    async def list_deliveries(
        self, endpoint_id: UUID, *, status: DeliveryStatus | None, offset: int, limit: int
    ) -> tuple[list[WebhookDelivery], int]: ...

    async def record_attempt(
        self,
        delivery_id: UUID,
        *,
        status: DeliveryStatus,
        status_code: int | None,
        error: str | None,
        attempted_at: datetime,
        next_attempt_at: datetime | None,
    ) -> bool:
        """Count one attempt of a pending delivery and set its outcome; False if it was no longer pending."""
        ...

    async def abandon_delivery(self, delivery_id: UUID, *, reason: str, now: datetime) -> None:
        """Give a pending delivery up without an attempt (its endpoint was disabled meanwhile)."""
        ...

    async def restart_delivery(self, delivery_id: UUID, *, now: datetime) -> None:
        """Pending again with a fresh round of attempts, due at `now`."""
        ...

    async def mark_failing(self, endpoint_id: UUID, *, since: datetime) -> None:
        """Set `failing_since` unless it is already set."""
        ...

    async def mark_healthy(self, endpoint_id: UUID) -> None:
        """Clear `failing_since`."""
        ...

    async def disable_if_failing_since(
        self, endpoint_id: UUID, *, cutoff: datetime, now: datetime, reason: str
    ) -> bool:
        """Deactivate an active endpoint failing since `cutoff` or earlier; True if this call disabled it."""
        ...


class SecretBox(Protocol):
    """Encrypts signing secrets at rest: the database holds only what `seal` returns."""

    def seal(self, secret: str) -> str: ...

    def open(self, sealed: str) -> str: ...


class DestinationGuard(Protocol):
    """Refuses URLs whose host is (or resolves to) an address the engine must not call (SSRF)."""

    async def check(self, url: str) -> None:
        """Raise `ForbiddenWebhookDestination` or `UnresolvableWebhookHost` for a URL not to be called."""
        ...


@dataclass(frozen=True, slots=True)
class SendResult:
    """What one POST got: the status code of an answer, or why there was none."""

    status_code: int | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender(Protocol):
    """Posts one signed message: within a time limit, without following redirects, only to addresses the
    destination guard allows (checked again when connecting, against DNS rebinding). Never raises for what
    the receiver did; its `SendResult` says."""

    async def post(self, url: str, *, headers: Mapping[str, str], body: bytes) -> SendResult: ...


@dataclass(frozen=True, slots=True)
class WebhookRules:
    """The operator's choices (settings): how long a failing endpoint lasts, and a rotation's default grace."""

    disable_after_days: int
    secret_grace_seconds: int
