"""The outbox table: events stored with the change that caused them, claimed by relays for delivery."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.models import outbox
from lms_core.shared.clock import Clock
from lms_core.shared.events import DomainEvent, OutboxMessage, encode_event
from lms_core.shared.ids import new_id
from lms_core.shared.outbox import PayloadSealer


class SqlOutboxRepository:
    """The outbox table. Payloads of event types that carry secrets are stored sealed by `sealer`; the
    relay opens them just before delivery, and a delivered message's row is deleted."""

    def __init__(
        self,
        connection: AsyncConnection,
        clock: Clock,
        *,
        on_write: Callable[[], None] | None = None,
        sealer: PayloadSealer | None = None,
    ) -> None:
        self._c = connection
        self._clock = clock
        self._on_write = on_write
        self._sealer = sealer

    def _stored(self, event: DomainEvent) -> dict[str, Any]:
        payload = encode_event(event)
        return payload if self._sealer is None else self._sealer.seal(event.event_type, payload)

    async def add(self, event: DomainEvent) -> None:
        self._written()
        now = self._clock.now()
        await self._c.execute(
            insert(outbox).values(
                id=new_id(),
                event_type=event.event_type,
                payload=self._stored(event),
                created_at=now,
                available_at=now,
                attempts=0,
                last_error=None,
                dead=False,
            )
        )

    async def add_all(self, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        self._written()
        now = self._clock.now()
        rows = [
            {
                "id": new_id(),
                "event_type": event.event_type,
                "payload": self._stored(event),
                "created_at": now,
                "available_at": now,
                "attempts": 0,
                "last_error": None,
                "dead": False,
            }
            for event in events
        ]
        await self._c.execute(insert(outbox), rows)

    def _written(self) -> None:
        if self._on_write is not None:
            self._on_write()

    async def claim_due(
        self, *, now: datetime, claim_until: datetime, limit: int, recorded_since: datetime | None = None
    ) -> Sequence[OutboxMessage]:
        due = (
            select(outbox.c.id)
            .where(outbox.c.dead.is_(False), outbox.c.available_at <= now)
            .order_by(outbox.c.available_at, outbox.c.id)
            .limit(limit)
        )
        if recorded_since is not None:
            due = due.where(outbox.c.created_at >= recorded_since)
        if self._c.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list((await self._c.execute(due)).scalars())
        if not ids:
            return []
        # Claiming pushes availability forward: another relay skips these until the claim lapses.
        await self._c.execute(
            update(outbox).where(outbox.c.id.in_(ids), outbox.c.available_at <= now).values(available_at=claim_until)
        )
        rows = await self._c.execute(
            select(outbox).where(outbox.c.id.in_(ids), outbox.c.available_at == claim_until).order_by(outbox.c.id)
        )
        return [
            OutboxMessage(
                id=r.id, event_type=r.event_type, payload=r.payload, created_at=r.created_at, attempts=r.attempts
            )
            for r in rows
        ]

    async def delete(self, message_id: UUID) -> None:
        await self._c.execute(delete(outbox).where(outbox.c.id == message_id))

    async def reschedule(self, message_id: UUID, *, available_at: datetime, error: str, dead: bool) -> None:
        await self._c.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(available_at=available_at, attempts=outbox.c.attempts + 1, last_error=error, dead=dead)
        )

    async def count_pending(self) -> int:
        count = await self._c.execute(select(func.count()).select_from(outbox).where(outbox.c.dead.is_(False)))
        return int(count.scalar_one())
