"""Inputs of the users module."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import msgspec

from lms_core.shared.actor import Role
from lms_core.shared.commands import Command
from lms_core.shared.pagination import PageRequest
from lms_core.shared.text import EMAIL_PATTERN, SingleLineText

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=255, pattern=EMAIL_PATTERN)]
FullName = Annotated[SingleLineText, msgspec.Meta(min_length=1, max_length=255)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class CreateUser(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An admin creates an account with any role."""

    # The password policy refuses control characters with its own reason.
    nul_handled_fields: ClassVar[frozenset[str]] = frozenset({"password"})

    email: Email
    password: Password
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


class UpdateMyProfile(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A user changes their own profile. Role and activation are not here on purpose."""

    full_name: FullName | msgspec.UnsetType = msgspec.UNSET
    profile_metadata: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET


class ListUsers(PageRequest, frozen=True, kw_only=True, forbid_unknown_fields=True):
    role: Role | None = None
    is_active: bool | None = None
    q: Annotated[SingleLineText, msgspec.Meta(max_length=255)] | None = None
