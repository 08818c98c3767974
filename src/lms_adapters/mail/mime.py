"""The one MIME shape every mailer sends: a plain-text body with an HTML alternative."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from lms_core.emails.entities import OutgoingEmail

_FALLBACK_DOMAIN = "lms.local"


def build_mime_message(message: OutgoingEmail) -> EmailMessage:
    mime = EmailMessage()
    mime["From"] = message.sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(datetime.now(UTC))
    # Without an explicit domain make_msgid resolves the host's FQDN, a DNS lookup on every message.
    mime["Message-ID"] = make_msgid(domain=_domain_of(message.sender))
    # Quoted-printable keeps the message 7-bit clean, so it passes servers without 8BITMIME.
    mime.set_content(message.text, cte="quoted-printable")
    mime.add_alternative(message.html, subtype="html", cte="quoted-printable")
    return mime


def _domain_of(address: str) -> str:
    _, addr = parseaddr(address)
    _, at, domain = addr.rpartition("@")
    return domain if at and domain else _FALLBACK_DOMAIN
