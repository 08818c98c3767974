"""Inputs of the auth module."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

import msgspec

from lms_core.shared.actor import Role
from lms_core.shared.commands import Command
from lms_core.shared.text import SingleLineText
from lms_core.users.commands import Email, FullName, NewPassword, Password

Secret = Annotated[SingleLineText, msgspec.Meta(min_length=1, max_length=512)]
# What a person signs in with: not checked as an email, so that a typo fails like a wrong password.
LoginName = Annotated[SingleLineText, msgspec.Meta(min_length=1, max_length=255)]
MfaCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{6}$")]


class Register(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # The password policy refuses control characters with its own reason.
    nul_handled_fields: ClassVar[frozenset[str]] = frozenset({"password"})

    email: Email
    password: NewPassword
    full_name: FullName
    role: Role = Role.STUDENT


class Login(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    email: LoginName
    password: Password


class PasswordGrant(Command, frozen=True, kw_only=True):
    """The OAuth2 password grant (RFC 6749 section 4.3); `username` is the email."""

    username: LoginName
    password: Password
    grant_type: Literal["password"] = "password"
    scope: Annotated[SingleLineText, msgspec.Meta(max_length=1000)] = ""


class MfaLogin(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    mfa_token: Secret
    code: MfaCode


class RefreshSession(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    refresh_token: Secret


class Logout(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    refresh_token: Secret | None = None


class ForgotPassword(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    email: LoginName


class ResetPassword(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # The password policy refuses control characters with its own reason.
    nul_handled_fields: ClassVar[frozenset[str]] = frozenset({"new_password"})

    token: Secret
    new_password: NewPassword


class ConfirmEmail(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    token: Secret


class ConfirmMfa(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: MfaCode


class DisableMfa(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    password: Password
