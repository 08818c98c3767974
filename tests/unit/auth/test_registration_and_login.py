from __future__ import annotations

import pytest

from lms_core import Actor, InvalidInputError, Lms, Login, NotAuthenticatedError, PasswordGrant, Register, Role
from lms_core.auth.commands import ConfirmEmail
from lms_core.auth.errors import InvalidCredentials, RoleNotAllowed
from lms_core.shared.clock import FixedClock
from lms_core.users.errors import EmailAlreadyRegistered, WeakPassword
from tests.support.doubles import RecordingMailer
from tests.support.flows import PASSWORD, register


async def test_register_returns_session_and_sends_welcome_and_verification(
    lms: Lms, mailer: RecordingMailer, clock: FixedClock
) -> None:
    response = await register(lms, "Ada@Example.com", name="Ada Lovelace")
    assert response.user.email == "ada@example.com"
    assert response.user.role is Role.STUDENT
    assert response.user.email_verified_at is None
    assert response.access_token and response.refresh_token and response.expires_in == 900
    assert await lms.outbox.drain() >= 2
    templates = {m.subject for m in mailer.to("ada@example.com")}
    assert len(templates) == 2
    verification = [m for m in mailer.to("ada@example.com") if "/verify-email?token=" in m.text]
    assert len(verification) == 1
    assert "https://lms.example.test/verify-email?token=" in verification[0].text
    # The link works: its token verifies Ada's own address.
    verified = await lms.auth.confirm_email_verification(
        Actor.anonymous(), ConfirmEmail(token=mailer.last_token("ada@example.com"))
    )
    assert verified.id == response.user.id
    assert verified.email_verified_at is not None


async def test_email_is_unique_case_insensitively(lms: Lms) -> None:
    await register(lms, "bob@example.com")
    with pytest.raises(EmailAlreadyRegistered) as caught:
        await register(lms, "BOB@example.COM")
    assert caught.value.code == "users.email_taken"


async def test_instructor_may_self_register_but_admin_may_not(lms: Lms) -> None:
    response = await register(lms, "teach@example.com", role=Role.INSTRUCTOR)
    assert response.user.role is Role.INSTRUCTOR
    with pytest.raises(RoleNotAllowed):
        await register(lms, "boss@example.com", role=Role.ADMIN)


@pytest.mark.parametrize(
    ("email", "password"),
    [("short@example.com", "123456789"), ("same-as-email@example.com", "Same-As-Email@Example.com")],
)
async def test_password_policy(lms: Lms, email: str, password: str) -> None:
    with pytest.raises(WeakPassword) as caught:
        await lms.auth.register(Actor.anonymous(), Register(email=email, password=password, full_name="X"))
    assert isinstance(caught.value, InvalidInputError)


async def test_wrong_password_and_unknown_email_fail_identically(lms: Lms) -> None:
    await register(lms, "carol@example.com")
    with pytest.raises(InvalidCredentials) as wrong:
        await lms.auth.login(Actor.anonymous(), Login(email="carol@example.com", password="not the password"))
    with pytest.raises(InvalidCredentials) as unknown:
        await lms.auth.login(Actor.anonymous(), Login(email="nobody@example.com", password="not the password"))
    assert (wrong.value.code, wrong.value.message) == (unknown.value.code, unknown.value.message)


async def test_login_records_last_login(lms: Lms, clock: FixedClock) -> None:
    await register(lms, "dan@example.com")
    result = await lms.auth.login(Actor.anonymous(), Login(email="DAN@example.com", password=PASSWORD))
    assert result.mfa_required is False
    assert result.user is not None
    assert result.user.last_login_at == clock.now()


async def test_oauth2_password_grant(lms: Lms) -> None:
    await register(lms, "erin@example.com")
    pair = await lms.auth.token(Actor.anonymous(), PasswordGrant(username="erin@example.com", password=PASSWORD))
    assert pair.token_type == "bearer"
    me = await lms.auth.me(pair.access_token)
    assert me.email == "erin@example.com"


async def test_inactive_account_cannot_sign_in_and_error_matches(lms: Lms) -> None:
    from lms_core import UpdateUser
    from tests.support.flows import create_admin

    admin = await create_admin(lms)
    user = await register(lms, "frank@example.com")
    await lms.users.update_user(admin, user.user.id, UpdateUser(is_active=False))
    with pytest.raises(NotAuthenticatedError) as caught:
        await lms.auth.login(Actor.anonymous(), Login(email="frank@example.com", password=PASSWORD))
    assert caught.value.code == "auth.invalid_credentials"
    assert caught.value.message == "the email or password is not correct"
