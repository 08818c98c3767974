"""Which roles self-registration offers (LMS_SELF_REGISTER_ROLES), and the private registration mode
(LMS_REGISTRATION_MODE=private) that answers alike for new and taken addresses."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from lms_adapters import ConfigurationError, Settings
from lms_adapters.bootstrap import open_lms
from lms_core import (
    Actor,
    ConfirmEmail,
    EmailAlreadyRegistered,
    EmailNotVerified,
    ForgotPassword,
    InvalidCredentials,
    Lms,
    Login,
    PasswordGrant,
    Register,
    RegistrationIsPrivate,
    ResetPassword,
    Role,
    RoleNotAllowed,
)
from lms_core.auth.events import UserRegistered
from lms_core.shared.clock import FixedClock
from tests.conftest import make_settings
from tests.support.doubles import RecordingMailer
from tests.support.flows import PASSWORD, delivered_events, login_tokens, register


@pytest.fixture
async def private(database_url: str, clock: FixedClock, mailer: RecordingMailer) -> AsyncIterator[Lms]:
    async with open_lms(make_settings(database_url, registration_mode="private"), clock=clock, mailer=mailer) as lms:
        yield lms


def _sign_up(email: str, role: Role = Role.STUDENT, password: str = PASSWORD) -> Register:
    return Register(email=email, password=password, full_name="Grace Hopper", role=role)


# -- roles open to self-registration ------------------------------------------------------------------


async def test_by_default_students_and_instructors_may_sign_up(lms: Lms) -> None:
    assert (await register(lms, "s@example.com")).user.role is Role.STUDENT
    assert (await register(lms, "i@example.com", role=Role.INSTRUCTOR)).user.role is Role.INSTRUCTOR
    with pytest.raises(RoleNotAllowed):
        await register(lms, "a@example.com", role=Role.ADMIN)


async def test_a_school_may_open_sign_up_to_students_only(database_url: str, mailer: RecordingMailer) -> None:
    settings = make_settings(database_url, self_register_roles="student")
    async with open_lms(settings, mailer=mailer) as lms:
        with pytest.raises(RoleNotAllowed, match="'student' only") as refused:
            await register(lms, "i@example.com", role=Role.INSTRUCTOR)
        assert refused.value.details == {"field": "role"}
        assert (await register(lms, "s@example.com")).user.role is Role.STUDENT
        with pytest.raises(InvalidCredentials):
            await login_tokens(lms, "i@example.com")  # no account was made
        # Nothing was stored for the refused sign-up.
        events = await delivered_events(lms, UserRegistered)
        assert [e.email for e in events if isinstance(e, UserRegistered)] == ["s@example.com"]


@pytest.mark.parametrize("roles", ["student,admin", "admin", "teacher", " , "])
async def test_admin_or_unknown_self_registration_roles_stop_the_start(sqlite_url: str, roles: str) -> None:
    with pytest.raises(ConfigurationError, match="LMS_SELF_REGISTER_ROLES"):
        async with open_lms(make_settings(sqlite_url, self_register_roles=roles)):
            pass


def test_the_roles_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"LMS_SELF_REGISTER_ROLES": " Instructor , student "})
    assert settings.self_registration_roles() == {"student", "instructor"}
    assert Settings().self_registration_roles() == {"student", "instructor"}
    assert Settings.from_env({"LMS_REGISTRATION_MODE": "private"}).registration_mode == "private"
    with pytest.raises(ConfigurationError):
        Settings.from_env({"LMS_REGISTRATION_MODE": "secret"})


# -- the open mode (the spec's flow) ---------------------------------------------------------------------


async def test_the_open_mode_signs_in_at_once_and_refuses_a_taken_address(lms: Lms) -> None:
    first = await register(lms, "open@example.com")
    assert first.access_token and first.user.email_verified_at is None
    assert (await lms.auth.me(first.access_token)).email == "open@example.com"
    with pytest.raises(EmailAlreadyRegistered):
        await register(lms, "open@example.com")
    # Unverified accounts sign in in the open mode.
    access, _ = await login_tokens(lms, "open@example.com")
    assert (await lms.auth.me(access)).email == "open@example.com"
    assert lms.auth.registration_is_private is False


# -- the private mode ----------------------------------------------------------------------------------


async def test_the_private_mode_answers_new_and_taken_addresses_alike(private: Lms, mailer: RecordingMailer) -> None:
    new = await private.auth.request_registration(Actor.anonymous(), _sign_up("new@example.com"))
    await private.outbox.drain()
    verified = await private.auth.confirm_email_verification(
        Actor.anonymous(), ConfirmEmail(token=mailer.last_token("new@example.com"))
    )
    assert verified.email_verified_at is not None
    mailer.sent.clear()

    taken = await private.auth.request_registration(
        Actor.anonymous(), _sign_up("NEW@example.com", role=Role.INSTRUCTOR, password="another long passphrase")
    )
    assert taken == new
    assert "e-mail" in new.detail
    await private.outbox.drain()
    (note,) = mailer.to("new@example.com")
    assert note.subject.startswith("Someone tried to sign up")
    assert "https://lms.example.test/login" in note.text
    assert "https://lms.example.test/forgot-password" in note.text
    assert "token=" not in note.text
    # The existing account is untouched: same role, same password.
    access, _ = await login_tokens(private, "new@example.com")
    assert (await private.auth.me(access)).role is Role.STUDENT


async def test_the_private_mode_signs_in_only_after_verification(private: Lms, mailer: RecordingMailer) -> None:
    await private.auth.request_registration(Actor.anonymous(), _sign_up("fresh@example.com"))
    await private.outbox.drain()
    (verification,) = mailer.to("fresh@example.com")
    assert verification.subject.startswith("Verify your e-mail address")

    with pytest.raises(EmailNotVerified) as refused:
        await private.auth.login(Actor.anonymous(), Login(email="fresh@example.com", password=PASSWORD))
    assert refused.value.code == "auth.email_not_verified"
    with pytest.raises(EmailNotVerified):
        await private.auth.token(Actor.anonymous(), PasswordGrant(username="fresh@example.com", password=PASSWORD))

    await private.auth.confirm_email_verification(
        Actor.anonymous(), ConfirmEmail(token=mailer.last_token("fresh@example.com"))
    )
    access, _ = await login_tokens(private, "fresh@example.com")
    me = await private.auth.me(access)
    assert me.email == "fresh@example.com"
    assert me.email_verified_at is not None


async def test_signing_up_again_before_verifying_sends_a_new_link(private: Lms, mailer: RecordingMailer) -> None:
    await private.auth.request_registration(Actor.anonymous(), _sign_up("lost@example.com"))
    await private.outbox.drain()
    first = mailer.last_token("lost@example.com")
    await private.auth.request_registration(Actor.anonymous(), _sign_up("lost@example.com"))
    await private.outbox.drain()
    second = mailer.last_token("lost@example.com")
    assert second != first
    assert [m.subject.startswith("Verify") for m in mailer.to("lost@example.com")] == [True, True]
    await private.auth.confirm_email_verification(Actor.anonymous(), ConfirmEmail(token=second))
    assert await login_tokens(private, "lost@example.com")


async def test_a_password_reset_also_verifies_in_the_private_mode(private: Lms, mailer: RecordingMailer) -> None:
    await private.auth.request_registration(Actor.anonymous(), _sign_up("reset@example.com"))
    await private.auth.forgot_password(Actor.anonymous(), ForgotPassword(email="reset@example.com"))
    await private.outbox.drain()
    await private.auth.reset_password(
        Actor.anonymous(), ResetPassword(token=mailer.last_token("reset@example.com"), new_password="a new passphrase!")
    )
    assert await login_tokens(private, "reset@example.com", "a new passphrase!")


async def test_the_revealing_flow_is_off_in_the_private_mode(private: Lms) -> None:
    assert private.auth.registration_is_private is True
    with pytest.raises(RegistrationIsPrivate):
        await private.auth.register(Actor.anonymous(), _sign_up("x@example.com"))
    with pytest.raises(RoleNotAllowed):
        await private.auth.request_registration(Actor.anonymous(), _sign_up("x@example.com", role=Role.ADMIN))
    events = await delivered_events(private, UserRegistered)
    assert events == []
