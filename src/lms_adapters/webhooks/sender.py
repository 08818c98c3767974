"""Posting webhooks over HTTP with httpcore (the transport layer of httpx).

httpcore rather than an httpx client because the SSRF check must happen where the socket is opened: its
pool takes a network backend, and ours resolves the host, refuses the whole name if any address is not
public, and connects to a vetted address while TLS still verifies the certificate against the host name.
A name that resolves to a public address when registered and to a private one later (DNS rebinding) is
refused at that connection. httpcore follows no redirects, so a 3xx is an answer like any other non-2xx.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping

import httpcore

from lms_adapters.webhooks.guard import NetworkGuard
from lms_core.shared.errors import LmsError
from lms_core.webhooks.ports import SendResult

log = logging.getLogger("lms.webhooks")

USER_AGENT = "lms-webhooks/1"
_TRANSPORT_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.LocalProtocolError,
    OSError,
    TimeoutError,
)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to the addresses the guard allows for the host being connected to."""

    def __init__(self, guard: NetworkGuard) -> None:
        self._guard = guard
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._guard.allowed_addresses(host, port)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"no address to connect to for {host}")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are never sent to a local socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class HttpWebhookSender:
    """Implements `WebhookSender`. `timeout_seconds` bounds each phase (connect, write, read) and, twice
    over, the whole attempt, so that a receiver trickling its answer cannot hold a worker."""

    def __init__(self, guard: NetworkGuard, *, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds
        self._pool = httpcore.AsyncConnectionPool(network_backend=_GuardedBackend(guard), max_connections=50)

    async def post(self, url: str, *, headers: Mapping[str, str], body: bytes) -> SendResult:
        request_headers = [("user-agent", USER_AGENT), *headers.items()]
        phases = {"connect": self._timeout, "read": self._timeout, "write": self._timeout, "pool": self._timeout}
        try:
            async with asyncio.timeout(self._timeout * 2):
                # Only the status matters; the answer's body is left unread rather than buffered whole.
                async with self._pool.stream(
                    "POST", url, headers=request_headers, content=body, extensions={"timeout": phases}
                ) as response:
                    status = response.status
        except LmsError as exc:  # the guard refused the address the host resolves to now
            return SendResult(status_code=None, error=exc.message)
        except _TRANSPORT_ERRORS as exc:
            reason = str(exc) or type(exc).__name__
            log.info("webhook to %s failed: %s", _origin(url), reason)
            return SendResult(status_code=None, error=f"{type(exc).__name__}: {reason}")
        return SendResult(status_code=status, error=None)

    async def aclose(self) -> None:
        await self._pool.aclose()


def _origin(url: str) -> str:
    # Paths and queries of receivers' URLs can carry their own tokens: logs name the host only.
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
