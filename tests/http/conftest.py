from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from lms_core import Lms
from lms_http import create_app
from tests.support.asgi import asgi_transport


@pytest.fixture
async def client(lms: Lms) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling the app in the test's own event loop (the engine's connections live there)."""
    transport = asgi_transport(create_app(lms))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as test_client:
        yield test_client
