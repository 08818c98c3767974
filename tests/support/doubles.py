"""Recording doubles for the providers a test cannot reach for real from the unit suite."""

from __future__ import annotations

import re

from lms_core.emails.entities import OutgoingEmail


class RecordingMailer:
    """A `Mailer` that keeps every message; `fail_next` makes the next sends raise (to test retries)."""

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self.fail_next = 0

    async def send(self, message: OutgoingEmail) -> None:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise ConnectionError("mail server unavailable")
        self.sent.append(message)

    def to(self, address: str) -> list[OutgoingEmail]:
        return [m for m in self.sent if m.to == address.lower()]

    def last_token(self, address: str) -> str:
        """The `token=` value of the newest link sent to `address`."""
        for message in reversed(self.to(address)):
            found = re.search(r"[?&]token=([A-Za-z0-9_\-]+)", message.text)
            if found:
                return found.group(1)
        raise AssertionError(f"no link with a token was sent to {address}")

    def last_code(self, address: str) -> str:
        for message in reversed(self.to(address)):
            found = re.search(r"\b(\d{6})\b", message.text)
            if found:
                return found.group(1)
        raise AssertionError(f"no 6-digit code was sent to {address}")
