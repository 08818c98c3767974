"""The notifications module records no events of its own: the e-mails it decides on are `EmailRequested`."""

from __future__ import annotations

from lms_core.shared.events import DomainEvent

# What this module records; the composition root puts these in the engine's event catalogue.
EVENTS: tuple[type[DomainEvent], ...] = ()
