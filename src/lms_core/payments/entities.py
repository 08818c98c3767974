"""Payments, subscriptions and the provider events that move them.

A payment is created `pending` by the engine, with the amount taken from the course (never from the
client), and moves only on what the provider reports (a verified webhook, or reconciliation asking the
provider): `succeeded` grants the course, `refunded` ends that access. A subscription's status follows
its provider's lifecycle; while it grants access, its owner may enrol in any published paid course.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NewType
from uuid import UUID

from lms_core.shared.money import Money

PaymentId = NewType("PaymentId", UUID)
SubscriptionId = NewType("SubscriptionId", UUID)


class Provider(enum.StrEnum):
    STRIPE = "stripe"
    PAYMOB = "paymob"
    MYFATOORAH = "myfatoorah"


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"


class PaymentType(enum.StrEnum):
    ONE_TIME = "one_time"
    RECURRING = "recurring"
    TRIAL = "trial"


class SubscriptionStatus(enum.StrEnum):
    TRIAL = "trial"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    INCOMPLETE = "incomplete"


# A subscription in these states lets its owner study; past_due keeps access while the provider retries
# the card (its dunning), as the learner has not lost the subscription yet.
GRANTING_STATUSES = frozenset({SubscriptionStatus.TRIAL, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE})


class WebhookEventStatus(enum.StrEnum):
    PROCESSING = "processing"
    PROCESSED = "processed"
    FAILED = "failed"


@dataclass(kw_only=True, slots=True)
class Payment:
    id: PaymentId
    user_id: UUID
    course_id: UUID | None
    enrollment_id: UUID | None
    subscription_id: SubscriptionId | None
    provider: Provider
    provider_payment_id: str | None
    provider_customer_id: str | None
    provider_subscription_id: str | None
    provider_invoice_id: str | None
    payment_type: PaymentType
    amount: Money
    tax_amount: Money
    total_amount: Money
    status: PaymentStatus
    plan_name: str | None
    plan_price_id: str | None
    metadata: dict[str, Any] = field(default_factory=dict)
    failure_reason: str | None = None
    created_at: datetime
    updated_at: datetime
    processed_at: datetime | None = None
    refunded_at: datetime | None = None

    def succeed(self, now: datetime) -> bool:
        """Pending or failed (a retried card) to succeeded; False when it already succeeded or was refunded,
        so a replayed or late confirmation changes nothing."""
        if self.status not in (PaymentStatus.PENDING, PaymentStatus.FAILED):
            return False
        self.status = PaymentStatus.SUCCEEDED
        self.failure_reason = None
        self.processed_at = now
        self.updated_at = now
        return True

    def fail(self, reason: str, now: datetime) -> bool:
        """Pending to failed; a payment that already succeeded is never failed by a late report."""
        if self.status is not PaymentStatus.PENDING:
            return False
        self.status = PaymentStatus.FAILED
        self.failure_reason = reason[:500]
        self.updated_at = now
        return True

    def refund(self, now: datetime) -> bool:
        """Succeeded to refunded (a refund or a chargeback); False for any other status."""
        if self.status is not PaymentStatus.SUCCEEDED:
            return False
        self.status = PaymentStatus.REFUNDED
        self.refunded_at = now
        self.updated_at = now
        return True


@dataclass(kw_only=True, slots=True)
class Subscription:
    id: SubscriptionId
    user_id: UUID
    provider: Provider
    provider_subscription_id: str | None  # known once the provider has created it
    provider_customer_id: str | None
    plan_name: str
    plan_price_id: str
    status: SubscriptionStatus
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool = False
    courses_accessed: int = 0
    total_usage: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime
    updated_at: datetime
    canceled_at: datetime | None = None

    def grants_access(self, now: datetime) -> bool:
        """Trial, active and past due grant access; one canceled at the end of its period still does until that
        period ends, one canceled at once does not (Stripe keeps the paid period on a subscription canceled at
        once, and `cancel_at_period_end` tells the two apart)."""
        if self.status in GRANTING_STATUSES:
            return self.current_period_end is None or now < self.current_period_end or not self.cancel_at_period_end
        if self.status is SubscriptionStatus.CANCELED:
            return self.cancel_at_period_end and self.current_period_end is not None and now < self.current_period_end
        return False


@dataclass(kw_only=True, slots=True)
class PaymentWebhookEvent:
    """A provider event as received: stored once per (provider, provider event id), whatever it says."""

    id: UUID
    provider: Provider
    provider_event_id: str
    event_type: str
    status: WebhookEventStatus
    payload: str
    error_message: str | None
    created_at: datetime
    processed_at: datetime | None
