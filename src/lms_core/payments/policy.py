"""Who may buy, and who may see money.

Students buy courses and subscriptions for themselves; every learner sees only their own payments and
subscriptions; revenue figures are for admins (and the system's jobs).
"""

from __future__ import annotations

from uuid import UUID

from lms_core.payments.errors import NotAPurchaser, NotPaymentsAdmin
from lms_core.shared.actor import Actor, Role
from lms_core.shared.ids import UserId


def require_purchaser(actor: Actor) -> UserId:
    user_id = actor.require_user()
    if actor.role is not Role.STUDENT:
        raise NotAPurchaser("only students buy courses and subscriptions")
    return user_id


def require_payments_admin(actor: Actor) -> None:
    if not actor.is_admin:  # the system actor acts as an admin
        raise NotPaymentsAdmin("only administrators see revenue and reconcile payments")


def can_see(actor: Actor, owner_id: UUID) -> bool:
    """A payment or subscription is its owner's, and any is an admin's; to anyone else it does not exist."""
    return actor.is_admin or (actor.user_id is not None and actor.user_id == owner_id)
