"""Ending a refresh-token family ends its access tokens at once, not when they expire."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import jwt
import pytest

from lms_adapters.bootstrap import open_lms
from lms_core import Actor, Lms, Logout, RefreshSession
from lms_core.auth.errors import InvalidToken
from tests.conftest import make_settings
from tests.support.databases import require_service
from tests.support.doubles import RecordingMailer
from tests.support.flows import login_tokens, register


async def test_reusing_a_refresh_token_ends_the_access_tokens_of_its_family(lms: Lms) -> None:
    response = await register(lms, "victim@example.com")
    rotated = await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    assert (await lms.auth.me(rotated.access_token)).email == "victim@example.com"
    assert (await lms.auth.me(response.access_token)).email == "victim@example.com"
    with pytest.raises(InvalidToken):
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    # Both access tokens of the family, the first and the rotated one, are refused on the next request.
    for token in (response.access_token, rotated.access_token):
        with pytest.raises(InvalidToken, match="session of this access token has been ended"):
            await lms.auth.authenticate(token)


async def test_ending_one_family_leaves_the_other_sessions_working(lms: Lms) -> None:
    response = await register(lms, "two-devices@example.com")
    other_access, other_refresh = await login_tokens(lms, "two-devices@example.com")
    await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    with pytest.raises(InvalidToken):
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    assert (await lms.auth.me(other_access)).email == "two-devices@example.com"
    assert await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=other_refresh))


async def test_logout_ends_the_access_tokens_issued_earlier_in_the_session(lms: Lms) -> None:
    response = await register(lms, "leaving@example.com")
    rotated = await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    await lms.auth.logout(rotated.access_token, Logout(refresh_token=rotated.refresh_token))
    with pytest.raises(InvalidToken):
        await lms.auth.authenticate(rotated.access_token)
    # The earlier access token of the same session was never presented to logout; it ends too.
    with pytest.raises(InvalidToken, match="session of this access token has been ended"):
        await lms.auth.authenticate(response.access_token)
    with pytest.raises(InvalidToken):
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=rotated.refresh_token))


async def test_access_tokens_name_their_family(lms: Lms) -> None:
    response = await register(lms, "claims@example.com")
    rotated = await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    first = jwt.decode(response.access_token, options={"verify_signature": False})
    second = jwt.decode(rotated.access_token, options={"verify_signature": False})
    assert first["fam"] == second["fam"]
    assert uuid.UUID(first["fam"]).version == 7


@pytest.fixture
async def two_servers(sqlite_url: str) -> AsyncIterator[tuple[Lms, Lms]]:
    redis_url = require_service("Redis", "LMS_TEST_REDIS_URL")
    settings = make_settings(sqlite_url, redis_url=redis_url)
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(open_lms(settings, mailer=RecordingMailer()))
        second = await stack.enter_async_context(open_lms(settings, mailer=RecordingMailer()))
        yield first, second


@pytest.mark.redis
async def test_a_family_revoked_on_one_server_is_refused_by_the_other(two_servers: tuple[Lms, Lms]) -> None:
    first, second = two_servers
    response = await register(first, f"user-{uuid.uuid4().hex[:8]}@example.com")
    rotated = await first.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    assert (await second.auth.me(rotated.access_token)).id == response.user.id  # cached on the second server
    with pytest.raises(InvalidToken):
        await first.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    with pytest.raises(InvalidToken, match="session of this access token has been ended"):
        await second.auth.authenticate(rotated.access_token)
