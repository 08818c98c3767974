"""Health endpoints, and 503 (not 500) for every request that needs a database that cannot be reached."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from lms_adapters.bootstrap import open_lms
from lms_core import Lms
from lms_http import create_app
from tests.conftest import make_settings
from tests.http.helpers import PASSWORD, assert_problem
from tests.support.asgi import asgi_transport


@pytest.fixture
async def down_client(
    request: pytest.FixtureRequest, unused_tcp_port: int, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an engine whose database cannot be reached: a closed port, or a path that cannot be opened."""
    if request.param == "postgres":
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{unused_tcp_port}/lms"
    else:
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("a file where the database's directory should be")
        url = f"sqlite+aiosqlite:///{blocker}/lms.db"
    async with open_lms(make_settings(url)) as lms:
        transport = asgi_transport(create_app(lms))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def test_live_ready_and_health_answer_ok(client: httpx.AsyncClient) -> None:
    live = await client.get("/health/live")
    assert live.status_code == 200
    assert live.json() == {"status": "ok", "checked": []}
    for path in ["/health/ready", "/health"]:
        ready = await client.get(path)
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ok", "checked": ["database"]}


@pytest.mark.parametrize("down_client", ["sqlite", "postgres"], indirect=True)
async def test_requests_that_need_the_database_get_503_with_retry_after(down_client: httpx.AsyncClient) -> None:
    requests = [
        down_client.build_request("POST", "/api/v1/auth/login", json={"email": "a@b.cd", "password": PASSWORD}),
        down_client.build_request(
            "POST", "/api/v1/auth/register", json={"email": "a@b.cd", "password": PASSWORD, "full_name": "Ada"}
        ),
        down_client.build_request("GET", "/api/v1/courses/"),
    ]
    for request in requests:
        response = await down_client.send(request)
        problem = assert_problem(response, 503, "service.unavailable")
        assert int(response.headers["retry-after"]) > 0
        assert "database" in problem["detail"]


@pytest.mark.parametrize("down_client", ["sqlite", "postgres"], indirect=True)
async def test_readiness_names_the_database_while_liveness_stays_ok(down_client: httpx.AsyncClient) -> None:
    assert (await down_client.get("/health/live")).status_code == 200
    for path in ["/health/ready", "/health"]:
        response = await down_client.get(path)
        problem = assert_problem(response, 503, "service.unavailable")
        assert list(problem["details"]["components"]) == ["database"]
        assert int(response.headers["retry-after"]) > 0


async def test_readiness_names_redis_when_it_is_configured_and_down(sqlite_url: str, unused_tcp_port: int) -> None:
    settings = make_settings(sqlite_url, redis_url=f"redis://127.0.0.1:{unused_tcp_port}/11")
    async with (
        open_lms(settings) as lms,
        httpx.AsyncClient(transport=asgi_transport(create_app(lms)), base_url="http://t") as client,
    ):
        response = await client.get("/health/ready")
        problem = assert_problem(response, 503, "service.unavailable")
        assert list(problem["details"]["components"]) == ["redis"]
        assert (await client.get("/health/live")).status_code == 200


async def test_the_library_reports_readiness(lms: Lms) -> None:
    ready = await lms.health.ready()
    assert ready.checked == ["database"]
