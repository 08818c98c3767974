from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from lms_core import Actor, ForgotPassword, Lms, Login, RateLimitedError
from lms_core.auth.errors import InvalidCredentials
from lms_core.shared.clock import FixedClock
from tests.support.flows import PASSWORD, register

WRONG = "wrong password!"


async def sign_in(lms: Lms, address: str | None, password: str, email: str = "a@example.com") -> str:
    """What one password check from `address` gets: 'signed in', 'refused' (401) or 'wait N' (429)."""
    try:
        result = await lms.auth.login(Actor.anonymous(address), Login(email=email, password=password))
    except InvalidCredentials:
        return "refused"
    except RateLimitedError as limited:
        return f"wait {limited.retry_after_seconds}" if limited.code == "auth.rate_limited" else limited.code
    assert result.access_token
    return "signed in"


async def test_an_address_that_keeps_failing_waits_growing_delays(lms: Lms, clock: FixedClock) -> None:
    await register(lms, "a@example.com")
    attacker = "203.0.113.9"
    assert [await sign_in(lms, attacker, WRONG) for _ in range(5)] == ["refused"] * 5
    # Past the five free checks, each further one waits 1, 2, 4, 8... seconds after the previous one.
    for delay in (1, 2, 4, 8, 16):
        assert await sign_in(lms, attacker, WRONG) == f"wait {delay}"
        # Even the right password waits: the delay is the address's, not the guess's.
        assert await sign_in(lms, attacker, PASSWORD) == f"wait {delay}"
        clock.advance(timedelta(seconds=delay - 1))
        assert await sign_in(lms, attacker, WRONG) == "wait 1"  # a refused check does not count
        clock.advance(timedelta(seconds=1))
        assert await sign_in(lms, attacker, WRONG) == "refused"


async def test_the_delay_is_capped_and_never_becomes_a_lockout(lms: Lms, clock: FixedClock) -> None:
    await register(lms, "a@example.com")
    address = "203.0.113.9"
    for _ in range(5):
        await sign_in(lms, address, WRONG)
    waits = []
    for _ in range(12):
        answer = await sign_in(lms, address, WRONG)
        waits.append(int(answer.removeprefix("wait ")))
        clock.advance(timedelta(seconds=waits[-1]))
        assert await sign_in(lms, address, WRONG) == "refused"
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    # The owner, at the same address, gets in once the delay has passed, and that clears the count.
    clock.advance(timedelta(seconds=300))
    assert await sign_in(lms, address, PASSWORD) == "signed in"
    assert [await sign_in(lms, address, WRONG) for _ in range(5)] == ["refused"] * 5


async def test_the_issue_attack_no_longer_locks_the_owner_out(lms: Lms) -> None:
    """10 wrong passwords from 10 addresses used to lock the account for 15 minutes."""
    await register(lms, "a@example.com")
    for i in range(10):
        assert await sign_in(lms, f"198.51.100.{i}", WRONG) == "refused"
    assert await sign_in(lms, "192.0.2.77", PASSWORD) == "signed in"


async def test_the_owner_signs_in_during_a_large_distributed_attack(lms: Lms, clock: FixedClock) -> None:
    await register(lms, "a@example.com")
    home = "192.0.2.10"
    assert await sign_in(lms, home, PASSWORD) == "signed in"
    answers = [await sign_in(lms, f"198.51.{i // 250}.{i % 250}", WRONG) for i in range(200) for _ in range(3)]
    # The account admits 50 checks from addresses new to it (the owner's first sign-in from home was one
    # of them); after that they wait growing delays too.
    assert answers.count("refused") == 49
    assert all(answer.startswith("wait ") for answer in answers if answer != "refused")
    # Every attacking address that already failed now waits as well.
    assert (await sign_in(lms, "198.51.0.0", WRONG)).startswith("wait ")
    # The owner's usual address signs in at once, in the middle of the attack.
    assert await sign_in(lms, home, PASSWORD) == "signed in"
    # A new address of the owner waits the account's delay, a bounded one, and then gets in.
    answer = await sign_in(lms, "192.0.2.99", PASSWORD)
    assert answer.startswith("wait ")
    wait = int(answer.removeprefix("wait "))
    assert 0 < wait <= 300
    clock.advance(timedelta(seconds=wait))
    assert await sign_in(lms, "192.0.2.99", PASSWORD) == "signed in"


async def test_a_clean_address_gets_through_while_a_failing_one_waits(lms: Lms) -> None:
    await register(lms, "a@example.com")
    for _ in range(5):
        await sign_in(lms, "203.0.113.9", WRONG)
    assert await sign_in(lms, "203.0.113.9", PASSWORD) == "wait 1"
    assert await sign_in(lms, "192.0.2.77", PASSWORD) == "signed in"


async def test_failures_are_forgotten_after_fifteen_quiet_minutes(lms: Lms, clock: FixedClock) -> None:
    await register(lms, "a@example.com")
    for _ in range(5):
        await sign_in(lms, "203.0.113.9", WRONG)
    assert await sign_in(lms, "203.0.113.9", WRONG) == "wait 1"
    clock.advance(timedelta(minutes=15))
    assert [await sign_in(lms, "203.0.113.9", WRONG) for _ in range(5)] == ["refused"] * 5


async def test_parallel_guesses_are_counted_before_the_password_is_compared(lms: Lms) -> None:
    await register(lms, "a@example.com")
    answers = await asyncio.gather(*[sign_in(lms, "203.0.113.9", f"guess number {i}") for i in range(20)])
    assert sorted(answers) == ["refused"] * 5 + ["wait 1"] * 15


async def test_unknown_accounts_are_slowed_like_real_ones(lms: Lms) -> None:
    answers = [await sign_in(lms, "203.0.113.9", WRONG, email="nobody@example.com") for _ in range(6)]
    assert answers == ["refused"] * 5 + ["wait 1"]


async def test_library_callers_without_an_address_share_one_bucket(lms: Lms) -> None:
    await register(lms, "a@example.com")
    assert [await sign_in(lms, None, WRONG, email="A@example.com") for _ in range(6)] == ["refused"] * 5 + ["wait 1"]


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
