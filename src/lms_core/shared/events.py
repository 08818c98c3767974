"""Domain events, recorded in the outbox in the same transaction as the change they describe."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

import msgspec


class DomainEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every event. Subclasses set `event_type`, a stable name stored with the payload."""

    event_type: ClassVar[str] = "event"


class OutboxMessage(msgspec.Struct, frozen=True, kw_only=True):
    """An event as stored in the outbox, waiting for (or past) delivery."""

    id: UUID
    event_type: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int = 0


_registry: dict[str, type[DomainEvent]] = {}


def register_event(cls: type[DomainEvent]) -> type[DomainEvent]:
    """Class decorator: make an event type decodable from the outbox by its `event_type`."""
    if cls.event_type in _registry and _registry[cls.event_type] is not cls:
        raise ValueError(f"duplicate event type {cls.event_type!r}")
    _registry[cls.event_type] = cls
    return cls


def encode_event(event: DomainEvent) -> dict[str, Any]:
    return msgspec.to_builtins(event)  # type: ignore[no-any-return]


def decode_event(event_type: str, payload: dict[str, Any]) -> DomainEvent:
    try:
        cls = _registry[event_type]
    except KeyError:
        raise LookupError(f"unknown event type {event_type!r}") from None
    return msgspec.convert(payload, cls)
