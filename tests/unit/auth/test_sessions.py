"""Access and refresh tokens: expiry, rotation, reuse detection, logout, deactivation."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from lms_core import Actor, InvalidInputError, Lms, Logout, RefreshSession, Role, UpdateUser
from lms_core.auth.errors import InvalidToken
from lms_core.shared.clock import FixedClock
from tests.conftest import TEST_SECRET
from tests.support.flows import create_admin, login_tokens, register


async def test_access_token_expires_after_15_minutes(lms: Lms, clock: FixedClock) -> None:
    response = await register(lms, "a@example.com")
    clock.advance(timedelta(minutes=14, seconds=59))
    assert (await lms.auth.me(response.access_token)).email == "a@example.com"
    clock.advance(timedelta(seconds=1))
    with pytest.raises(InvalidToken):
        await lms.auth.me(response.access_token)


async def test_refresh_rotates_and_old_token_is_refused(lms: Lms, clock: FixedClock) -> None:
    response = await register(lms, "b@example.com")
    clock.advance(timedelta(seconds=5))
    pair = await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    assert pair.refresh_token != response.refresh_token
    assert (await lms.auth.me(pair.access_token)).email == "b@example.com"
    with pytest.raises(InvalidToken) as refused:
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    assert "already used" in refused.value.message


async def test_reusing_a_rotated_refresh_token_revokes_the_family(lms: Lms) -> None:
    response = await register(lms, "c@example.com")
    first = await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    second = await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=first.refresh_token))
    # An attacker replays the very first token: the whole family dies, including the newest token.
    with pytest.raises(InvalidToken):
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    with pytest.raises(InvalidToken):
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=second.refresh_token))


async def test_reuse_does_not_touch_other_sessions(lms: Lms) -> None:
    response = await register(lms, "d@example.com")
    _, other_refresh = await login_tokens(lms, "d@example.com")
    await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    with pytest.raises(InvalidToken):
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    assert await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=other_refresh))


@pytest.mark.parametrize("token", [".", "nodot", "abc.def", "x" * 40 + ".y"])
async def test_malformed_refresh_tokens_are_refused(lms: Lms, token: str) -> None:
    with pytest.raises(InvalidToken):
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=token))


def test_empty_refresh_token_is_refused_before_reaching_the_service() -> None:
    with pytest.raises(InvalidInputError) as caught:
        RefreshSession(refresh_token="")
    assert caught.value.code == "request.validation_failed"
    assert "refresh_token" in caught.value.message


async def test_refresh_token_expires(lms: Lms, clock: FixedClock) -> None:
    response = await register(lms, "e@example.com")
    clock.advance(timedelta(days=31))
    with pytest.raises(InvalidToken):
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))


async def test_logout_denylists_access_token_and_revokes_refresh_token(lms: Lms) -> None:
    response = await register(lms, "f@example.com")
    await lms.auth.logout(response.access_token, Logout(refresh_token=response.refresh_token))
    with pytest.raises(InvalidToken):
        await lms.auth.me(response.access_token)
    with pytest.raises(InvalidToken):
        await lms.auth.authenticate(response.access_token)
    with pytest.raises(InvalidToken):
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))


async def test_logout_refuses_someone_elses_refresh_token(lms: Lms) -> None:
    mine = await register(lms, "g@example.com")
    theirs = await register(lms, "h@example.com")
    with pytest.raises(InvalidToken):
        await lms.auth.logout(mine.access_token, Logout(refresh_token=theirs.refresh_token))
    assert await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=theirs.refresh_token))


async def test_deactivation_cuts_live_tokens_at_once(lms: Lms) -> None:
    admin = await create_admin(lms)
    response = await register(lms, "i@example.com")
    assert (await lms.auth.me(response.access_token)).is_active  # now cached
    await lms.users.update_user(admin, response.user.id, UpdateUser(is_active=False))
    with pytest.raises(InvalidToken):
        await lms.auth.me(response.access_token)
    with pytest.raises(InvalidToken):
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    # Reactivation does not resurrect tokens issued before the deactivation.
    await lms.users.update_user(admin, response.user.id, UpdateUser(is_active=True))
    with pytest.raises(InvalidToken):
        await lms.auth.me(response.access_token)


async def test_role_change_cuts_tokens_carrying_the_old_role(lms: Lms, clock: FixedClock) -> None:
    admin = await create_admin(lms)
    response = await register(lms, "j@example.com")
    await lms.auth.me(response.access_token)
    clock.advance(timedelta(seconds=1))
    await lms.users.update_user(admin, response.user.id, UpdateUser(role=Role.INSTRUCTOR))
    with pytest.raises(InvalidToken):
        await lms.auth.me(response.access_token)


def _forge(payload: dict[str, object], key: str, algorithm: str) -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


async def test_alg_none_and_tampered_tokens_are_refused(lms: Lms) -> None:
    response = await register(lms, "k@example.com")
    claims = jwt.decode(response.access_token, options={"verify_signature": False})
    unsigned = jwt.encode({**claims, "role": "admin"}, key="", algorithm="none")
    with pytest.raises(InvalidToken):
        await lms.auth.me(unsigned)
    head, body, signature = response.access_token.split(".")
    tampered_signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    with pytest.raises(InvalidToken):
        await lms.auth.me(f"{head}.{body}.{tampered_signature}")
    forged = _forge({**claims, "role": "admin"}, TEST_SECRET, "HS256")  # raw secret, not the derived key
    with pytest.raises(InvalidToken):
        await lms.auth.me(forged)
    with pytest.raises(InvalidToken):
        await lms.auth.me("not-a-jwt")
