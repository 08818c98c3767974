"""Errors of the auth module."""

from __future__ import annotations

from lms_core.shared.errors import InvalidInputError, NotAuthenticatedError, PermissionDeniedError


class InvalidCredentials(NotAuthenticatedError):
    code = "auth.invalid_credentials"


class InvalidToken(NotAuthenticatedError):
    code = "auth.invalid_token"


class AccountInactive(NotAuthenticatedError):
    # Same status as bad credentials; the message does not reveal whether the password was right.
    code = "auth.invalid_credentials"


class InvalidOneTimeToken(InvalidInputError):
    code = "auth.invalid_or_expired_token"


class InvalidMfaCode(NotAuthenticatedError):
    """A wrong, used or expired MFA code is a failed authentication, like a wrong password: the same
    status (401), a code of its own."""

    code = "auth.invalid_mfa_code"


class MfaRequired(NotAuthenticatedError):
    code = "auth.mfa_required"


class MfaAlreadyEnabled(InvalidInputError):
    code = "auth.mfa_already_enabled"


class MfaNotEnabled(InvalidInputError):
    code = "auth.mfa_not_enabled"


class EmailAlreadyVerified(InvalidInputError):
    code = "auth.email_already_verified"


class RoleNotAllowed(PermissionDeniedError):
    """Self-registration asked for a role it may not choose. The code predates the auth module's own
    namespace and stays, as clients switch on it."""

    code = "users.role_not_allowed"


class EmailNotVerified(PermissionDeniedError):
    """In the private registration mode an account signs in only once its e-mail address is verified."""

    code = "auth.email_not_verified"


class RegistrationIsPrivate(PermissionDeniedError):
    """The private registration mode answers every sign-up alike (`request_registration`); the revealing
    flow that signs a new account in at once is off."""

    code = "auth.registration_private"


class NotAuthOperator(PermissionDeniedError):
    code = "auth.not_operator"
