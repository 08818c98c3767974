"""Provider webhook events in SQL: stored once per provider and event id."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.tables_payments import payment_webhook_events
from lms_core.payments.entities import (
    PaymentWebhookEvent,
    Provider,
    WebhookEventStatus,
)

_MARK_EVENT = (
    update(payment_webhook_events)
    .where(
        payment_webhook_events.c.provider == bindparam("event_provider"),
        payment_webhook_events.c.provider_event_id == bindparam("event_id"),
    )
    .values(
        status=bindparam("status"), error_message=bindparam("error_message"), processed_at=bindparam("processed_at")
    )
)


class SqlPaymentWebhookEventRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add_if_absent(self, event: PaymentWebhookEvent) -> bool:
        values = {
            "id": event.id,
            "provider": event.provider.value,
            "provider_event_id": event.provider_event_id,
            "event_type": event.event_type,
            "status": event.status.value,
            "payload": event.payload,
            "error_message": event.error_message,
            "created_at": event.created_at,
            "processed_at": event.processed_at,
        }
        # The unique (provider, event id) pair decides, whatever the races: on PostgreSQL a concurrent
        # duplicate waits here until the first one's transaction ends, then finds it.
        result = await self._c.execute(_insert_event_if_absent(self._c.dialect.name), values)
        return bool(result.rowcount == 1)

    async def get(
        self, provider: Provider, provider_event_id: str, *, for_update: bool = False
    ) -> PaymentWebhookEvent | None:
        query = select(payment_webhook_events).where(
            payment_webhook_events.c.provider == provider.value,
            payment_webhook_events.c.provider_event_id == provider_event_id,
        )
        if for_update:
            query = query.with_for_update()
        row = (await self._c.execute(query)).first()
        if row is None:
            return None
        m = row._mapping
        return PaymentWebhookEvent(
            id=m["id"],
            provider=Provider(m["provider"]),
            provider_event_id=m["provider_event_id"],
            event_type=m["event_type"],
            status=WebhookEventStatus(m["status"]),
            payload=m["payload"],
            error_message=m["error_message"],
            created_at=m["created_at"],
            processed_at=m["processed_at"],
        )

    async def mark(
        self, provider: Provider, provider_event_id: str, *, status: WebhookEventStatus, error: str | None, at: datetime
    ) -> None:
        await self._c.execute(
            _MARK_EVENT,
            {
                "event_provider": provider.value,
                "event_id": provider_event_id,
                "status": status.value,
                "error_message": error,
                "processed_at": at if status is WebhookEventStatus.PROCESSED else None,
            },
        )


@cache
def _insert_event_if_absent(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the dialect's own words, built once per dialect."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as insert_ignoring
    else:
        from sqlalchemy.dialects.sqlite import insert as insert_ignoring  # type: ignore[assignment]
    return insert_ignoring(payment_webhook_events).on_conflict_do_nothing(
        index_elements=["provider", "provider_event_id"]
    )
