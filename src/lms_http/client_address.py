"""The client's address behind reverse proxies, for rate limits: `X-Forwarded-For` and `Forwarded`
(RFC 7239) are believed only when the socket peer is a trusted proxy (`LMS_TRUSTED_PROXIES`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any

from litestar import Request

Network = IPv4Network | IPv6Network

# The key of the resolver in the application's state (`create_app` puts it there).
STATE_KEY = "client_addresses"
# A hop that a proxy wrote as `unknown` or an obfuscated name (RFC 7239 section 6) is kept as a string;
# this bounds what such a value can add to a rate-limit key.
MAX_HOP_LENGTH = 64
# A forwarding chain longer than this is cut: only its right-most hops are read.
MAX_HOPS = 32


class ClientAddresses:
    """Finds the client's address: the socket peer, unless the peer is a trusted proxy.

    From a trusted peer, the forwarding chain is read from `Forwarded` when present, else from
    `X-Forwarded-For`, and walked from the right (the hop nearest to us) past every trusted proxy: the
    first untrusted hop is the client. Hops left of it were written by the client and are ignored, so a
    client cannot choose its address by sending the header itself. With no trusted proxies configured,
    the headers are never read.
    """

    def __init__(self, trusted_proxies: Iterable[Network] = ()) -> None:
        self._trusted: tuple[Network, ...] = tuple(trusted_proxies)

    def resolve(self, peer: str | None, forwarded: Sequence[str], x_forwarded_for: Sequence[str]) -> str | None:
        if peer is None or not self._is_trusted(peer):
            return peer
        hops = _forwarded_for(forwarded) if forwarded else _x_forwarded_for(x_forwarded_for)
        for hop in reversed(hops[-MAX_HOPS:]):
            if not self._is_trusted(hop):
                return hop
        # Every hop is a proxy of ours (or none was sent): the left-most one is as far as we can see.
        return hops[0] if hops else peer

    def _is_trusted(self, address: str) -> bool:
        parsed = _parse_ip(address)
        return parsed is not None and any(parsed in network for network in self._trusted)


def client_ip(request: Request[Any, Any, Any]) -> str | None:
    """The client's address of this request, as given to the core in the `Actor`."""
    peer = request.client.host if request.client else None
    resolver = request.app.state.get(STATE_KEY)
    if not isinstance(resolver, ClientAddresses):
        return peer
    return resolver.resolve(
        peer, request.headers.getall("forwarded", []), request.headers.getall("x-forwarded-for", [])
    )


def _x_forwarded_for(values: Sequence[str]) -> list[str]:
    return [hop for value in values for hop in (_hop(part) for part in value.split(",")) if hop]


def _forwarded_for(values: Sequence[str]) -> list[str]:
    hops = []
    for value in values:
        for element in value.split(","):
            for pair in element.split(";"):
                name, _, raw = pair.partition("=")
                if name.strip().lower() == "for":
                    hop = _hop(raw)
                    if hop:
                        hops.append(hop)
    return hops


def _hop(raw: str) -> str:
    """One hop as an address: quotes, IPv6 brackets and ports removed; other tokens kept, bounded."""
    text = raw.strip().strip('"').strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text[1:]
    elif text.count(":") == 1:
        text = text.partition(":")[0]  # IPv4 with a port
    parsed = _parse_ip(text)
    return str(parsed) if parsed is not None else text[:MAX_HOP_LENGTH].lower()


def _parse_ip(text: str) -> IPv4Address | IPv6Address | None:
    try:
        parsed = ip_address(text)
    except ValueError:
        return None
    # An IPv4 peer seen through an IPv6 socket (`::ffff:192.0.2.1`) is the IPv4 address.
    if isinstance(parsed, IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed
