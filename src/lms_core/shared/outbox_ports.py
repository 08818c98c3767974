"""The outbox's ports: the table events wait in (`OutboxRepository`, one per transaction) and the sealing of
payloads that carry secrets (`PayloadSealer`). The relay that uses them is `lms_core.shared.outbox`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from lms_core.shared.events import DomainEvent, OutboxMessage
from lms_core.shared.failed_events import FailedEventView


class OutboxRepository(Protocol):
    async def add(self, event: DomainEvent) -> None: ...

    async def add_all(self, events: Sequence[DomainEvent]) -> None:
        """`add` for many events in one statement."""
        ...

    async def claim_due(
        self,
        *,
        now: datetime,
        claim_until: datetime,
        limit: int,
        token: UUID,
        recorded_since: datetime | None = None,
    ) -> Sequence[OutboxMessage]:
        """Claim up to `limit` due messages under `token` until `claim_until` and return them; with
        `recorded_since`, only messages recorded at or after that time."""
        ...

    async def extend_claims(self, tokens: Sequence[UUID], *, until: datetime) -> set[UUID]:
        """Push the claims of the messages still held under `tokens` to `until`; the tokens that still hold any."""
        ...

    async def still_held(self, message_id: UUID, *, token: UUID, until: datetime) -> bool:
        """Push the message's claim to `until` if `token` still holds it; whether it does."""
        ...

    async def release(self, token: UUID, *, available_at: datetime) -> None:
        """Give up the claim `token` holds, without counting an attempt: due again at `available_at`."""
        ...

    async def take(
        self, message_ids: Sequence[UUID], *, token: UUID, new_token: UUID, until: datetime
    ) -> Sequence[OutboxMessage]:
        """Those of the messages that still carried `token`, now held under `new_token` until `until`."""
        ...

    async def delete(self, message_ids: Sequence[UUID]) -> None:
        """Remove delivered messages, and the records of the handlers that ran for them."""
        ...

    async def reschedule(
        self, message_id: UUID, *, token: UUID, available_at: datetime, error: str | None, dead: bool
    ) -> None:
        """Release a message held under `token`, due again at `available_at`. With an `error`, a failed
        attempt: counted and recorded (and with `dead`, the last one). Without, nothing is counted."""
        ...

    async def count_pending(self) -> int: ...

    async def handled(self, message_ids: Sequence[UUID]) -> dict[UUID, set[str]]:
        """For each of the messages that has any, the names of the handlers that already succeeded for it."""
        ...

    async def mark_handled(self, message_id: UUID, handler: str, *, at: datetime) -> None: ...

    async def failed(self, *, limit: int, ids: Sequence[UUID] | None = None) -> Sequence[FailedEventView]:
        """The failed (dead) messages, oldest failure first; with `ids`, only those among them."""
        ...

    async def requeue_failed(self, message_ids: Sequence[UUID] | None, *, now: datetime) -> int:
        """Make failed messages (`None`: all of them) due at `now` with their attempts reset; how many."""
        ...


class PayloadSealer(Protocol):
    """Encrypts the stored payloads of the event types that carry secrets; other payloads pass through."""

    def seal(self, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """What to store for `payload`: encrypted (and bound to `event_type`) when the type carries secrets."""
        ...

    def unseal(self, event_type: str, stored: dict[str, Any]) -> dict[str, Any]:
        """The payload as recorded. A payload stored in clear (a type without secrets, or a message written
        before sealing) is returned as it is; one that fails to decrypt raises `ValueError`."""
        ...
