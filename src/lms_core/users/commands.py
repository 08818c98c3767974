"""Inputs of the users module."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import msgspec

from lms_core.shared.actor import Role
from lms_core.shared.commands import Command
from lms_core.shared.pagination import PageRequest
from lms_core.shared.text import EMAIL_PATTERN, SingleLineText
from lms_core.users.entities import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=255, pattern=EMAIL_PATTERN)]
FullName = Annotated[SingleLineText, msgspec.Meta(min_length=1, max_length=255)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PASSWORD_LENGTH)]
# A password being chosen. Decoding bounds it as any password; the policy (`check_password_policy`) then
# refuses a weak one with its own reason, so the documented minimum is the policy's, stated for the schema
# only (`extra` is the OpenAPI generator's key for schema overrides).
NewPassword = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_PASSWORD_LENGTH,
        description=(
            f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters without control characters; not one of "
            "the 100,000 most common passwords (nor one with digits or punctuation added around it), not a "
            "character or short pattern repeated, not a run of consecutive characters (`1234567890`), and not "
            "made of the account's own e-mail address or name. No composition rules (NIST SP 800-63B)."
        ),
        examples=["correct horse battery staple"],
        extra_json_schema={"extra": {"min_length": MIN_PASSWORD_LENGTH}},
    ),
]


class CreateUser(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An admin creates an account with any role."""

    # The password policy refuses control characters with its own reason.
    nul_handled_fields: ClassVar[frozenset[str]] = frozenset({"password"})

    email: Email
    password: NewPassword
    full_name: FullName
    role: Role = Role.STUDENT
    is_active: bool = True
    profile_metadata: dict[str, Any] | None = None


class UpdateUser(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An admin changes an account; absent fields stay as they are."""

    full_name: FullName | msgspec.UnsetType = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET
    profile_metadata: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET


class ChangeEmailPreferences(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Optional e-mails switched on (true) or off (false); absent ones stay as they are."""

    weekly_progress: bool | msgspec.UnsetType = msgspec.UNSET
    reminders: bool | msgspec.UnsetType = msgspec.UNSET


class UpdateMyProfile(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A user changes their own profile. Role and activation are not here on purpose."""

    full_name: FullName | msgspec.UnsetType = msgspec.UNSET
    profile_metadata: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET
    email_preferences: ChangeEmailPreferences | msgspec.UnsetType = msgspec.UNSET


class ListUsers(PageRequest, frozen=True, kw_only=True, forbid_unknown_fields=True):
    role: Role | None = None
    is_active: bool | None = None
    q: Annotated[SingleLineText, msgspec.Meta(max_length=255)] | None = None
