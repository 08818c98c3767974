"""Who may do what with user accounts."""

from __future__ import annotations

from lms_core.shared.actor import Actor, Role
from lms_core.shared.errors import PermissionDeniedError
from lms_core.shared.ids import UserId
from lms_core.users.errors import CannotChangeOwnAccess, RoleNotAllowed

SELF_REGISTRATION_ROLES = frozenset({Role.STUDENT, Role.INSTRUCTOR})


def require_user_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDeniedError("only administrators manage user accounts", code="users.admin_only")


def require_self_registrable(role: Role) -> None:
    if role not in SELF_REGISTRATION_ROLES:
        raise RoleNotAllowed("self-registration may choose 'student' or 'instructor' only", details={"field": "role"})


def require_not_own_access_change(actor: Actor, target: UserId, *, changes_access: bool) -> None:
    """Nobody changes their own role or activation, not even an admin (they would lock themselves out)."""
    if changes_access and actor.user_id == target:
        raise CannotChangeOwnAccess("you cannot change your own role or activation")
