"""Outputs of the payments module. Amounts are decimal strings in the currency's minor-unit precision."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import msgspec

from lms_core.payments.entities import (
    Payment,
    PaymentStatus,
    PaymentType,
    Provider,
    Subscription,
    SubscriptionStatus,
)
from lms_core.payments.ports import SubscriptionPlan


class PaymentView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    user_id: UUID
    course_id: UUID | None
    enrollment_id: UUID | None
    subscription_id: UUID | None
    provider: Provider
    provider_payment_id: str | None
    provider_customer_id: str | None
    # The spec's Stripe columns, filled for Stripe payments (the generic provider_* fields hold the same).
    stripe_payment_intent_id: str | None
    stripe_customer_id: str | None
    payment_type: PaymentType
    amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    currency: str
    status: PaymentStatus
    plan_name: str | None
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime
    processed_at: datetime | None
    refunded_at: datetime | None

    @classmethod
    def of(cls, payment: Payment) -> PaymentView:
        stripe = payment.provider is Provider.STRIPE
        return cls(
            id=payment.id,
            user_id=payment.user_id,
            course_id=payment.course_id,
            enrollment_id=payment.enrollment_id,
            subscription_id=payment.subscription_id,
            provider=payment.provider,
            provider_payment_id=payment.provider_payment_id,
            provider_customer_id=payment.provider_customer_id,
            stripe_payment_intent_id=payment.provider_payment_id if stripe else None,
            stripe_customer_id=payment.provider_customer_id if stripe else None,
            payment_type=payment.payment_type,
            amount=payment.amount.amount,
            tax_amount=payment.tax_amount.amount,
            total_amount=payment.total_amount.amount,
            currency=payment.total_amount.currency,
            status=payment.status,
            plan_name=payment.plan_name,
            failure_reason=payment.failure_reason,
            created_at=payment.created_at,
            updated_at=payment.updated_at,
            processed_at=payment.processed_at,
            refunded_at=payment.refunded_at,
        )


class PaymentIntentView(msgspec.Struct, frozen=True, kw_only=True):
    """What the client needs to pay: Stripe's `client_secret` (for Stripe.js), or the provider's payment
    page (`payment_url`) for Paymob and MyFatoorah."""

    payment: PaymentView
    client_secret: str | None
    payment_url: str | None


class SubscriptionView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    user_id: UUID
    provider: Provider
    provider_subscription_id: str | None
    stripe_subscription_id: str | None
    plan_name: str
    plan_price_id: str
    status: SubscriptionStatus
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    courses_accessed: int
    grants_access: bool
    created_at: datetime
    updated_at: datetime
    canceled_at: datetime | None

    @classmethod
    def of(cls, subscription: Subscription, now: datetime) -> SubscriptionView:
        return cls(
            id=subscription.id,
            user_id=subscription.user_id,
            provider=subscription.provider,
            provider_subscription_id=subscription.provider_subscription_id,
            stripe_subscription_id=(
                subscription.provider_subscription_id if subscription.provider is Provider.STRIPE else None
            ),
            plan_name=subscription.plan_name,
            plan_price_id=subscription.plan_price_id,
            status=subscription.status,
            current_period_start=subscription.current_period_start,
            current_period_end=subscription.current_period_end,
            cancel_at_period_end=subscription.cancel_at_period_end,
            courses_accessed=subscription.courses_accessed,
            grants_access=subscription.grants_access(now),
            created_at=subscription.created_at,
            updated_at=subscription.updated_at,
            canceled_at=subscription.canceled_at,
        )


class SubscriptionCheckoutView(msgspec.Struct, frozen=True, kw_only=True):
    subscription: SubscriptionView
    client_secret: str | None


class PlanView(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    price: Decimal
    currency: str
    interval: str
    provider: Provider

    @classmethod
    def of(cls, plan: SubscriptionPlan) -> PlanView:
        return cls(
            name=plan.name, price=plan.price, currency=plan.currency, interval=plan.interval, provider=plan.provider
        )


class WebhookReceipt(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to a provider: whether this event was new, and what it did."""

    received: bool
    duplicate: bool
    event_type: str
    outcome: str


class RevenueTotal(msgspec.Struct, frozen=True, kw_only=True):
    currency: str
    gross: Decimal
    refunded: Decimal
    net: Decimal
    payments: int
    refunds: int


class RevenueByProvider(msgspec.Struct, frozen=True, kw_only=True):
    provider: Provider
    currency: str
    gross: Decimal
    refunded: Decimal
    net: Decimal


class RevenueByMonth(msgspec.Struct, frozen=True, kw_only=True):
    month: str
    currency: str
    gross: Decimal
    refunded: Decimal
    net: Decimal


class RevenueSummary(msgspec.Struct, frozen=True, kw_only=True):
    """Succeeded payments (gross) and refunds in the range, netted, by currency (amounts of different
    currencies are never added), by provider and by month (UTC)."""

    since: datetime
    until: datetime
    totals: list[RevenueTotal]
    by_provider: list[RevenueByProvider]
    by_month: list[RevenueByMonth]


class ReconcileReport(msgspec.Struct, frozen=True, kw_only=True):
    checked: int
    succeeded: int
    failed: int
    refunded: int
    still_pending: int
    errors: int
