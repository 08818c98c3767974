"""The outbox table: events stored with the change that caused them, claimed by relays for delivery."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.models import outbox, outbox_handlers
from lms_core.shared.clock import Clock
from lms_core.shared.events import DomainEvent, OutboxMessage, encode_event
from lms_core.shared.failed_events import FailedEventView
from lms_core.shared.ids import new_id
from lms_core.shared.outbox_ports import PayloadSealer

_INSERT = insert(outbox)


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

    def _row(self, event: DomainEvent, now: datetime) -> dict[str, Any]:
        payload = encode_event(event)
        return {
            "id": new_id(),
            "event_type": event.event_type,
            "payload": payload if self._sealer is None else self._sealer.seal(event.event_type, payload),
            "created_at": now,
            "available_at": now,
            "attempts": 0,
            "last_error": None,
            "dead": False,
        }

    async def add(self, event: DomainEvent) -> None:
        self._written()
        # The values go as parameters of one prepared statement: building `insert().values(...)` for each
        # event would cost more CPU (a new statement and its cache key) than the insert itself.
        await self._c.execute(_INSERT, self._row(event, self._clock.now()))

    async def add_all(self, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        self._written()
        now = self._clock.now()
        await self._c.execute(_INSERT, [self._row(event, now) for event in events])

    def _written(self) -> None:
        if self._on_write is not None:
            self._on_write()

    async def claim_due(
        self,
        *,
        now: datetime,
        claim_until: datetime,
        limit: int,
        token: UUID,
        recorded_since: datetime | None = None,
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
        # One statement: claiming pushes availability forward, so another relay skips these messages until
        # the claim lapses (PostgreSQL's SKIP LOCKED keeps concurrent relays from waiting on each other;
        # SQLite has one writer at a time).
        claimed = await self._c.execute(
            update(outbox)
            .where(outbox.c.id.in_(due.scalar_subquery()))
            .values(available_at=claim_until, claim_token=token)
            .returning(outbox.c.id, outbox.c.event_type, outbox.c.payload, outbox.c.created_at, outbox.c.attempts)
        )
        return sorted((_message(row) for row in claimed), key=lambda message: message.id)

    async def extend_claims(self, tokens: Sequence[UUID], *, until: datetime) -> set[UUID]:
        held = list(tokens)
        await self._c.execute(
            update(outbox).where(outbox.c.claim_token.in_(held), outbox.c.dead.is_(False)).values(available_at=until)
        )
        live = await self._c.execute(select(outbox.c.claim_token).where(outbox.c.claim_token.in_(held)).distinct())
        return set(live.scalars())

    async def still_held(self, message_id: UUID, *, token: UUID, until: datetime) -> bool:
        renewed = await self._c.execute(
            update(outbox)
            .where(outbox.c.id == message_id, outbox.c.claim_token == token, outbox.c.dead.is_(False))
            .values(available_at=until)
        )
        return bool(renewed.rowcount == 1)

    async def release(self, token: UUID, *, available_at: datetime) -> None:
        await self._c.execute(
            update(outbox)
            .where(outbox.c.claim_token == token, outbox.c.dead.is_(False))
            .values(available_at=available_at, claim_token=None)
        )

    async def take(
        self, message_ids: Sequence[UUID], *, token: UUID, new_token: UUID, until: datetime
    ) -> Sequence[OutboxMessage]:
        # One statement (RETURNING, on SQLite 3.35+ and PostgreSQL) for a whole batch: a worker takes every
        # message this way.
        taken = await self._c.execute(
            update(outbox)
            .where(outbox.c.id.in_(list(message_ids)), outbox.c.claim_token == token, outbox.c.dead.is_(False))
            .values(claim_token=new_token, available_at=until)
            .returning(outbox.c.id, outbox.c.event_type, outbox.c.payload, outbox.c.created_at, outbox.c.attempts)
        )
        # In the order the batch was queued (the order events were recorded), which RETURNING does not keep.
        by_id = {row.id: _message(row) for row in taken}
        return [by_id[message_id] for message_id in message_ids if message_id in by_id]

    async def delete(self, message_ids: Sequence[UUID]) -> None:
        # The records of the handlers that ran go with them: their foreign key cascades.
        await self._c.execute(delete(outbox).where(outbox.c.id.in_(list(message_ids))))

    async def reschedule(
        self, message_id: UUID, *, token: UUID, available_at: datetime, error: str | None, dead: bool
    ) -> None:
        changes: dict[str, Any] = {"available_at": available_at, "claim_token": None}
        if error is not None:
            changes.update(attempts=outbox.c.attempts + 1, last_error=error, dead=dead)
        await self._c.execute(
            update(outbox).where(outbox.c.id == message_id, outbox.c.claim_token == token).values(**changes)
        )

    async def count_pending(self) -> int:
        count = await self._c.execute(select(func.count()).select_from(outbox).where(outbox.c.dead.is_(False)))
        return int(count.scalar_one())

    async def handled(self, message_ids: Sequence[UUID]) -> dict[UUID, set[str]]:
        rows = await self._c.execute(
            select(outbox_handlers.c.message_id, outbox_handlers.c.handler).where(
                outbox_handlers.c.message_id.in_(list(message_ids))
            )
        )
        done: dict[UUID, set[str]] = {}
        for message_id, handler in rows:
            done.setdefault(message_id, set()).add(handler)
        return done

    async def mark_handled(self, message_id: UUID, handler: str, *, at: datetime) -> None:
        await self._c.execute(insert(outbox_handlers).values(message_id=message_id, handler=handler, handled_at=at))

    async def failed(self, *, limit: int, ids: Sequence[UUID] | None = None) -> Sequence[FailedEventView]:
        query = select(outbox).where(outbox.c.dead.is_(True)).order_by(outbox.c.available_at, outbox.c.id).limit(limit)
        if ids is not None:
            query = query.where(outbox.c.id.in_(list(ids)))
        rows = await self._c.execute(query)
        return [
            FailedEventView(
                id=row.id,
                event_type=row.event_type,
                attempts=row.attempts,
                last_error=row.last_error,
                recorded_at=row.created_at,
                failed_at=row.available_at,
            )
            for row in rows
        ]

    async def requeue_failed(self, message_ids: Sequence[UUID] | None, *, now: datetime) -> int:
        requeue = (
            update(outbox)
            .where(outbox.c.dead.is_(True))
            .values(dead=False, attempts=0, available_at=now, claim_token=None)
        )
        if message_ids is not None:
            requeue = requeue.where(outbox.c.id.in_(list(message_ids)))
        result = await self._c.execute(requeue)
        return int(result.rowcount)


def _message(row: Any) -> OutboxMessage:
    return OutboxMessage(
        id=row.id, event_type=row.event_type, payload=row.payload, created_at=row.created_at, attempts=row.attempts
    )
