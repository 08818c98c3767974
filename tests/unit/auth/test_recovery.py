"""Password reset, email verification and MFA."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from lms_core import (
    Actor,
    ConfirmEmail,
    ConfirmMfa,
    DisableMfa,
    ForgotPassword,
    Lms,
    Login,
    MfaLogin,
    PasswordGrant,
    RefreshSession,
    ResetPassword,
)
from lms_core.auth.errors import (
    EmailAlreadyVerified,
    InvalidCredentials,
    InvalidMfaCode,
    InvalidOneTimeToken,
    InvalidToken,
    MfaRequired,
)
from lms_core.auth.service import FORGOT_PASSWORD_ACK
from lms_core.shared.clock import FixedClock
from lms_core.users.errors import WeakPassword
from tests.support.doubles import RecordingMailer
from tests.support.flows import PASSWORD, actor_of, register

NEW_PASSWORD = "a brand new secret phrase"


async def _reset_token(lms: Lms, mailer: RecordingMailer, email: str) -> str:
    await lms.auth.forgot_password(Actor.anonymous(), ForgotPassword(email=email))
    await lms.outbox.drain()
    return mailer.last_token(email)


async def test_forgot_password_answers_the_same_for_unknown_email(lms: Lms, mailer: RecordingMailer) -> None:
    await register(lms, "a@example.com")
    await lms.outbox.drain()
    sent_before = len(mailer.sent)
    known = await lms.auth.forgot_password(Actor.anonymous(), ForgotPassword(email="a@example.com"))
    unknown = await lms.auth.forgot_password(Actor.anonymous(), ForgotPassword(email="nobody@example.com"))
    assert known == unknown
    assert known.detail == FORGOT_PASSWORD_ACK
    await lms.outbox.drain()
    assert len(mailer.sent) == sent_before + 1
    assert "https://lms.example.test/reset-password?token=" in mailer.sent[-1].text


async def test_reset_password_is_single_use_and_ends_sessions(lms: Lms, mailer: RecordingMailer) -> None:
    response = await register(lms, "b@example.com")
    token = await _reset_token(lms, mailer, "b@example.com")
    await lms.auth.reset_password(Actor.anonymous(), ResetPassword(token=token, new_password=NEW_PASSWORD))
    with pytest.raises(InvalidOneTimeToken):
        await lms.auth.reset_password(Actor.anonymous(), ResetPassword(token=token, new_password="yet another phrase"))
    with pytest.raises(InvalidToken):
        await lms.auth.me(response.access_token)
    with pytest.raises(InvalidToken):
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    with pytest.raises(InvalidCredentials):
        await lms.auth.login(Actor.anonymous(), Login(email="b@example.com", password=PASSWORD))
    result = await lms.auth.login(Actor.anonymous(), Login(email="b@example.com", password=NEW_PASSWORD))
    assert result.access_token is not None
    assert (await lms.auth.me(result.access_token)).email_verified_at is not None


async def test_reset_token_expires_after_an_hour(lms: Lms, mailer: RecordingMailer, clock: FixedClock) -> None:
    await register(lms, "c@example.com")
    token = await _reset_token(lms, mailer, "c@example.com")
    clock.advance(timedelta(hours=1, seconds=1))
    with pytest.raises(InvalidOneTimeToken):
        await lms.auth.reset_password(Actor.anonymous(), ResetPassword(token=token, new_password=NEW_PASSWORD))


async def test_a_newer_reset_link_retires_the_older_one(lms: Lms, mailer: RecordingMailer) -> None:
    await register(lms, "d@example.com")
    first = await _reset_token(lms, mailer, "d@example.com")
    second = await _reset_token(lms, mailer, "d@example.com")
    with pytest.raises(InvalidOneTimeToken):
        await lms.auth.reset_password(Actor.anonymous(), ResetPassword(token=first, new_password=NEW_PASSWORD))
    await lms.auth.reset_password(Actor.anonymous(), ResetPassword(token=second, new_password=NEW_PASSWORD))


async def test_reset_applies_the_password_policy_and_keeps_the_token(lms: Lms, mailer: RecordingMailer) -> None:
    await register(lms, "e@example.com")
    token = await _reset_token(lms, mailer, "e@example.com")
    with pytest.raises(WeakPassword):
        await lms.auth.reset_password(Actor.anonymous(), ResetPassword(token=token, new_password="short"))
    await lms.auth.reset_password(Actor.anonymous(), ResetPassword(token=token, new_password=NEW_PASSWORD))


async def test_concurrent_resets_with_one_token_succeed_once(lms: Lms, mailer: RecordingMailer) -> None:
    await register(lms, "f@example.com")
    token = await _reset_token(lms, mailer, "f@example.com")
    results = await asyncio.gather(
        *[
            lms.auth.reset_password(Actor.anonymous(), ResetPassword(token=token, new_password=f"{NEW_PASSWORD} {i}"))
            for i in range(5)
        ],
        return_exceptions=True,
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, InvalidOneTimeToken) for r in results if isinstance(r, Exception))


async def test_email_verification(lms: Lms, mailer: RecordingMailer, clock: FixedClock) -> None:
    response = await register(lms, "g@example.com")
    await lms.outbox.drain()
    token = mailer.last_token("g@example.com")
    view = await lms.auth.confirm_email_verification(Actor.anonymous(), ConfirmEmail(token=token))
    assert view.email_verified_at == clock.now()
    with pytest.raises(InvalidOneTimeToken):
        await lms.auth.confirm_email_verification(Actor.anonymous(), ConfirmEmail(token=token))
    with pytest.raises(EmailAlreadyVerified):
        await lms.auth.request_email_verification(actor_of(response))
    assert (await lms.auth.me(response.access_token)).email_verified_at == clock.now()


async def test_verification_link_expires_after_24_hours(lms: Lms, mailer: RecordingMailer, clock: FixedClock) -> None:
    response = await register(lms, "h@example.com")
    clock.advance(timedelta(hours=23))
    await lms.auth.request_email_verification(actor_of(response))
    await lms.outbox.drain()
    token = mailer.last_token("h@example.com")
    clock.advance(timedelta(hours=24, seconds=1))
    with pytest.raises(InvalidOneTimeToken):
        await lms.auth.confirm_email_verification(Actor.anonymous(), ConfirmEmail(token=token))


async def _enable_mfa(lms: Lms, mailer: RecordingMailer, email: str) -> Actor:
    response = await register(lms, email)
    actor = actor_of(response)
    await lms.auth.request_mfa_enable(actor)
    await lms.outbox.drain()
    view = await lms.auth.confirm_mfa_enable(actor, ConfirmMfa(code=mailer.last_code(email)))
    assert view.mfa_enabled
    return actor


async def test_mfa_login_happy_path(lms: Lms, mailer: RecordingMailer) -> None:
    await _enable_mfa(lms, mailer, "i@example.com")
    first = await lms.auth.login(Actor.anonymous(), Login(email="i@example.com", password=PASSWORD))
    assert first.mfa_required and first.mfa_token and first.access_token is None
    await lms.outbox.drain()
    code = mailer.last_code("i@example.com")
    assert len(code) == 6
    result = await lms.auth.login_mfa(Actor.anonymous(), MfaLogin(mfa_token=first.mfa_token, code=code))
    assert result.access_token and result.user and result.user.mfa_enabled
    with pytest.raises(InvalidMfaCode):  # single use
        await lms.auth.login_mfa(Actor.anonymous(), MfaLogin(mfa_token=first.mfa_token, code=code))
    with pytest.raises(MfaRequired):
        await lms.auth.token(Actor.anonymous(), PasswordGrant(username="i@example.com", password=PASSWORD))


async def test_mfa_locks_out_after_five_wrong_codes(lms: Lms, mailer: RecordingMailer) -> None:
    await _enable_mfa(lms, mailer, "j@example.com")
    first = await lms.auth.login(Actor.anonymous(), Login(email="j@example.com", password=PASSWORD))
    assert first.mfa_token
    await lms.outbox.drain()
    code = mailer.last_code("j@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(InvalidMfaCode) as caught:
            await lms.auth.login_mfa(Actor.anonymous(), MfaLogin(mfa_token=first.mfa_token, code=wrong))
        assert caught.value.details["tries_left"] == left
    with pytest.raises(InvalidMfaCode):
        await lms.auth.login_mfa(Actor.anonymous(), MfaLogin(mfa_token=first.mfa_token, code=code))


async def test_parallel_guesses_never_exceed_the_try_limit(lms: Lms, mailer: RecordingMailer) -> None:
    await _enable_mfa(lms, mailer, "k@example.com")
    first = await lms.auth.login(Actor.anonymous(), Login(email="k@example.com", password=PASSWORD))
    assert first.mfa_token
    await lms.outbox.drain()
    code = mailer.last_code("k@example.com")
    guesses = [f"{(int(code) + i) % 1_000_000:06d}" for i in range(1, 21)]
    results = await asyncio.gather(
        *[lms.auth.login_mfa(Actor.anonymous(), MfaLogin(mfa_token=first.mfa_token, code=g)) for g in guesses],
        return_exceptions=True,
    )
    assert all(isinstance(r, InvalidMfaCode) for r in results)
    with pytest.raises(InvalidMfaCode):
        await lms.auth.login_mfa(Actor.anonymous(), MfaLogin(mfa_token=first.mfa_token, code=code))


async def test_mfa_code_expires_after_ten_minutes(lms: Lms, mailer: RecordingMailer, clock: FixedClock) -> None:
    await _enable_mfa(lms, mailer, "l@example.com")
    first = await lms.auth.login(Actor.anonymous(), Login(email="l@example.com", password=PASSWORD))
    assert first.mfa_token
    await lms.outbox.drain()
    clock.advance(timedelta(minutes=10, seconds=1))
    with pytest.raises(InvalidMfaCode):
        await lms.auth.login_mfa(
            Actor.anonymous(), MfaLogin(mfa_token=first.mfa_token, code=mailer.last_code("l@example.com"))
        )


async def test_disabling_mfa_needs_the_password(lms: Lms, mailer: RecordingMailer) -> None:
    actor = await _enable_mfa(lms, mailer, "m@example.com")
    with pytest.raises(InvalidCredentials):
        await lms.auth.disable_mfa(actor, DisableMfa(password="not my password"))
    view = await lms.auth.disable_mfa(actor, DisableMfa(password=PASSWORD))
    assert not view.mfa_enabled
    result = await lms.auth.login(Actor.anonymous(), Login(email="m@example.com", password=PASSWORD))
    assert not result.mfa_required and result.access_token
