"""Inputs of the payments module."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from lms_core.payments.entities import Provider
from lms_core.shared.commands import Command
from lms_core.shared.pagination import PageRequest

PlanName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, examples=["Monthly"])]


class CreatePaymentIntent(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A student starts buying a paid course. The amount is the course's price, set by the server; there is
    no amount field. `provider` defaults to the deployment's default provider (`LMS_PAYMENT_PROVIDER`)."""

    course_id: UUID
    provider: Provider | None = None


class CreateSubscription(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A student subscribes to one of the configured plans (`GET /payments/plans` lists them)."""

    plan_name: PlanName
    provider: Provider | None = None


class CancelSubscription(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """End a subscription: at the end of the paid period (the default), or at once."""

    at_period_end: bool = True


class ListMyPayments(PageRequest, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The caller's payments, newest first."""


class ListMySubscriptions(PageRequest, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The caller's subscriptions, newest first."""


class RevenueQuery(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Revenue between two instants (`since` included, `until` excluded); by default the last 365 days."""

    since: datetime | None = None
    until: datetime | None = None


class ReconcilePayments(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ask the providers about payments still pending after `older_than_seconds`."""

    older_than_seconds: Annotated[int, msgspec.Meta(ge=0, le=90 * 24 * 3600)] = 900
    limit: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 10_000
