from __future__ import annotations

from typing import Protocol

from lms_core.emails.entities import OutgoingEmail, RenderedEmail


class EmailRenderer(Protocol):
    def render(self, template: str, context: dict[str, str]) -> RenderedEmail:
        """Subject, HTML and plain-text bodies for a named template."""
        ...


class Mailer(Protocol):
    async def send(self, message: OutgoingEmail) -> None:
        """Deliver one message; raise to have the outbox retry it later."""
        ...
