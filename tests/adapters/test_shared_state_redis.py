"""Two engine instances (as two server processes) sharing Redis see each other's logouts and deactivations at once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from lms_adapters.bootstrap import open_lms
from lms_core import Actor, Lms, Login, Logout, RateLimitedError, UpdateUser
from lms_core.auth.errors import InvalidCredentials, InvalidToken
from tests.conftest import make_settings
from tests.support.databases import require_service
from tests.support.doubles import RecordingMailer
from tests.support.flows import PASSWORD, create_admin, register

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


@pytest.fixture
async def two_throttled_servers(sqlite_url: str) -> AsyncIterator[tuple[Lms, Lms]]:
    redis_url = require_service("Redis", "LMS_TEST_REDIS_URL")
    # A long first delay: the servers run on the real clock, and no refusal may expire during the test.
    settings = make_settings(sqlite_url, redis_url=redis_url, auth_sign_in_base_delay_seconds=600)
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(open_lms(settings, mailer=RecordingMailer()))
        second = await stack.enter_async_context(open_lms(settings, mailer=RecordingMailer()))
        yield first, second


async def _sign_in(lms: Lms, address: str, email: str, password: str) -> str:
    try:
        await lms.auth.login(Actor.anonymous(address), Login(email=email, password=password))
    except InvalidCredentials:
        return "refused"
    except RateLimitedError as limited:
        return f"wait {limited.retry_after_seconds}"
    return "signed in"


async def test_sign_in_delays_are_shared_and_the_owner_still_gets_in(two_throttled_servers: tuple[Lms, Lms]) -> None:
    first, second = two_throttled_servers
    email = f"victim-{uuid.uuid4().hex[:8]}@example.com"
    await register(first, email)
    attacker = "203.0.113.66"
    assert [await _sign_in(first, attacker, email, "wrong password!") for _ in range(5)] == ["refused"] * 5
    # The other server knows: the attacker waits there too, even with the right password.
    assert (await _sign_in(second, attacker, email, PASSWORD)).startswith("wait ")
    # The owner, from an address that never failed, signs in on either server.
    assert await _sign_in(second, "192.0.2.44", email, PASSWORD) == "signed in"


async def test_parallel_guesses_on_two_servers_get_exactly_the_free_checks(
    two_throttled_servers: tuple[Lms, Lms],
) -> None:
    first, second = two_throttled_servers
    email = f"target-{uuid.uuid4().hex[:8]}@example.com"
    await register(first, email)
    answers = await asyncio.gather(
        *[_sign_in(first if i % 2 else second, "203.0.113.67", email, f"guess {i:04d} here") for i in range(20)]
    )
    assert answers.count("refused") == 5
    assert len([answer for answer in answers if answer.startswith("wait ")]) == 15
