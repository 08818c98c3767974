"""Who may do what with user accounts."""

from __future__ import annotations

from lms_core.shared.actor import Actor
from lms_core.shared.ids import UserId
from lms_core.users.errors import CannotChangeOwnAccess, NotUserAdmin


def require_user_admin(actor: Actor) -> None:
    """Listing, creating, reading and changing other people's accounts is for admins (and the system)."""
    if not actor.is_admin:
        raise NotUserAdmin("only administrators manage user accounts")


def require_not_own_access_change(actor: Actor, target: UserId, *, changes_access: bool) -> None:
    """Nobody changes their own role or activation, not even an admin (they would lock themselves out)."""
    if changes_access and actor.user_id == target:
        raise CannotChangeOwnAccess("you cannot change your own role or activation")
