"""Ports of the emails module: turning a template into a message, and handing the message over."""

from __future__ import annotations

from typing import Protocol

from lms_core.emails.entities import EmailContext, OutgoingEmail, RenderedEmail


class EmailRenderer(Protocol):
    def render(self, template: str, context: EmailContext) -> RenderedEmail:
        """Subject, HTML and plain-text bodies for a named template; `UnknownEmailTemplate` for a name it
        does not have."""
        ...


class Mailer(Protocol):
    async def send(self, message: OutgoingEmail) -> None:
        """Deliver one message; raise (`EmailDeliveryFailed` when the server refuses it) to have the outbox
        retry it later."""
        ...
