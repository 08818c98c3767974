"""Who may do what when registering and signing in.

Authentication itself (is this token valid, is this password right) is the service's work; these are the
decisions taken about a caller once they are known.
"""

from __future__ import annotations

from lms_core.auth.entities import RefreshToken
from lms_core.auth.errors import InvalidToken, MfaRequired, RoleNotAllowed
from lms_core.shared.actor import Role
from lms_core.shared.ids import UserId
from lms_core.users.entities import User

SELF_REGISTRATION_ROLES = frozenset({Role.STUDENT, Role.INSTRUCTOR})


def require_self_registrable(role: Role) -> None:
    """Anyone may sign up as a student or an instructor; admins are made by admins (or the CLI)."""
    if role not in SELF_REGISTRATION_ROLES:
        raise RoleNotAllowed("self-registration may choose 'student' or 'instructor' only", details={"field": "role"})


def require_password_grant_allowed(user: User) -> None:
    """The OAuth2 password grant has no second step: accounts with MFA sign in through `login` and `login/mfa`."""
    if user.mfa_enabled:
        raise MfaRequired("this account uses MFA: sign in with /auth/login and /auth/login/mfa")


def require_own_session(caller: UserId, session: RefreshToken) -> None:
    """A caller signs out only their own sessions."""
    if session.user_id != caller:
        raise InvalidToken("the refresh token belongs to another account")
