"""Errors of the users module."""

from __future__ import annotations

from lms_core.shared.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError


class UserNotFound(NotFoundError):
    code = "users.not_found"


def user_not_found(user_id: object) -> UserNotFound:
    return UserNotFound("no such user", details={"user_id": str(user_id)})


class EmailAlreadyRegistered(ConflictError):
    code = "users.email_taken"


class WeakPassword(InvalidInputError):
    code = "users.weak_password"


class ProfileMetadataTooLarge(InvalidInputError):
    code = "users.profile_metadata_too_large"


class NotUserAdmin(PermissionDeniedError):
    code = "users.admin_only"


class CannotChangeOwnAccess(PermissionDeniedError):
    code = "users.cannot_change_own_access"
