"""Who may manage webhooks, and the rules of delivery attempts.

Endpoints and their deliveries are for admins only (and operators' system jobs): an endpoint receives
every learner's events, and its secret signs as the engine.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from lms_core.shared.actor import Actor
from lms_core.webhooks.errors import NotWebhookAdmin

# Below the outbox's own limit of attempts (`shared.outbox.MAX_ATTEMPTS`), so that a delivery is given up
# here, with its status saying so, before the outbox would keep its message as dead.
MAX_DELIVERY_ATTEMPTS = 10


def require_webhook_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotWebhookAdmin("only administrators manage webhooks")


def next_attempt_at(now: datetime, attempts: int, *, rng: random.Random | None = None) -> datetime:
    """When to try again after `attempts` failed attempts: exponential (5 s doubling, capped at one hour) with
    jitter taking up to a quarter off, so that the deliveries of one outage do not all come back together.
    The outbox brings the delivery's event back at this time (`WebhookDeliveryFailed` carries it).
    """
    base = min(5 * 2 ** max(attempts - 1, 0), 3600)
    jitter = (rng or _jitter).uniform(0.75, 1.0)
    return now + timedelta(seconds=base * jitter)


_jitter = random.Random()  # noqa: S311 - spreading retries needs no cryptographic randomness
