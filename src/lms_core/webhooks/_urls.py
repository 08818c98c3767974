"""The shape every webhook URL must have, before any address is looked at."""

from __future__ import annotations

from urllib.parse import urlsplit

from lms_core.webhooks.errors import InvalidWebhookUrl


def require_webhook_url(url: str) -> str:
    """`url` if it is an absolute http(s) URL with a host and no credentials; `InvalidWebhookUrl` otherwise."""
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise _invalid(url, "the URL must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it validates the port
    except ValueError as exc:
        raise _invalid(url, f"the URL cannot be parsed: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise _invalid(url, "only http and https URLs receive webhooks")
    if not parts.hostname:
        raise _invalid(url, "the URL has no host")
    if parts.username is not None or parts.password is not None:
        # It would be stored and logged in clear; receivers authenticate the engine by the signature.
        raise _invalid(url, "the URL must not carry a user name or password")
    return url


def _invalid(url: str, reason: str) -> InvalidWebhookUrl:
    return InvalidWebhookUrl(reason, details={"field": "url"})
