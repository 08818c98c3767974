"""The pages of the e-mailed account links: confirming an address, choosing a new password."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery

from lms_core import Actor, ConfirmEmail, ForgotPassword, Lms, ResetPassword
from lms_core.auth.errors import InvalidOneTimeToken
from lms_core.shared.errors import InvalidInputError, LmsError
from lms_http.auth import provide_anonymous_actor
from lms_http.pages.rendering import (
    FORGOT_PASSWORD_PATH,
    PRIVATE,
    RESET_PASSWORD_PATH,
    VALIDATION_FAILED,
    VERIFY_EMAIL_PATH,
    capitalized,
    error_page,
    render_page,
)

# -- e-mail verification ----------------------------------------------------------------------


class TokenForm(msgspec.Struct, frozen=True, kw_only=True):
    token: str = ""


class ForgotForm(msgspec.Struct, frozen=True, kw_only=True):
    email: str = ""


class ResetForm(msgspec.Struct, frozen=True, kw_only=True):
    token: str = ""
    new_password: str = ""
    new_password_again: str = ""


_INCOMPLETE_LINK = [
    "The link has no token: it may have been cut in two by your mail program.",
    "Open the link from the e-mail again, or copy all of it into the address bar.",
]
_SPENT_VERIFICATION = [
    "The link has expired, has already been used, or is not valid.",
    "Sign in and ask for a new verification e-mail.",
]
_SPENT_RESET = [
    "The link has expired, has already been used, or is not valid. Each reset link works once, for an hour.",
    "Ask for a new password-reset e-mail.",
]


def _incomplete_link() -> Response[str]:
    return render_page(
        "message.html",
        status=400,
        headers=PRIVATE,
        private=True,
        tone="bad",
        heading="This link is incomplete",
        paragraphs=_INCOMPLETE_LINK,
    )


@get(VERIFY_EMAIL_PATH, include_in_schema=False, sync_to_thread=False)
def verify_email_page(token: FromQuery[str] = "") -> Response[str]:
    """The verification link's page. Opening it changes nothing (mail scanners open links too); its
    button posts the token back."""
    if not token:
        return _incomplete_link()
    return render_page("verify_email.html", headers=PRIVATE, private=True, action=VERIFY_EMAIL_PATH, token=token)


@post(
    VERIFY_EMAIL_PATH,
    include_in_schema=False,
    status_code=200,
    dependencies={"anonymous": Provide(provide_anonymous_actor)},
)
async def verify_email(
    lms: NamedDependency[Lms],
    anonymous: NamedDependency[Actor],
    data: Annotated[TokenForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[str]:
    """Confirm the address with the posted token."""
    if not data.token:
        return _incomplete_link()
    try:
        user = await lms.auth.confirm_email_verification(anonymous, ConfirmEmail(token=data.token))
    except LmsError as exc:
        return error_page(exc, "This link no longer works", _SPENT_VERIFICATION, private=True)
    return render_page(
        "message.html",
        headers=PRIVATE,
        private=True,
        tone="ok",
        heading="E-mail address confirmed",
        paragraphs=[
            f"Thank you, {user.full_name}. The address {user.email} is now verified.",
            "You can close this page.",
        ],
    )


# -- password reset ---------------------------------------------------------------------------


def _reset_form(token: str, *, status: int = 200, error: str | None = None) -> Response[str]:
    return render_page(
        "reset_password.html",
        status=status,
        headers=PRIVATE,
        private=True,
        action=RESET_PASSWORD_PATH,
        token=token,
        error=error,
    )


@get(RESET_PASSWORD_PATH, include_in_schema=False, sync_to_thread=False)
def reset_password_page(token: FromQuery[str] = "") -> Response[str]:
    """The reset link's page: a form for the new password (the token is only spent when it is posted)."""
    if not token:
        return _incomplete_link()
    return _reset_form(token)


@post(
    RESET_PASSWORD_PATH,
    include_in_schema=False,
    status_code=200,
    dependencies={"anonymous": Provide(provide_anonymous_actor)},
)
async def reset_password(
    lms: NamedDependency[Lms],
    anonymous: NamedDependency[Actor],
    data: Annotated[ResetForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[str]:
    """Set the posted password; a refused one shows the form again with the reason, the token unspent."""
    if not data.token:
        return _incomplete_link()
    if data.new_password != data.new_password_again:
        # A typo in a hidden field would lock the person out of the account they are trying to get back.
        return _reset_form(data.token, status=422, error="The two passwords are not the same. Type them again.")
    try:
        await lms.auth.reset_password(anonymous, ResetPassword(token=data.token, new_password=data.new_password))
    except InvalidOneTimeToken as exc:
        return error_page(exc, "This link no longer works", _SPENT_RESET, private=True)
    except InvalidInputError as exc:
        if exc.code == VALIDATION_FAILED:
            # The form's own limits (required, at most 256 characters) keep a password in shape, so what
            # fails the command's shape is the token: a link cut short or tampered with.
            return error_page(exc, "This link no longer works", _SPENT_RESET, private=True)
        return _reset_form(data.token, status=422, error=f"{capitalized(exc.message)}.")
    except LmsError as exc:
        return error_page(exc, "The password was not changed", [capitalized(exc.message)], private=True)
    return render_page(
        "message.html",
        headers=PRIVATE,
        private=True,
        tone="ok",
        heading="Password changed",
        paragraphs=[
            "Your password has been changed, and every device signed in to the account was signed out.",
            "Sign in with the new password.",
        ],
    )


# -- asking for a reset link ------------------------------------------------------------------


def _forgot_form(*, status: int = 200, email: str = "", error: str | None = None) -> Response[str]:
    return render_page(
        "forgot_password.html",
        status=status,
        headers=PRIVATE,
        private=True,
        action=FORGOT_PASSWORD_PATH,
        email=email,
        error=error,
    )


@get(FORGOT_PASSWORD_PATH, include_in_schema=False, sync_to_thread=False)
def forgot_password_page() -> Response[str]:
    """Where the "forgot your password?" links lead: a form for the account's e-mail address."""
    return _forgot_form()


@post(
    FORGOT_PASSWORD_PATH,
    include_in_schema=False,
    status_code=200,
    dependencies={"anonymous": Provide(provide_anonymous_actor)},
)
async def forgot_password(
    lms: NamedDependency[Lms],
    anonymous: NamedDependency[Actor],
    data: Annotated[ForgotForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[str]:
    """Send a reset link; the page says the same whether or not the account exists, as the API does."""
    try:
        acknowledgement = await lms.auth.forgot_password(anonymous, ForgotPassword(email=data.email.strip()))
    except InvalidInputError as exc:
        return _forgot_form(status=422, email=data.email, error=f"{capitalized(exc.message)}.")
    except LmsError as exc:
        return error_page(exc, "No e-mail was sent", [capitalized(exc.message)], private=True)
    return render_page(
        "message.html",
        headers=PRIVATE,
        private=True,
        tone="ok",
        heading="Check your e-mail",
        paragraphs=[acknowledgement.detail, "The link in it works once, for an hour."],
    )
