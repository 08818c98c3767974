"""Delivery over SMTP with aiosmtplib."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from lms_adapters.mail.mime import build_mime_message
from lms_core.emails.entities import OutgoingEmail
from lms_core.emails.errors import EmailDeliveryFailed

_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SmtpMailer:
    """Implements `Mailer` by opening one SMTP connection per message.

    Any failure to hand the message over (connection refused, timeout, TLS or authentication
    failure, a rejected sender or recipient) raises `EmailDeliveryFailed` (`emails.delivery_failed`), so
    the outbox keeps the event and tries again later.
    `start_tls=None` upgrades the connection when the server offers STARTTLS; `True` requires it.
    """

    def __init__(
        self,
        *,
        hostname: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        start_tls: bool | None = None,
        timeout: float = 15.0,
    ) -> None:
        if use_tls and start_tls:
            raise ValueError("implicit TLS (smtps://) and STARTTLS are mutually exclusive")
        self.hostname = hostname
        self.port = port
        self.username = username
        self._password = password
        self.use_tls = use_tls
        self.start_tls = False if use_tls else start_tls
        self.timeout = timeout

    @classmethod
    def from_url(cls, url: str, timeout: float = 15.0) -> SmtpMailer:
        """Build from `smtp://user:pass@host:port`, `smtps://...` (implicit TLS) or `...?starttls=true`.

        User name and password are percent-decoded, so `p%40ss` means `p@ss`. Without a port,
        smtp:// uses 25 (587 with `starttls=true`) and smtps:// uses 465.
        """
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise ValueError(f"unsupported SMTP URL scheme {parts.scheme!r}; use smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("the SMTP URL has no host")
        start_tls = _start_tls_option(parts.query)
        use_tls = scheme == "smtps"
        if use_tls and start_tls:
            raise ValueError("starttls=true cannot be combined with smtps:// (implicit TLS)")
        try:
            port = parts.port
        except ValueError as exc:
            raise ValueError("the SMTP URL has an invalid port") from exc
        if port is None:
            port = 587 if start_tls else _DEFAULT_PORTS[scheme]
        return cls(
            hostname=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            use_tls=use_tls,
            start_tls=start_tls,
            timeout=timeout,
        )

    async def send(self, message: OutgoingEmail) -> None:
        mime = build_mime_message(message)
        try:
            await aiosmtplib.send(
                mime,
                hostname=self.hostname,
                port=self.port,
                username=self.username,
                password=self._password,
                use_tls=self.use_tls,
                start_tls=self.start_tls,
                timeout=self.timeout,
            )
        # TimeoutError and ssl.SSLError are OSErrors too.
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise EmailDeliveryFailed(
                f"could not deliver e-mail via {self.hostname}:{self.port}: {exc}",
                details={"host": self.hostname, "port": self.port},
            ) from exc

    def __repr__(self) -> str:
        scheme = "smtps" if self.use_tls else "smtp"
        user = f"{self.username}:***@" if self.username else ""
        return f"SmtpMailer({scheme}://{user}{self.hostname}:{self.port})"


def _start_tls_option(query: str) -> bool | None:
    values = parse_qs(query).get("starttls")
    if not values:
        return None
    value = values[-1].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"invalid starttls value {values[-1]!r} in the SMTP URL; use true or false")
