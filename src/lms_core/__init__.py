"""lms_core: the learning-management engine's domain, free of any framework.

Build a ready `Lms` with `lms_adapters.bootstrap.open_lms`; everything a caller needs to use it is
exported here.
"""

from lms_core.auth.commands import (
    ConfirmEmail,
    ConfirmMfa,
    DisableMfa,
    ForgotPassword,
    Login,
    Logout,
    MfaLogin,
    PasswordGrant,
    RefreshSession,
    Register,
    ResetPassword,
)
from lms_core.auth.views import Acknowledgement, AuthResponse, LoginResponse, TokenPair
from lms_core.facade import Lms
from lms_core.shared.actor import Actor, Role
from lms_core.shared.errors import (
    ConflictError,
    ExternalServiceError,
    InvalidInputError,
    LmsError,
    NotAuthenticatedError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitedError,
)
from lms_core.shared.pagination import Page
from lms_core.users.commands import CreateUser, ListUsers, UpdateMyProfile, UpdateUser
from lms_core.users.views import UserView

__all__ = [
    "Acknowledgement",
    "Actor",
    "AuthResponse",
    "ConfirmEmail",
    "ConfirmMfa",
    "ConflictError",
    "CreateUser",
    "DisableMfa",
    "ExternalServiceError",
    "ForgotPassword",
    "InvalidInputError",
    "ListUsers",
    "Lms",
    "LmsError",
    "Login",
    "LoginResponse",
    "Logout",
    "MfaLogin",
    "NotAuthenticatedError",
    "NotFoundError",
    "Page",
    "PasswordGrant",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RefreshSession",
    "Register",
    "ResetPassword",
    "Role",
    "TokenPair",
    "UpdateMyProfile",
    "UpdateUser",
    "UserView",
]
