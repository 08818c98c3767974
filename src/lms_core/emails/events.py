from __future__ import annotations

from typing import ClassVar

from lms_core.emails.entities import EmailContext
from lms_core.shared.events import DomainEvent


class EmailRequested(DomainEvent, frozen=True, kw_only=True):
    """A message to send. Recorded in the outbox so it survives a mail server outage; its context may hold
    a one-time link or code, so it is one of the `SEALED_EVENTS`.

    `list_unsubscribe` is set on the e-mails a recipient may opt out of (weekly summaries, reminders): the
    address that unsubscribes them with one POST, sent in the `List-Unsubscribe` headers (RFC 8058)."""

    event_type: ClassVar[str] = "emails.requested"
    to: str
    template: str
    context: EmailContext
    list_unsubscribe: str | None = None


# What this module records; the composition root puts these in the engine's event catalogue.
EVENTS: tuple[type[DomainEvent], ...] = (EmailRequested,)

# Events whose context carries secrets (reset and verification links, MFA codes): the outbox stores their
# payload encrypted and deletes it on delivery.
SEALED_EVENTS: tuple[type[DomainEvent], ...] = (EmailRequested,)
