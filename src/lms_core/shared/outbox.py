"""The transactional outbox and its relay.

Services append events to the outbox inside their own transaction; after commit, the relay hands each
stored event to its handlers and deletes it once every handler has succeeded. The outbox table stays
the source of truth for what is still to be done, however the work travels (in this process, or as
tasks through a broker to `lms worker` processes):

1. **Claim.** A relay claims due messages under a fresh claim token, pushing their availability forward
   so that no other relay claims them while they are queued (`claim_for_dispatch`, `extend_claims`).
2. **Take.** Whoever runs a batch of messages first takes them (`deliver(message_ids, token)`): one
   conditional update that takes only the messages still carrying the token they were queued with, and
   swaps in a token of its own. A task delivered twice, or a stale task whose claim lapsed and was
   claimed again, finds the token changed and does nothing.
3. **Run.** Each message's handlers run in order. A handler that succeeds is recorded by (event id,
   handler name) in the same database, so an event delivered again (its worker was killed) skips the
   handlers that already ran. The delivered messages of the batch are then deleted in one statement.
   Batches are what make the relay fast: a task costs a broker message and two transactions, whether
   it carries one event or fifty.
4. **Retry.** A handler that raises asks for a retry: the message is rescheduled with exponential
   back-off and jitter, and once `max_attempts` are spent it is kept as failed (dead) with its last
   error, until an operator re-queues it (`retry_failed`).

Handlers must still be idempotent (key them by the event's id): a process can die between a handler's
effect and the record of it.

Events that carry secrets (the one-time links and codes of `EmailRequested`) are stored sealed: the
outbox adapter encrypts their payload through `PayloadSealer` when it writes them, and the relay opens
it just before delivery, so no secret rests in clear text in the table while a mail server is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.events import DomainEvent, EventCatalogue, OutboxMessage
from lms_core.shared.failed_events import (
    FailedEventNotFound,
    FailedEventView,
    InvalidRetry,
    RetryFailedEvents,
    RetryReport,
)
from lms_core.shared.ids import new_id
from lms_core.shared.outbox_ports import PayloadSealer
from lms_core.shared.policy import require_delivery_operator
from lms_core.shared.ports import UnitOfWork

log = logging.getLogger("lms.outbox")

EventHandler = Callable[[DomainEvent], Awaitable[None]]

MAX_ATTEMPTS = 12
CLAIM_SECONDS = 120
RETRY_BASE_SECONDS = 5.0
MAX_RETRY_SECONDS = 3600.0


class RetryAt(Exception):
    """Raised by a handler that knows better than the outbox's back-off when its event should come back:
    the relay reschedules the event to `at`. `attempted` says whether this was a failed attempt (counted
    against the event's attempts, logged) or the event came before it was due (nothing counted)."""

    def __init__(self, message: str, *, at: datetime, attempted: bool) -> None:
        super().__init__(message)
        self.at = at
        self.attempted = attempted


@dataclass(frozen=True, slots=True)
class DeliveryRules:
    """How long claims last, how often a failing event is retried and how fast the retries back off."""

    max_attempts: int = MAX_ATTEMPTS
    claim_seconds: float = CLAIM_SECONDS
    retry_base_seconds: float = RETRY_BASE_SECONDS


def retry_delay(
    attempts: int, *, base_seconds: float = RETRY_BASE_SECONDS, jitter: Callable[[], float] | None = None
) -> timedelta:
    """Exponential back-off after the `attempts`-th failure: base, 2x base, 4x base ... capped at one hour.

    `jitter` (a number in [0, 1), `random.random` in the relay) takes the delay down to between half and all
    of that, so events that failed together (a mail server was down) do not all come back at one instant.
    """
    ceiling = min(base_seconds * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    factor = 1.0 if jitter is None else 0.5 + 0.5 * jitter()
    return timedelta(seconds=ceiling * factor)


@dataclass(frozen=True, slots=True)
class _Subscription:
    name: str
    handler: EventHandler


class OutboxRelay:
    """Delivers outbox events to their handlers. Safe to run in several processes at once.

    `sealer` opens the payloads the outbox adapter sealed (see `PayloadSealer`); a payload it cannot open
    fails like a handler and is retried, then kept as failed, never delivered garbled.

    `events` is the catalogue the stored messages are decoded with; subscribing to an event type it
    does not list is refused, because such an event could never be read back from the outbox.

    `run_once` and `drain` deliver in this process (tests, one-shot commands); a dispatcher in the adapters
    sends claimed messages to a task queue with `claim_for_dispatch`, whose tasks call `deliver`.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        events: EventCatalogue,
        sealer: PayloadSealer | None = None,
        rules: DeliveryRules | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._events = events
        self._sealer = sealer
        self._rules = rules or DeliveryRules()
        self._jitter = jitter
        self._subscriptions: dict[str, list[_Subscription]] = {}

    @property
    def rules(self) -> DeliveryRules:
        return self._rules

    def subscribe(self, event_type: type[DomainEvent], handler: EventHandler) -> None:
        """Run `handler` for every event of `event_type`. Its name (module and qualified name) is what records
        that it ran, so it must stay the same across the processes that deliver."""
        if event_type not in self._events:
            raise LookupError(f"{event_type.__qualname__} is not in this engine's event catalogue")
        subscriptions = self._subscriptions.setdefault(event_type.event_type, [])
        base = f"{getattr(handler, '__module__', '')}.{getattr(handler, '__qualname__', type(handler).__qualname__)}"
        name = base
        taken = {subscription.name for subscription in subscriptions}
        number = 1
        while name in taken:  # the same function subscribed twice still runs twice, recorded apart
            number += 1
            name = f"{base}#{number}"
        subscriptions.append(_Subscription(name=name, handler=handler))

    async def pending(self) -> int:
        async with self._uow.begin(write=False) as tx:
            return await tx.outbox.count_pending()

    # In-process delivery -------------------------------------------------------------------------------

    async def run_once(self, limit: int = 100) -> int:
        """Deliver the events that are due now, in this process; return how many were delivered."""
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
        token = new_id()
        batch = await self._claim(limit, token=token, recorded_since=recorded_since)
        return await self._run(batch, token)

    # Delivery through a task queue ---------------------------------------------------------------------

    async def claim_for_dispatch(self, limit: int) -> tuple[UUID, list[UUID]]:
        """Claim up to `limit` due messages for sending as tasks: the claim token and the messages' ids.
        Each task then calls `deliver(some_of_the_ids, token)`."""
        token = new_id()
        batch = await self._claim(limit, token=token, recorded_since=None)
        return token, [message.id for message in batch]

    async def extend_claims(self, tokens: Sequence[UUID]) -> set[UUID]:
        """Keep queued messages claimed while they wait for a worker; the tokens that still hold messages."""
        if not tokens:
            return set()
        until = self._clock.now() + timedelta(seconds=self._rules.claim_seconds)
        async with self._uow.begin() as tx:
            live = await tx.outbox.extend_claims(tokens, until=until)
            await tx.commit()
        return live

    async def release(self, token: UUID, *, retry_in: timedelta) -> None:
        """The messages claimed under `token` could not be queued (the broker is down): due again in
        `retry_in`, with no attempt counted against them."""
        async with self._uow.begin() as tx:
            await tx.outbox.release(token, available_at=self._clock.now() + retry_in)
            await tx.commit()

    async def deliver(self, message_ids: Sequence[UUID], token: UUID) -> int:
        """Run queued messages' handlers (what a task does); how many messages were delivered. Messages that
        are gone, or that another task (or a newer claim) holds, are left alone."""
        if not message_ids:
            return 0
        run_token = new_id()
        until = self._clock.now() + timedelta(seconds=self._rules.claim_seconds)
        async with self._uow.begin() as tx:
            batch = await tx.outbox.take(list(message_ids), token=token, new_token=run_token, until=until)
            await tx.commit()
        return await self._run(batch, run_token)

    # Failed events -------------------------------------------------------------------------------------

    async def failed_events(self, actor: Actor, *, limit: int = 1000) -> list[FailedEventView]:
        """The events whose delivery failed on every attempt, oldest failure first. Admins and the system only."""
        require_delivery_operator(actor)
        async with self._uow.begin(write=False) as tx:
            return list(await tx.outbox.failed(limit=limit))

    async def retry_failed(self, actor: Actor, command: RetryFailedEvents) -> RetryReport:
        """Re-queue failed events (the listed ones, or all): attempts reset, due at once. Admins and the
        system only. An id that is not a failed event is an error, and then nothing is re-queued."""
        require_delivery_operator(actor)
        if command.all == bool(command.ids):
            raise InvalidRetry("give either the ids of failed events or all=True")
        ids = None if command.all else list(dict.fromkeys(command.ids))
        async with self._uow.begin() as tx:
            if ids is not None:
                known = {event.id for event in await tx.outbox.failed(limit=len(ids), ids=ids)}
                missing = [str(message_id) for message_id in ids if message_id not in known]
                if missing:
                    raise FailedEventNotFound("no such failed event", details={"ids": missing})
            requeued = await tx.outbox.requeue_failed(ids, now=self._clock.now())
            await tx.commit()
        return RetryReport(requeued=requeued)

    # Internals -----------------------------------------------------------------------------------------

    async def _claim(self, limit: int, *, token: UUID, recorded_since: datetime | None) -> Sequence[OutboxMessage]:
        now = self._clock.now()
        async with self._uow.begin() as tx:
            batch = await tx.outbox.claim_due(
                now=now,
                claim_until=now + timedelta(seconds=self._rules.claim_seconds),
                limit=limit,
                token=token,
                recorded_since=recorded_since,
            )
            await tx.commit()
        return batch

    async def _run(self, batch: Sequence[OutboxMessage], token: UUID) -> int:
        """Run the handlers of a batch held under `token`, one message after the other, and reschedule those
        whose handlers failed. How many were delivered.

        A message whose handlers did something is deleted as soon as they are done, so a worker killed
        half-way through a batch does not send again what it sent. Messages that no handler wants cost
        only their deletion, made once for a run of them.
        """
        if not batch:
            return 0
        holding = asyncio.create_task(self._hold(token), name=f"lms-outbox-hold-{token}")
        delivered = 0
        to_delete: list[UUID] = []
        try:
            done = await self._already_handled(batch)
            for message in batch:
                if message.event_type in self._subscriptions and not await self._still_held(message.id, token):
                    continue  # its claim lapsed while the batch ran and another task has it now
                try:
                    await self._handle(message, done.get(message.id, set()))
                except Exception as exc:  # a handler failure must never lose the event
                    await self._failed(message, token, exc)
                    continue
                delivered += 1
                to_delete.append(message.id)
                if message.event_type in self._subscriptions:
                    await self._delete(to_delete)
        finally:
            holding.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await holding
            await self._delete(to_delete)  # also when the task is cancelled half-way
        return delivered

    async def _still_held(self, message_id: UUID, token: UUID) -> bool:
        """Renew the claim on a message about to run its handlers, unless it lapsed and was claimed again: a
        message waiting its turn in a long batch is never run by two tasks at once."""
        until = self._clock.now() + timedelta(seconds=self._rules.claim_seconds)
        async with self._uow.begin() as tx:
            held = await tx.outbox.still_held(message_id, token=token, until=until)
            await tx.commit()
        return held

    async def _delete(self, message_ids: list[UUID]) -> None:
        """Delete the delivered messages in `message_ids` and empty the list."""
        if not message_ids:
            return
        async with self._uow.begin() as tx:
            await tx.outbox.delete(message_ids)
            await tx.commit()
        message_ids.clear()

    async def _already_handled(self, batch: Sequence[OutboxMessage]) -> dict[UUID, set[str]]:
        """The handlers already recorded for the batch's messages (one query, and none when the batch's
        event types have at most one handler: only a handler followed by another is ever recorded)."""
        recorded = [message.id for message in batch if len(self._subscriptions.get(message.event_type, ())) > 1]
        if not recorded:
            return {}
        async with self._uow.begin(write=False) as tx:
            return await tx.outbox.handled(recorded)

    async def _handle(self, message: OutboxMessage, done: set[str]) -> None:
        payload = message.payload
        if self._sealer is not None:
            # Opened only here, in memory, for the handlers: the stored row stays sealed until deleted.
            payload = self._sealer.unseal(message.event_type, payload)
        event = self._events.decode(message.event_type, payload)
        subscriptions = self._subscriptions.get(message.event_type, [])
        last = len(subscriptions) - 1
        for index, subscription in enumerate(subscriptions):
            if subscription.name in done:
                continue
            await subscription.handler(event)
            if index != last:
                # The last handler's record is the deletion of the message itself.
                async with self._uow.begin() as tx:
                    await tx.outbox.mark_handled(message.id, subscription.name, at=self._clock.now())
                    await tx.commit()

    async def _failed(self, message: OutboxMessage, token: UUID, exc: Exception) -> None:
        now = self._clock.now()
        if isinstance(exc, RetryAt) and not exc.attempted:
            log.debug("outbox event %s (%s) comes back at %s: %s", message.id, message.event_type, exc.at, exc)
            await self._reschedule(message, token, available_at=max(exc.at, now), error=None, dead=False)
            return
        attempts = message.attempts + 1
        dead = attempts >= self._rules.max_attempts
        log.warning(
            "outbox event %s (%s) failed, attempt %d of %d: %s",
            message.id,
            message.event_type,
            attempts,
            self._rules.max_attempts,
            exc,
        )
        if dead:
            available_at = now  # a failed event keeps the time it failed, which `lms tasks failed` shows
        elif isinstance(exc, RetryAt):
            available_at = max(exc.at, now)
        else:
            available_at = now + retry_delay(attempts, base_seconds=self._rules.retry_base_seconds, jitter=self._jitter)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        await self._reschedule(message, token, available_at=available_at, error=error, dead=dead)

    async def _reschedule(
        self, message: OutboxMessage, token: UUID, *, available_at: datetime, error: str | None, dead: bool
    ) -> None:
        """`error` None: not an attempt, so neither counted nor recorded."""
        async with self._uow.begin() as tx:
            await tx.outbox.reschedule(message.id, token=token, available_at=available_at, error=error, dead=dead)
            await tx.commit()

    async def _hold(self, token: UUID) -> None:
        """Keep a running batch claimed while its handlers run longer than a claim lasts."""
        period = max(self._rules.claim_seconds / 3, 0.05)
        while True:
            await asyncio.sleep(period)
            try:
                await self.extend_claims([token])
            except Exception:  # the handlers go on; the claim may lapse and the events run again
                log.warning("could not extend the claim %s on outbox events", token, exc_info=True)
