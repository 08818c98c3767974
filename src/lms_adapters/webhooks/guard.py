"""SSRF protection: webhooks go to public addresses only, checked when registered and when connecting."""

from __future__ import annotations

import asyncio
import socket
from ipaddress import IPv4Address, IPv6Address, ip_address
from urllib.parse import urlsplit

from lms_core.webhooks.errors import ForbiddenWebhookDestination, UnresolvableWebhookHost

IpAddress = IPv4Address | IPv6Address


def is_public(address: IpAddress) -> bool:
    """Globally routable unicast: not loopback, link-local, private, shared (CGNAT), multicast, reserved or
    unspecified. An IPv4 address mapped into IPv6 is judged as the IPv4 address it carries."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


class NetworkGuard:
    """Implements `DestinationGuard`, and resolves hosts for the sender's connections.

    `allow_private` (LMS_WEBHOOK_ALLOW_PRIVATE_NETWORKS) lifts the address check, for receivers on the
    operator's own network and for tests; the URL rules still apply.
    """

    def __init__(self, *, allow_private: bool) -> None:
        self._allow_private = allow_private

    async def check(self, url: str) -> None:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        await self.allowed_addresses(host, port)

    async def allowed_addresses(self, host: str, port: int) -> list[str]:
        """Every address `host` resolves to, if each one may be called; otherwise the refusal. All of them
        must pass: a name answering one public and one private address could be steered to the latter."""
        try:
            literal: IpAddress | None = ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [literal]
        else:
            addresses = await _resolve(host, port)
        if not self._allow_private:
            refused = [str(address) for address in addresses if not is_public(address)]
            if refused:
                raise ForbiddenWebhookDestination(
                    f"{host} is not a public address ({', '.join(refused)}); webhooks go to public hosts only",
                    details={"field": "url", "host": host},
                )
        return [str(address) for address in addresses]


async def _resolve(host: str, port: int) -> list[IpAddress]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableWebhookHost(
            f"the host {host!r} cannot be resolved", details={"field": "url", "host": host}
        ) from exc
    found: list[IpAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        # IPv6 socket addresses may carry a zone (`fe80::1%eth0`); the address is what is judged.
        address = ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise UnresolvableWebhookHost(f"the host {host!r} has no address", details={"field": "url", "host": host})
    return found
