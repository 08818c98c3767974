"""Who may run the notification jobs. Unsubscribing needs no account: the signed token is the credential."""

from __future__ import annotations

from lms_core.notifications.errors import NotNotificationsOperator
from lms_core.shared.actor import Actor


def require_operator(actor: Actor) -> None:
    """The scheduled jobs e-mail every learner: for the system (a scheduler, the CLI) and admins only."""
    if not actor.is_admin:
        raise NotNotificationsOperator("only administrators and the system run the e-mail jobs")
