"""Events of the payments module (recorded in the outbox with the change that caused them)."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from lms_core.shared.events import DomainEvent


class PaymentSucceeded(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "payment.succeeded"
    payment_id: UUID
    user_id: UUID
    course_id: UUID | None
    enrollment_id: UUID | None
    provider: str
    amount: str  # a Decimal's text: events carry no floats
    tax_amount: str
    total_amount: str
    currency: str


class PaymentRefunded(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "payment.refunded"
    payment_id: UUID
    user_id: UUID
    course_id: UUID | None
    enrollment_id: UUID | None
    provider: str
    total_amount: str
    currency: str
    chargeback: bool


class SubscriptionChanged(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "subscription.updated"
    subscription_id: UUID
    user_id: UUID
    plan_name: str
    status: str
    previous_status: str | None
    grants_access: bool


# What this module records; the composition root puts these in the engine's event catalogue.
EVENTS: tuple[type[DomainEvent], ...] = (PaymentSucceeded, PaymentRefunded, SubscriptionChanged)
