"""The one MIME shape every mailer sends: a plain-text body with an HTML alternative, and the one-click
unsubscribe headers on the messages a recipient may opt out of."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import Policy, default
from email.utils import format_datetime, make_msgid, parseaddr

from lms_core.emails.entities import OutgoingEmail

_FALLBACK_DOMAIN = "lms.local"
# RFC 5322's hard limit on a line; a header that fits is written on one line as it is.
_MAX_LINE = 998


class AddressListHeader(UnstructuredHeader, BaseHeader):
    """`List-Unsubscribe` (`<https://...>`): an address longer than a folded line has no place to fold, and
    the standard folding would then encode it as an RFC 2047 encoded-word, which no mail client reads as an
    address. The header object folds itself whatever policy writes the message (aiosmtplib uses its own),
    so it stays on one line, within the 998-character limit."""

    def fold(self, *, policy: Policy) -> str:
        line = f"{self.name}: {self}"
        if len(line) > _MAX_LINE or not line.isascii():
            folded: str = BaseHeader.fold(self, policy=policy)
            return folded
        return line + policy.linesep


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", AddressListHeader)
_POLICY = default.clone(header_factory=_HEADERS)


def build_mime_message(message: OutgoingEmail) -> EmailMessage:
    mime = EmailMessage(policy=_POLICY)
    mime["From"] = message.sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(datetime.now(UTC))
    # Without an explicit domain make_msgid resolves the host's FQDN, a DNS lookup on every message.
    mime["Message-ID"] = make_msgid(domain=_domain_of(message.sender))
    if message.list_unsubscribe is not None:
        # RFC 8058 one-click: a mail client unsubscribes with one POST to this address, asking nothing.
        mime["List-Unsubscribe"] = f"<{message.list_unsubscribe}>"
        mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable keeps the message 7-bit clean, so it passes servers without 8BITMIME.
    mime.set_content(message.text, cte="quoted-printable")
    mime.add_alternative(message.html, subtype="html", cte="quoted-printable")
    return mime


def _domain_of(address: str) -> str:
    _, addr = parseaddr(address)
    _, at, domain = addr.rpartition("@")
    return domain if at and domain else _FALLBACK_DOMAIN
