"""The transactional outbox and its relay.

Services append events to the outbox inside their own transaction; the relay hands each stored
event to its handlers after commit and deletes it once every handler has succeeded. A failing
handler leaves the event in place to be retried with back-off, so nothing that must happen is lost
when a mail server or broker is down. Handlers must be idempotent: an event can be delivered again
if a process dies between handling and deleting it.

Events that carry secrets (the one-time links and codes of `EmailRequested`) are stored sealed: the
outbox adapter encrypts their payload through `PayloadSealer` when it writes them, and the relay opens
it just before delivery, so no secret rests in clear text in the table while a mail server is down.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from lms_core.shared.clock import Clock
from lms_core.shared.events import DomainEvent, EventCatalogue, OutboxMessage
from lms_core.shared.ports import UnitOfWork

log = logging.getLogger("lms.outbox")

EventHandler = Callable[[DomainEvent], Awaitable[None]]

MAX_ATTEMPTS = 12
CLAIM_SECONDS = 120


class OutboxRepository(Protocol):
    async def add(self, event: DomainEvent) -> None: ...

    async def add_all(self, events: Sequence[DomainEvent]) -> None:
        """`add` for many events in one statement."""
        ...

    async def claim_due(
        self, *, now: datetime, claim_until: datetime, limit: int, recorded_since: datetime | None = None
    ) -> Sequence[OutboxMessage]:
        """Lock up to `limit` due messages for this relay until `claim_until` and return them; with
        `recorded_since`, only messages recorded at or after that time."""
        ...

    async def delete(self, message_id: UUID) -> None: ...

    async def reschedule(self, message_id: UUID, *, available_at: datetime, error: str, dead: bool) -> None: ...

    async def count_pending(self) -> int: ...


class PayloadSealer(Protocol):
    """Encrypts the stored payloads of the event types that carry secrets; other payloads pass through."""

    def seal(self, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """What to store for `payload`: encrypted (and bound to `event_type`) when the type carries secrets."""
        ...

    def unseal(self, event_type: str, stored: dict[str, Any]) -> dict[str, Any]:
        """The payload as recorded. A payload stored in clear (a type without secrets, or a message written
        before sealing) is returned as it is; one that fails to decrypt raises `ValueError`."""
        ...


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: 5 s, 10 s, 20 s ... capped at one hour."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))


class OutboxRelay:
    """Delivers outbox events to their handlers. Safe to run in several processes at once.

    `sealer` opens the payloads the outbox adapter sealed (see `PayloadSealer`); a payload it cannot open
    fails like a handler and is retried, then kept as dead, never delivered garbled.

    `events` is the catalogue the stored messages are decoded with; subscribing to an event type it
    does not list is refused, because such an event could never be read back from the outbox.
    """

    def __init__(
        self, *, uow: UnitOfWork, clock: Clock, events: EventCatalogue, sealer: PayloadSealer | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._events = events
        self._sealer = sealer
        self._handlers: dict[str, list[EventHandler]] = {}

    def subscribe(self, event_type: type[DomainEvent], handler: EventHandler) -> None:
        if event_type not in self._events:
            raise LookupError(f"{event_type.__qualname__} is not in this engine's event catalogue")
        self._handlers.setdefault(event_type.event_type, []).append(handler)

    async def pending(self) -> int:
        async with self._uow.begin(write=False) as tx:
            return await tx.outbox.count_pending()

    async def run_once(self, limit: int = 100) -> int:
        """Deliver the events that are due now; return how many were delivered."""
        return await self._deliver_due(limit, recorded_since=None)

    async def drain(self, max_rounds: int = 50, *, recorded_since: datetime | None = None) -> int:
        """Deliver until nothing is due (events may record further events). A one-shot job passes the time
        it started as `recorded_since`, to deliver what it recorded and leave older events to the workers."""
        total = 0
        for _ in range(max_rounds):
            count = await self._deliver_due(100, recorded_since=recorded_since)
            total += count
            if count == 0:
                break
        return total

    async def _deliver_due(self, limit: int, *, recorded_since: datetime | None) -> int:
        now = self._clock.now()
        async with self._uow.begin() as tx:
            batch = await tx.outbox.claim_due(
                now=now, claim_until=now + timedelta(seconds=CLAIM_SECONDS), limit=limit, recorded_since=recorded_since
            )
            await tx.commit()
        delivered = 0
        for message in batch:
            if await self._deliver(message):
                delivered += 1
        return delivered

    async def _deliver(self, message: OutboxMessage) -> bool:
        try:
            payload = message.payload
            if self._sealer is not None:
                # Opened only here, in memory, for the handlers: the stored row stays sealed until deleted.
                payload = self._sealer.unseal(message.event_type, payload)
            event = self._events.decode(message.event_type, payload)
            for handler in self._handlers.get(message.event_type, []):
                await handler(event)
        except Exception as exc:  # a handler failure must never lose the event
            attempts = message.attempts + 1
            dead = attempts >= MAX_ATTEMPTS
            log.warning("outbox event %s (%s) failed, attempt %d: %s", message.id, message.event_type, attempts, exc)
            async with self._uow.begin() as tx:
                await tx.outbox.reschedule(
                    message.id,
                    available_at=self._clock.now() + retry_delay(attempts),
                    error=f"{type(exc).__name__}: {exc}"[:2000],
                    dead=dead,
                )
                await tx.commit()
            return False
        async with self._uow.begin() as tx:
            await tx.outbox.delete(message.id)
            await tx.commit()
        return True
