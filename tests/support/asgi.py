"""An httpx transport that calls a Litestar app in the test's own event loop."""

from __future__ import annotations

from typing import Any, cast

import httpx
from litestar import Litestar

# A documentation address (RFC 5737), so rate limits and logs see one stable, recognisable client.
TEST_CLIENT = ("192.0.2.10", 50000)


def asgi_transport(app: Litestar, *, client: tuple[str, int] = TEST_CLIENT) -> httpx.ASGITransport:
    # httpx types its ASGI app with plain mappings, Litestar with typed scopes: the same protocol.
    return httpx.ASGITransport(app=cast("Any", app), client=client)
