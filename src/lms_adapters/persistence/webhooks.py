"""Webhook endpoints and deliveries in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.paging import fetch_page
from lms_adapters.persistence.tables_webhooks import webhook_deliveries, webhook_endpoints
from lms_core.shared.ids import UserId
from lms_core.webhooks.entities import DeliveryStatus, WebhookDelivery, WebhookEndpoint

_PENDING = DeliveryStatus.PENDING.value


def _to_endpoint(m: Any) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=m["id"],
        url=m["url"],
        event_types=list(m["event_types"]),
        description=m["description"],
        is_active=m["is_active"],
        owner_id=None if m["owner_id"] is None else UserId(m["owner_id"]),
        sealed_secret=m["sealed_secret"],
        sealed_previous_secret=m["sealed_previous_secret"],
        previous_secret_expires_at=m["previous_secret_expires_at"],
        failing_since=m["failing_since"],
        disabled_at=m["disabled_at"],
        disabled_reason=m["disabled_reason"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _endpoint_values(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "event_types": list(endpoint.event_types),
        "description": endpoint.description,
        "is_active": endpoint.is_active,
        "owner_id": endpoint.owner_id,
        "sealed_secret": endpoint.sealed_secret,
        "sealed_previous_secret": endpoint.sealed_previous_secret,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        "failing_since": endpoint.failing_since,
        "disabled_at": endpoint.disabled_at,
        "disabled_reason": endpoint.disabled_reason,
        "updated_at": endpoint.updated_at,
    }


def _to_delivery(m: Any) -> WebhookDelivery:
    return WebhookDelivery(
        id=m["id"],
        endpoint_id=m["endpoint_id"],
        event_id=m["event_id"],
        event_type=m["event_type"],
        body=m["body"],
        status=DeliveryStatus(m["status"]),
        attempts=m["attempts"],
        last_status_code=m["last_status_code"],
        last_error=m["last_error"],
        created_at=m["created_at"],
        last_attempt_at=m["last_attempt_at"],
        next_attempt_at=m["next_attempt_at"],
        delivered_at=m["delivered_at"],
    )


class SqlWebhookRepository:
    """Implements `WebhookRepository`."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    # -- endpoints ------------------------------------------------------------------------------

    async def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        values = _endpoint_values(endpoint)
        await self._c.execute(
            insert(webhook_endpoints).values(id=endpoint.id, created_at=endpoint.created_at, **values)
        )

    async def get_endpoint(self, endpoint_id: UUID, *, for_update: bool = False) -> WebhookEndpoint | None:
        query = select(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
        row = (await self._c.execute(query.with_for_update() if for_update else query)).first()
        return None if row is None else _to_endpoint(row._mapping)

    async def save_endpoint(self, endpoint: WebhookEndpoint) -> None:
        await self._c.execute(
            update(webhook_endpoints).where(webhook_endpoints.c.id == endpoint.id).values(**_endpoint_values(endpoint))
        )

    async def delete_endpoint(self, endpoint_id: UUID) -> bool:
        # Its deliveries go with it (ON DELETE CASCADE; SQLite runs with foreign keys on).
        result = await self._c.execute(delete(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id))
        return result.rowcount > 0

    async def list_endpoints(self, *, offset: int, limit: int) -> tuple[list[WebhookEndpoint], int]:
        query = select(webhook_endpoints).order_by(webhook_endpoints.c.created_at.desc(), webhook_endpoints.c.id.desc())
        rows, total = await fetch_page(
            self._c, query, table=webhook_endpoints, conditions=[], offset=offset, limit=limit
        )
        return [_to_endpoint(row._mapping) for row in rows], total

    async def active_endpoints_for(self, event_type: str) -> list[WebhookEndpoint]:
        rows = (
            await self._c.execute(
                select(webhook_endpoints)
                .where(webhook_endpoints.c.is_active.is_(True))
                .order_by(webhook_endpoints.c.id)
            )
        ).all()
        endpoints = [_to_endpoint(row._mapping) for row in rows]
        return [endpoint for endpoint in endpoints if event_type in endpoint.event_types]

    async def mark_failing(self, endpoint_id: UUID, *, since: datetime) -> None:
        await self._c.execute(
            update(webhook_endpoints)
            .where(webhook_endpoints.c.id == endpoint_id, webhook_endpoints.c.failing_since.is_(None))
            .values(failing_since=since)
        )

    async def mark_healthy(self, endpoint_id: UUID) -> None:
        await self._c.execute(
            update(webhook_endpoints)
            .where(webhook_endpoints.c.id == endpoint_id, webhook_endpoints.c.failing_since.is_not(None))
            .values(failing_since=None)
        )

    async def disable_if_failing_since(
        self, endpoint_id: UUID, *, cutoff: datetime, now: datetime, reason: str
    ) -> bool:
        result = await self._c.execute(
            update(webhook_endpoints)
            .where(
                webhook_endpoints.c.id == endpoint_id,
                webhook_endpoints.c.is_active.is_(True),
                webhook_endpoints.c.failing_since <= cutoff,
            )
            .values(is_active=False, disabled_at=now, disabled_reason=reason, updated_at=now)
        )
        return result.rowcount > 0

    # -- deliveries -----------------------------------------------------------------------------

    async def add_delivery_if_absent(self, delivery: WebhookDelivery) -> bool:
        values = {
            "id": delivery.id,
            "endpoint_id": delivery.endpoint_id,
            "event_id": delivery.event_id,
            "event_type": delivery.event_type,
            "body": delivery.body,
            "status": delivery.status.value,
            "attempts": delivery.attempts,
            "last_status_code": delivery.last_status_code,
            "last_error": delivery.last_error,
            "created_at": delivery.created_at,
            "last_attempt_at": delivery.last_attempt_at,
            "next_attempt_at": delivery.next_attempt_at,
            "delivered_at": delivery.delivered_at,
        }
        # The unique (endpoint, event) pair decides, in each dialect's own words, whatever the races.
        if self._c.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as insert_ignoring
        else:
            from sqlalchemy.dialects.sqlite import insert as insert_ignoring  # type: ignore[assignment]
        statement = insert_ignoring(webhook_deliveries).values(values)
        result = await self._c.execute(
            statement.on_conflict_do_nothing(
                index_elements=[webhook_deliveries.c.endpoint_id, webhook_deliveries.c.event_id]
            )
        )
        return result.rowcount > 0

    async def get_delivery(self, delivery_id: UUID) -> WebhookDelivery | None:
        row = (await self._c.execute(select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id))).first()
        return None if row is None else _to_delivery(row._mapping)

    async def list_deliveries(
        self, endpoint_id: UUID, *, status: DeliveryStatus | None, offset: int, limit: int
    ) -> tuple[list[WebhookDelivery], int]:
        conditions: list[ColumnElement[bool]] = [webhook_deliveries.c.endpoint_id == endpoint_id]
        if status is not None:
            conditions.append(webhook_deliveries.c.status == status.value)
        query = select(webhook_deliveries).order_by(
            webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.id.desc()
        )
        rows, total = await fetch_page(
            self._c, query, table=webhook_deliveries, conditions=conditions, offset=offset, limit=limit
        )
        return [_to_delivery(row._mapping) for row in rows], total

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
        result = await self._c.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.status == _PENDING)
            .values(
                status=status.value,
                attempts=webhook_deliveries.c.attempts + 1,
                last_status_code=status_code,
                last_error=error,
                last_attempt_at=attempted_at,
                next_attempt_at=next_attempt_at,
                delivered_at=attempted_at if status is DeliveryStatus.DELIVERED else None,
            )
        )
        return result.rowcount > 0

    async def abandon_delivery(self, delivery_id: UUID, *, reason: str, now: datetime) -> None:
        await self._c.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.status == _PENDING)
            .values(status=DeliveryStatus.FAILED.value, last_error=reason, next_attempt_at=None)
        )

    async def restart_delivery(self, delivery_id: UUID, *, now: datetime) -> None:
        await self._c.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery_id)
            .values(status=_PENDING, attempts=0, next_attempt_at=now, delivered_at=None)
        )
