from __future__ import annotations

import pytest

from lms_core import Actor, ForgotPassword, Lms, Login, RateLimitedError
from lms_core.auth.errors import InvalidCredentials
from tests.support.flows import register


async def test_login_attempts_are_limited_per_account(lms: Lms) -> None:
    await register(lms, "a@example.com")
    for _ in range(10):
        with pytest.raises(InvalidCredentials):
            await lms.auth.login(Actor.anonymous(), Login(email="a@example.com", password="wrong password!"))
    with pytest.raises(RateLimitedError) as caught:
        await lms.auth.login(Actor.anonymous(), Login(email="A@example.com", password="wrong password!"))
    assert caught.value.code == "auth.rate_limited"
    assert 0 < caught.value.retry_after_seconds <= 900


async def test_requests_are_limited_per_client_ip(lms: Lms) -> None:
    attacker = Actor.anonymous("203.0.113.9")
    for i in range(60):
        await lms.auth.forgot_password(attacker, ForgotPassword(email=f"user{i}@example.com"))
    with pytest.raises(RateLimitedError):
        await lms.auth.forgot_password(attacker, ForgotPassword(email="another@example.com"))
    # Another client is not affected.
    await lms.auth.forgot_password(Actor.anonymous("198.51.100.7"), ForgotPassword(email="another@example.com"))


async def test_reset_emails_are_limited_per_account(lms: Lms) -> None:
    for _ in range(5):
        await lms.auth.forgot_password(Actor.anonymous(), ForgotPassword(email="b@example.com"))
    with pytest.raises(RateLimitedError):
        await lms.auth.forgot_password(Actor.anonymous(), ForgotPassword(email="b@example.com"))
