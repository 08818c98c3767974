"""Rendering and sending of transactional e-mail."""

from __future__ import annotations

from lms_core.emails.entities import OutgoingEmail
from lms_core.emails.events import EmailRequested
from lms_core.emails.ports import EmailRenderer, Mailer
from lms_core.shared.events import DomainEvent


class EmailService:
    """Turns `EmailRequested` events into sent messages.

    Rules: every message has an HTML body and a plain-text alternative from the same template;
    the sender is the configured `LMS_MAIL_FROM`; a failure raises so the outbox retries; a message the
    recipient may opt out of carries its one-click unsubscribe address to the mailer.
    """

    def __init__(self, *, renderer: EmailRenderer, mailer: Mailer, sender: str) -> None:
        self._renderer = renderer
        self._mailer = mailer
        self._sender = sender

    async def deliver(self, event: DomainEvent) -> None:
        if not isinstance(event, EmailRequested):
            raise TypeError(f"EmailService cannot deliver {type(event).__name__}")
        rendered = self._renderer.render(event.template, event.context)
        await self._mailer.send(
            OutgoingEmail(
                sender=self._sender,
                to=event.to,
                subject=rendered.subject,
                html=rendered.html,
                text=rendered.text,
                list_unsubscribe=event.list_unsubscribe,
            )
        )
