"""Who may operate the engine's own machinery (event delivery)."""

from __future__ import annotations

from lms_core.shared.actor import Actor
from lms_core.shared.failed_events import NotDeliveryOperator


def require_delivery_operator(actor: Actor) -> None:
    """Failed events carry other people's e-mail addresses and errors: listing and re-queueing them is for
    admins and operator jobs (the system actor) only."""
    if not actor.is_admin:
        raise NotDeliveryOperator("only administrators manage failed events")
