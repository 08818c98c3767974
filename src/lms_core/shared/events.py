"""Domain events, recorded in the outbox in the same transaction as the change they describe.

Which event types an engine can read back from its outbox is not a process-wide registry filled as
modules are imported: each module lists its events in an `EVENTS` constant in its `events.py`, and the
composition root combines those lists into one `EventCatalogue` that it hands to the outbox relay.
Two engines in one process can therefore know different events, and an event nobody listed is a
wiring error found at start-up, not a message that fails at delivery.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar
from uuid import UUID

import msgspec

from lms_core.shared.ids import new_id


class DomainEvent(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Base of every event. Subclasses set `event_type`, a stable name stored with the payload.

    `event_id` is drawn when the event is created and stored in its payload, so a handler that sees the
    event again (a retry) sees the same id: what idempotent handlers and outbound webhooks key on.
    Equality compares what happened (the type and the other fields), not which recording it is: the id is
    identity, compared explicitly where it matters.
    """

    event_type: ClassVar[str] = "event"
    event_id: UUID = msgspec.field(default_factory=new_id)

    def _facts(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__struct_fields__ if name != "event_id")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, DomainEvent)
        return self._facts() == other._facts()

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash((type(self), self._facts()))


class OutboxMessage(msgspec.Struct, frozen=True, kw_only=True):
    """An event as stored in the outbox, waiting for (or past) delivery."""

    id: UUID
    event_type: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int = 0


class EventCatalogue:
    """The event types one engine can decode from its outbox, by their stored `event_type` name.

    Built once in the composition root with `EventCatalogue.of(...)`; immutable afterwards. Two different
    classes claiming the same `event_type` are refused here, since the outbox could not tell them apart.
    """

    __slots__ = ("_types",)

    def __init__(self, event_classes: Iterable[type[DomainEvent]]) -> None:
        types: dict[str, type[DomainEvent]] = {}
        for event_class in event_classes:
            name = event_class.event_type
            if name == DomainEvent.event_type:
                raise ValueError(f"{event_class.__qualname__} does not set its own event_type")
            known = types.setdefault(name, event_class)
            if known is not event_class:
                raise ValueError(f"duplicate event type {name!r}: {known.__qualname__} and {event_class.__qualname__}")
        self._types: Mapping[str, type[DomainEvent]] = MappingProxyType(types)

    @classmethod
    def of(cls, *event_classes: type[DomainEvent]) -> EventCatalogue:
        return cls(event_classes)

    def __contains__(self, event_class: object) -> bool:
        return isinstance(event_class, type) and self._types.get(getattr(event_class, "event_type", "")) is event_class

    def __iter__(self) -> Iterator[type[DomainEvent]]:
        return iter(self._types.values())

    def __len__(self) -> int:
        return len(self._types)

    def decode(self, event_type: str, payload: dict[str, Any]) -> DomainEvent:
        """The event stored under `event_type`; LookupError when this catalogue does not know it."""
        try:
            event_class = self._types[event_type]
        except KeyError:
            raise LookupError(f"unknown event type {event_type!r}") from None
        return msgspec.convert(payload, event_class)


def encode_event(event: DomainEvent) -> dict[str, Any]:
    return msgspec.to_builtins(event)  # type: ignore[no-any-return]
