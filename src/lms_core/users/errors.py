from __future__ import annotations

from lms_core.shared.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError


class UserNotFound(NotFoundError):
    code = "users.not_found"


class EmailAlreadyRegistered(ConflictError):
    code = "users.email_taken"


class WeakPassword(InvalidInputError):
    code = "users.weak_password"


class ProfileMetadataTooLarge(InvalidInputError):
    code = "users.profile_metadata_too_large"


class CannotChangeOwnAccess(PermissionDeniedError):
    code = "users.cannot_change_own_access"


class RoleNotAllowed(PermissionDeniedError):
    code = "users.role_not_allowed"
