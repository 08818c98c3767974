"""Properties of the shared kernel and of the auth building blocks."""

from __future__ import annotations

import asyncio
import base64
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lms_adapters.security.memory import InProcessRateLimiter
from lms_adapters.security.tokens import HmacSecretGenerator, JwtAccessTokenCodec
from lms_core.auth.errors import InvalidToken
from lms_core.shared.actor import Role
from lms_core.shared.clock import FixedClock
from lms_core.shared.ids import new_id, new_user_id
from lms_core.shared.money import Money, minor_digits
from lms_core.users.entities import MIN_PASSWORD_LENGTH, check_password_policy, normalize_email
from lms_core.users.errors import WeakPassword
from tests.conftest import TEST_SECRET


@given(st.integers(min_value=1, max_value=2000))
def test_ids_are_uuid7_and_ordered_by_creation(count: int) -> None:
    ids = [new_id() for _ in range(count)]
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == count


currencies = st.sampled_from(["EGP", "USD", "SAR", "AED", "KWD", "BHD", "JPY", "EUR"])


@given(st.integers(min_value=-(10**15), max_value=10**15), currencies)
def test_money_minor_units_round_trip(units: int, currency: str) -> None:
    money = Money.from_minor(units, currency)
    assert money.to_minor() == units
    assert Money.of(str(money.amount), currency) == money


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**12), currencies)
def test_money_addition_is_exact(a: int, b: int, currency: str) -> None:
    assert (Money.from_minor(a, currency) + Money.from_minor(b, currency)).to_minor() == a + b


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=3), currencies)
def test_money_has_one_written_form_per_amount(whole: int, zeros: int, currency: str) -> None:
    """ "5", "5.0" and "5.00" are one EGP price: each is kept and shown with the currency's decimals."""
    digits = minor_digits(currency)
    assume(zeros <= digits)
    given = f"{whole}.{'0' * zeros}" if zeros else str(whole)
    expected = f"{whole}.{'0' * digits}" if digits else str(whole)
    assert str(Money.of(given, currency).amount) == expected


@given(currencies)
def test_money_refuses_more_decimals_than_the_currency_has(currency: str) -> None:
    too_precise = Decimal(1).scaleb(-(minor_digits(currency) + 1))
    with pytest.raises(ValueError, match="decimals"):
        Money(too_precise, currency)


@given(st.emails(), st.text(min_size=MIN_PASSWORD_LENGTH, max_size=100))
def test_long_passwords_are_refused_only_for_what_they_contain(email: str, password: str) -> None:
    assert _refusal(password, email) in {None, "control_characters", "repetitive", "sequential", "personal", "common"}


def _refusal(password: str, email: str) -> str | None:
    try:
        check_password_policy(password, email=email)
    except WeakPassword as refused:
        return str(refused.details["reason"])
    return None


@given(st.emails(), st.binary(min_size=12, max_size=48))
def test_random_passwords_pass(email: str, secret: bytes) -> None:
    password = base64.urlsafe_b64encode(secret).decode()
    assume(len(set(password)) >= 8)
    check_password_policy(password, email=email)


@given(st.emails(), st.text(max_size=MIN_PASSWORD_LENGTH - 1))
def test_short_passwords_fail(email: str, password: str) -> None:
    with pytest.raises(WeakPassword):
        check_password_policy(password, email=email)


@given(st.emails())
def test_email_normalisation_is_idempotent(email: str) -> None:
    once = normalize_email(email)
    assert normalize_email(once) == once
    assert normalize_email(email.upper()) == once


_codec = JwtAccessTokenCodec(TEST_SECRET)
_clock = FixedClock()
_token = _codec.issue(user_id=new_user_id(), role=Role.STUDENT, token_version=0, now=_clock.now()).token


@settings(max_examples=300)
@given(
    st.integers(min_value=0, max_value=len(_token) - 1),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij0123456789-_."),
)
def test_any_changed_character_invalidates_an_access_token(position: int, replacement: str) -> None:
    if _token[position] == replacement:
        return
    tampered = _token[:position] + replacement + _token[position + 1 :]
    fresh = JwtAccessTokenCodec(TEST_SECRET)  # no verified-token cache carried over
    try:
        claims = fresh.decode(tampered, now=_clock.now())
    except InvalidToken:
        return
    # Base64url has spare bits in a segment's last character: a change there can decode to the same bytes.
    assert claims == fresh.decode(_token, now=_clock.now())


@given(st.text(min_size=1, max_size=64))
def test_secret_digests_match_only_their_secret(secret: str) -> None:
    generator = HmacSecretGenerator(TEST_SECRET)
    digest = generator.digest(secret)
    assert generator.matches(digest, secret)
    assert not generator.matches(digest, secret + "x")


@given(st.integers(min_value=1, max_value=50), st.integers(min_value=1, max_value=120), st.integers(0, 200))
def test_rate_limiter_allows_exactly_the_limit_per_window(limit: int, window: int, extra: int) -> None:
    clock = FixedClock()
    limiter = InProcessRateLimiter(clock)

    async def hits(n: int) -> list[int | None]:
        return [await limiter.hit("k", limit=limit, window_seconds=window) for _ in range(n)]

    results = asyncio.run(hits(limit + extra))
    assert results[:limit] == [None] * limit
    assert all(r is not None and 0 < r <= window for r in results[limit:])
    clock.advance(timedelta(seconds=window))
    assert asyncio.run(hits(1)) == [None]
