"""Outbound webhooks: endpoints, their secrets and their deliveries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from uuid import UUID

import msgspec

from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.events import DomainEvent
from lms_core.shared.ids import new_id
from lms_core.shared.pagination import Page
from lms_core.shared.ports import Transaction, UnitOfWork
from lms_core.webhooks._delivery import WebhookDispatch
from lms_core.webhooks._payloads import PAYLOAD_BUILDERS, PayloadBuilder
from lms_core.webhooks._signing import new_secret
from lms_core.webhooks._urls import require_webhook_url
from lms_core.webhooks.commands import (
    CreateWebhookEndpoint,
    ListWebhookDeliveries,
    ListWebhookEndpoints,
    RotateWebhookSecret,
    UpdateWebhookEndpoint,
)
from lms_core.webhooks.entities import DeliveryStatus, WebhookEndpoint
from lms_core.webhooks.errors import (
    UnknownWebhookEventType,
    WebhookDeliveryNotFound,
    WebhookEndpointInactive,
    WebhookEndpointNotFound,
)
from lms_core.webhooks.events import WebhookDeliveryDue
from lms_core.webhooks.policy import require_webhook_admin
from lms_core.webhooks.ports import DestinationGuard, SecretBox, WebhookRules, WebhookSender
from lms_core.webhooks.views import WebhookDeliveryView, WebhookEndpointView, WebhookSecretIssued


class WebhookService:
    """Admins register endpoints; the engine posts them signed events.

    Rules:
    - every use case here is for admins (`policy.require_webhook_admin`);
    - a URL is an absolute http(s) URL without credentials whose host is public: the destination guard
      resolves it now and again at each delivery (DNS rebinding), unless the operator allows private
      networks;
    - event types are those of the payload table (`_payloads.PAYLOAD_BUILDERS`), each an event of the
      engine's catalogue; an endpoint names at least one;
    - the secret (`whsec_...`, Standard Webhooks) is generated here and shown once, at creation and at each
      rotation; it rests sealed. After a rotation the previous secret signs as well for a grace period;
    - each event becomes one delivery per active endpoint that wants it (unique per endpoint and event
      id), attempted through the outbox until it gets a 2xx or runs out of attempts; an endpoint failing
      for `disable_after_days` is disabled and its owner e-mailed (`_delivery.WebhookDispatch`);
    - re-sending a delivery starts a fresh round of attempts with the same event id and body.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        secrets: SecretBox,
        guard: DestinationGuard,
        sender: WebhookSender,
        rules: WebhookRules,
        builders: Mapping[type[DomainEvent], PayloadBuilder] = PAYLOAD_BUILDERS,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._secrets = secrets
        self._guard = guard
        self._rules = rules
        self._builders = builders
        self._event_types = frozenset(event_class.event_type for event_class in builders)
        self._dispatch = WebhookDispatch(
            uow=uow, clock=clock, secrets=secrets, sender=sender, rules=rules, builders=builders
        )

    @property
    def event_classes(self) -> tuple[type[DomainEvent], ...]:
        """The events endpoints may subscribe to: what the composition root subscribes `fan_out` to."""
        return tuple(self._builders)

    def event_types(self) -> list[str]:
        """The names endpoints may list in `event_types`, sorted."""
        return sorted(self._event_types)

    # -- outbox handlers ------------------------------------------------------------------------

    async def fan_out(self, event: DomainEvent) -> None:
        """One delivery per active endpoint that wants `event` (idempotent by the event's id)."""
        await self._dispatch.fan_out(event)

    async def attempt_delivery(self, event: DomainEvent) -> None:
        """Post one `WebhookDeliveryDue`'s delivery; raises on failure so that the outbox retries."""
        await self._dispatch.attempt(event)

    # -- endpoints ------------------------------------------------------------------------------

    async def create_endpoint(self, actor: Actor, command: CreateWebhookEndpoint) -> WebhookSecretIssued:
        """Register an endpoint; the answer carries its secret, never shown again."""
        require_webhook_admin(actor)
        url = await self._checked_url(command.url)
        event_types = self._checked_event_types(command.event_types)
        secret = new_secret()
        now = self._clock.now()
        endpoint = WebhookEndpoint(
            id=new_id(),
            url=url,
            event_types=event_types,
            description=command.description,
            is_active=command.is_active,
            owner_id=actor.user_id,
            sealed_secret=self._secrets.seal(secret),
            created_at=now,
            updated_at=now,
        )
        async with self._uow.begin() as tx:
            await tx.webhooks.add_endpoint(endpoint)
            await tx.commit()
        return WebhookSecretIssued(endpoint=WebhookEndpointView.of(endpoint, now), secret=secret)

    async def list_endpoints(self, actor: Actor, query: ListWebhookEndpoints) -> Page[WebhookEndpointView]:
        """Every endpoint, newest first, without secrets."""
        require_webhook_admin(actor)
        now = self._clock.now()
        async with self._uow.begin(write=False) as tx:
            endpoints, total = await tx.webhooks.list_endpoints(offset=query.offset, limit=query.limit)
        return query.page_of([WebhookEndpointView.of(endpoint, now) for endpoint in endpoints], total)

    async def get_endpoint(self, actor: Actor, endpoint_id: UUID) -> WebhookEndpointView:
        require_webhook_admin(actor)
        async with self._uow.begin(write=False) as tx:
            endpoint = await _endpoint(tx, endpoint_id)
        return WebhookEndpointView.of(endpoint, self._clock.now())

    async def update_endpoint(
        self, actor: Actor, endpoint_id: UUID, command: UpdateWebhookEndpoint
    ) -> WebhookEndpointView:
        """Change the URL, event types, description or activation; enabling clears the failure history."""
        require_webhook_admin(actor)
        url = None if command.url is msgspec.UNSET else await self._checked_url(command.url)
        event_types = None if command.event_types is msgspec.UNSET else self._checked_event_types(command.event_types)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            endpoint = await _endpoint(tx, endpoint_id, for_update=True)
            if url is not None:
                endpoint.url = url
            if event_types is not None:
                endpoint.event_types = event_types
            if command.description is not msgspec.UNSET:
                endpoint.description = command.description
            if command.is_active is True and not endpoint.is_active:
                endpoint.activate(now)
            elif command.is_active is False:
                endpoint.is_active = False
            endpoint.updated_at = now
            await tx.webhooks.save_endpoint(endpoint)
            await tx.commit()
        return WebhookEndpointView.of(endpoint, now)

    async def delete_endpoint(self, actor: Actor, endpoint_id: UUID) -> None:
        """Remove an endpoint with its delivery history; its pending deliveries are not attempted."""
        require_webhook_admin(actor)
        async with self._uow.begin() as tx:
            if not await tx.webhooks.delete_endpoint(endpoint_id):
                raise _endpoint_not_found(endpoint_id)
            await tx.commit()

    async def rotate_secret(self, actor: Actor, endpoint_id: UUID, command: RotateWebhookSecret) -> WebhookSecretIssued:
        """A new secret, shown once; the previous one keeps signing for the grace period (messages then carry
        both signatures). A second rotation within the grace ends the first one's previous secret."""
        require_webhook_admin(actor)
        grace = self._rules.secret_grace_seconds if command.grace_seconds is None else command.grace_seconds
        secret = new_secret()
        now = self._clock.now()
        async with self._uow.begin() as tx:
            endpoint = await _endpoint(tx, endpoint_id, for_update=True)
            endpoint.rotate_secret(self._secrets.seal(secret), now=now, valid_until=now + timedelta(seconds=grace))
            await tx.webhooks.save_endpoint(endpoint)
            await tx.commit()
        return WebhookSecretIssued(endpoint=WebhookEndpointView.of(endpoint, now), secret=secret)

    # -- deliveries -----------------------------------------------------------------------------

    async def list_deliveries(
        self, actor: Actor, endpoint_id: UUID, query: ListWebhookDeliveries
    ) -> Page[WebhookDeliveryView]:
        """An endpoint's deliveries, newest first: status, attempts, last answer or error, and times."""
        require_webhook_admin(actor)
        async with self._uow.begin(write=False) as tx:
            await _endpoint(tx, endpoint_id)
            deliveries, total = await tx.webhooks.list_deliveries(
                endpoint_id, status=query.status, offset=query.offset, limit=query.limit
            )
        return query.page_of([WebhookDeliveryView.of(delivery) for delivery in deliveries], total)

    async def resend_delivery(self, actor: Actor, endpoint_id: UUID, delivery_id: UUID) -> WebhookDeliveryView:
        """Send a delivery again (delivered or failed ones too): pending, due now, with a fresh round of
        attempts; the event id and body stay the same, so a receiver that has it can ignore it."""
        require_webhook_admin(actor)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            endpoint = await _endpoint(tx, endpoint_id, for_update=True)
            delivery = await tx.webhooks.get_delivery(delivery_id)
            if delivery is None or delivery.endpoint_id != endpoint.id:
                raise WebhookDeliveryNotFound("no such delivery", details={"delivery_id": str(delivery_id)})
            if not endpoint.is_active:
                raise WebhookEndpointInactive(
                    "the endpoint is disabled; enable it before re-sending", details={"endpoint_id": str(endpoint.id)}
                )
            await tx.webhooks.restart_delivery(delivery.id, now=now)
            await tx.outbox.add(WebhookDeliveryDue(delivery_id=delivery.id))
            restarted = await tx.webhooks.get_delivery(delivery.id)
            await tx.commit()
        assert restarted is not None and restarted.status is DeliveryStatus.PENDING
        return WebhookDeliveryView.of(restarted)

    # -- checks ---------------------------------------------------------------------------------

    async def _checked_url(self, url: str) -> str:
        require_webhook_url(url)
        await self._guard.check(url)
        return url

    def _checked_event_types(self, names: list[str]) -> list[str]:
        unknown = sorted(set(names) - self._event_types)
        if unknown:
            raise UnknownWebhookEventType(
                f"unknown event type {unknown[0]!r}",
                details={"field": "event_types", "unknown": unknown, "known": self.event_types()},
            )
        return sorted(set(names))


async def _endpoint(tx: Transaction, endpoint_id: UUID, *, for_update: bool = False) -> WebhookEndpoint:
    endpoint = await tx.webhooks.get_endpoint(endpoint_id, for_update=for_update)
    if endpoint is None:
        raise _endpoint_not_found(endpoint_id)
    return endpoint


def _endpoint_not_found(endpoint_id: UUID) -> WebhookEndpointNotFound:
    return WebhookEndpointNotFound("no such webhook endpoint", details={"endpoint_id": str(endpoint_id)})
