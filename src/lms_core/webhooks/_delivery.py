"""Fan-out of events into deliveries, and the attempts of one delivery."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from lms_core.emails.entities import EmailTemplate
from lms_core.emails.events import EmailRequested
from lms_core.shared.clock import Clock
from lms_core.shared.events import DomainEvent
from lms_core.shared.ids import new_id
from lms_core.shared.ports import Transaction, UnitOfWork
from lms_core.webhooks._payloads import PayloadBuilder, payload_body
from lms_core.webhooks._signing import signed_headers
from lms_core.webhooks.entities import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from lms_core.webhooks.errors import WebhookDeliveryFailed, WebhookDeliveryNotDue
from lms_core.webhooks.events import WebhookDeliveryDue
from lms_core.webhooks.policy import MAX_DELIVERY_ATTEMPTS, next_attempt_at
from lms_core.webhooks.ports import SecretBox, WebhookRules, WebhookSender

MAX_ERROR_LENGTH = 500


class WebhookDispatch:
    """The two outbox handlers of webhooks: `fan_out` (the events endpoints subscribe to) and `attempt`
    (`WebhookDeliveryDue`). Both are idempotent: a repeated event adds no second delivery (unique per
    endpoint and event id), and a delivery no longer pending is left alone."""

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        secrets: SecretBox,
        sender: WebhookSender,
        rules: WebhookRules,
        builders: Mapping[type[DomainEvent], PayloadBuilder],
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._secrets = secrets
        self._sender = sender
        self._rules = rules
        self._builders = builders

    async def fan_out(self, event: DomainEvent) -> None:
        builder = self._builders.get(type(event))
        if builder is None:
            raise TypeError(f"webhooks send no {type(event).__name__}")
        now = self._clock.now()
        body = payload_body(event, builder, timestamp=now)
        async with self._uow.begin() as tx:
            due: list[DomainEvent] = []
            for endpoint in await tx.webhooks.active_endpoints_for(event.event_type):
                delivery = WebhookDelivery(
                    id=new_id(),
                    endpoint_id=endpoint.id,
                    event_id=event.event_id,
                    event_type=event.event_type,
                    body=body,
                    status=DeliveryStatus.PENDING,
                    attempts=0,
                    last_status_code=None,
                    last_error=None,
                    created_at=now,
                    last_attempt_at=None,
                    next_attempt_at=now,
                    delivered_at=None,
                )
                if await tx.webhooks.add_delivery_if_absent(delivery):
                    due.append(WebhookDeliveryDue(delivery_id=delivery.id))
            await tx.outbox.add_all(due)
            await tx.commit()

    async def attempt(self, event: DomainEvent) -> None:
        """Post the delivery once. A failure is recorded and then raised, so that the outbox tries again
        with its back-off, until the last allowed attempt, after which the delivery is `failed`."""
        if not isinstance(event, WebhookDeliveryDue):
            raise TypeError(f"not a delivery: {type(event).__name__}")
        now = self._clock.now()
        async with self._uow.begin(write=False) as tx:
            delivery = await tx.webhooks.get_delivery(event.delivery_id)
            endpoint = None if delivery is None else await tx.webhooks.get_endpoint(delivery.endpoint_id)
        if delivery is None or delivery.status is not DeliveryStatus.PENDING:
            return  # removed with its endpoint, or already delivered or given up
        if endpoint is None or not endpoint.is_active:
            async with self._uow.begin() as tx:
                await tx.webhooks.abandon_delivery(delivery.id, reason="the endpoint is disabled", now=now)
                await tx.commit()
            return
        if delivery.next_attempt_at is not None and now < delivery.next_attempt_at:
            raise WebhookDeliveryNotDue(
                f"delivery {delivery.id} is due at {delivery.next_attempt_at.isoformat()}",
                at=delivery.next_attempt_at,
                attempted=False,
            )
        signing = [self._secrets.open(sealed) for sealed in endpoint.sealed_signing_secrets(now)]
        body = delivery.body.encode()
        headers = signed_headers(signing, message_id=str(delivery.event_id), timestamp=int(now.timestamp()), body=body)
        result = await self._sender.post(endpoint.url, headers=headers, body=body)
        await self._record(delivery, endpoint, result.status_code, result.error, succeeded=result.succeeded)

    async def _record(
        self,
        delivery: WebhookDelivery,
        endpoint: WebhookEndpoint,
        status_code: int | None,
        error: str | None,
        *,
        succeeded: bool,
    ) -> None:
        now = self._clock.now()
        attempts = delivery.attempts + 1
        if succeeded:
            async with self._uow.begin() as tx:
                await tx.webhooks.record_attempt(
                    delivery.id,
                    status=DeliveryStatus.DELIVERED,
                    status_code=status_code,
                    error=None,
                    attempted_at=now,
                    next_attempt_at=None,
                )
                await tx.webhooks.mark_healthy(endpoint.id)
                await tx.commit()
            return
        reason = (error or f"the receiver answered {status_code}")[:MAX_ERROR_LENGTH]
        give_up = attempts >= MAX_DELIVERY_ATTEMPTS
        retry_at = None if give_up else next_attempt_at(now, attempts)
        async with self._uow.begin() as tx:
            recorded = await tx.webhooks.record_attempt(
                delivery.id,
                status=DeliveryStatus.FAILED if give_up else DeliveryStatus.PENDING,
                status_code=status_code,
                error=reason,
                attempted_at=now,
                next_attempt_at=retry_at,
            )
            await tx.webhooks.mark_failing(endpoint.id, since=now)
            cutoff = now - timedelta(days=self._rules.disable_after_days)
            disabled_reason = f"every delivery failed for {self._rules.disable_after_days} days; last: {reason}"
            if await tx.webhooks.disable_if_failing_since(
                endpoint.id, cutoff=cutoff, now=now, reason=disabled_reason[:MAX_ERROR_LENGTH]
            ):
                await _tell_owner(tx, endpoint, disabled_reason)
            await tx.commit()
        if recorded and retry_at is not None:
            raise WebhookDeliveryFailed(
                f"webhook delivery {delivery.id}, attempt {attempts}: {reason}", at=retry_at, attempted=True
            )


async def _tell_owner(tx: Transaction, endpoint: WebhookEndpoint, reason: str) -> None:
    """An e-mail to the admin who registered the endpoint, if that account still exists and is active."""
    owner = None if endpoint.owner_id is None else await tx.users.get(endpoint.owner_id)
    if owner is None or not owner.is_active:
        return
    await tx.outbox.add(
        EmailRequested(
            to=owner.email,
            template=EmailTemplate.WEBHOOK_ENDPOINT_DISABLED,
            context={
                "full_name": owner.full_name,
                "endpoint_url": endpoint.url,
                "endpoint_id": str(endpoint.id),
                "reason": reason,
            },
        )
    )
