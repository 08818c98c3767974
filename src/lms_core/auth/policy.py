"""Who may do what when registering and signing in.

Authentication itself (is this token valid, is this password right) is the service's work; these are the
decisions taken about a caller once they are known.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from lms_core.auth.entities import RefreshToken
from lms_core.auth.errors import (
    EmailNotVerified,
    InvalidToken,
    MfaRequired,
    NotAuthOperator,
    RegistrationIsPrivate,
    RoleNotAllowed,
)
from lms_core.shared.actor import Actor, Role
from lms_core.shared.ids import UserId
from lms_core.users.entities import User

# The roles self-registration may ever offer; admins are made by admins (or the CLI), never by sign-up.
SELF_REGISTRATION_ROLES = frozenset({Role.STUDENT, Role.INSTRUCTOR})


class RegistrationMode(enum.StrEnum):
    """`open` (the spec's flow): a new account is signed in at once, and a taken address answers 409, which
    tells anyone whether an address has an account. `private`: every sign-up gets the same answer and an
    e-mail goes to the address either way; an account signs in only once its address is verified."""

    OPEN = "open"
    PRIVATE = "private"


@dataclass(frozen=True, slots=True)
class RegistrationRules:
    """How self-registration works in one deployment (`LMS_SELF_REGISTER_ROLES`, `LMS_REGISTRATION_MODE`)."""

    roles: frozenset[Role] = SELF_REGISTRATION_ROLES
    mode: RegistrationMode = RegistrationMode.OPEN

    def __post_init__(self) -> None:
        if not self.roles or not self.roles <= SELF_REGISTRATION_ROLES:
            raise ValueError("self-registration roles must be one or both of 'student' and 'instructor'")

    @property
    def is_private(self) -> bool:
        return self.mode is RegistrationMode.PRIVATE


def require_self_registrable(role: Role, rules: RegistrationRules) -> None:
    """Sign-up may choose the roles this deployment opens to it (by default student or instructor)."""
    if role not in rules.roles:
        allowed = " or ".join(f"'{r.value}'" for r in sorted(rules.roles))
        raise RoleNotAllowed(f"self-registration may choose {allowed} only", details={"field": "role"})


def require_open_registration(rules: RegistrationRules) -> None:
    """The revealing flow (sign in at once, 409 on a taken address) exists only in the open mode."""
    if rules.is_private:
        raise RegistrationIsPrivate("registration is by e-mail confirmation here: use request_registration")


def require_may_sign_in(user: User, rules: RegistrationRules) -> None:
    """In the private mode, no tokens before the address is verified: otherwise anyone could take an address
    they do not own and sign in with it."""
    if rules.is_private and user.email_verified_at is None:
        raise EmailNotVerified(
            "verify your e-mail address first with the link we sent (resetting the password verifies it too)"
        )


def require_password_grant_allowed(user: User) -> None:
    """The OAuth2 password grant has no second step: accounts with MFA sign in through `login` and `login/mfa`."""
    if user.mfa_enabled:
        raise MfaRequired("this account uses MFA: sign in with /auth/login and /auth/login/mfa")


def require_own_session(caller: UserId, session: RefreshToken) -> None:
    """A caller signs out only their own sessions."""
    if session.user_id != caller:
        raise InvalidToken("the refresh token belongs to another account")


def require_auth_operator(actor: Actor) -> None:
    """Housekeeping over every account's secrets (purging expired ones): the system and admins only."""
    if not actor.is_admin:
        raise NotAuthOperator("only administrators and the system purge expired secrets")
