"""A mailer for development that writes each message to an `.eml` file instead of sending it."""

from __future__ import annotations

import logging
import os
import uuid
from datetime import UTC, datetime
from email.policy import SMTP
from pathlib import Path

import anyio.to_thread

from lms_adapters.mail.mime import build_mime_message
from lms_core.emails.entities import OutgoingEmail

log = logging.getLogger("lms.mail")


class FileMailer:
    """Implements `Mailer` by writing `<UTC timestamp>-<uuid>.eml` files into a directory.

    The files are exactly what `SmtpMailer` would send, so any mail client can open them.
    The directory is created on first use.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    async def send(self, message: OutgoingEmail) -> None:
        data = build_mime_message(message).as_bytes(policy=SMTP)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex}.eml"
        path = await anyio.to_thread.run_sync(self._write, name, data)
        log.info("e-mail to %s written to %s", message.to, path)

    def _write(self, name: str, data: bytes) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / name
        with path.open("xb") as file:
            file.write(data)
        return path
