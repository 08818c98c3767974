"""Two engine instances (as two server processes) sharing Redis see each other's logouts and deactivations at once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from lms_adapters.bootstrap import open_lms
from lms_core import Actor, Lms, Logout, UpdateUser
from lms_core.auth.errors import InvalidToken
from tests.conftest import make_settings
from tests.support.databases import require_service
from tests.support.doubles import RecordingMailer
from tests.support.flows import create_admin, register

pytestmark = pytest.mark.redis


@pytest.fixture
async def two_servers(sqlite_url: str) -> AsyncIterator[tuple[Lms, Lms]]:
    redis_url = require_service("Redis", "LMS_TEST_REDIS_URL")
    settings = make_settings(sqlite_url, redis_url=redis_url)
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(open_lms(settings, mailer=RecordingMailer()))
        second = await stack.enter_async_context(open_lms(settings, mailer=RecordingMailer()))
        yield first, second


async def test_deactivation_on_one_server_refuses_the_next_request_on_the_other(two_servers: tuple[Lms, Lms]) -> None:
    first, second = two_servers
    admin = await create_admin(first, f"admin-{uuid.uuid4().hex[:8]}@example.com")
    user = await register(first, f"user-{uuid.uuid4().hex[:8]}@example.com")
    assert (await second.auth.me(user.access_token)).is_active  # cached on the second server
    await first.users.update_user(admin, user.user.id, UpdateUser(is_active=False))
    with pytest.raises(InvalidToken):
        await second.auth.me(user.access_token)


async def test_logout_on_one_server_is_refused_by_the_other(two_servers: tuple[Lms, Lms]) -> None:
    first, second = two_servers
    user = await register(first, f"user-{uuid.uuid4().hex[:8]}@example.com")
    assert await second.auth.authenticate(user.access_token) != Actor.anonymous()
    await first.auth.logout(user.access_token, Logout())
    with pytest.raises(InvalidToken):
        await second.auth.authenticate(user.access_token)
