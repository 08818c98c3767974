"""What the payments module needs from outside: the providers (`PaymentGateway`), its tables, and tax.

Gateways speak to a provider and nothing else: they turn our request into the provider's call, and a
provider's webhook (verified exactly as the provider documents its signature) into a `GatewayEvent`.
Every decision (which payment, which enrolment, what is granted or revoked) is the service's.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

import msgspec

from lms_core.payments.entities import (
    Payment,
    PaymentStatus,
    PaymentWebhookEvent,
    Provider,
    Subscription,
    SubscriptionStatus,
    WebhookEventStatus,
)
from lms_core.shared.money import Money


class CheckoutRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A one-time purchase to start at the provider."""

    payment_id: UUID  # ours: sent to the provider as metadata / merchant reference
    total: Money  # what to charge (amount plus tax); the gateway converts it to the provider's unit
    description: str
    customer_email: str
    customer_name: str
    provider_customer_id: str | None = None  # a customer the provider already knows for this user
    return_url: str = ""  # where a hosted payment page sends the browser back


class Checkout(msgspec.Struct, frozen=True, kw_only=True):
    """What the client needs to pay: a Stripe `client_secret`, or a provider's payment page URL."""

    provider_payment_id: str
    client_secret: str | None = None
    payment_url: str | None = None
    provider_customer_id: str | None = None


class SubscriptionRequest(msgspec.Struct, frozen=True, kw_only=True):
    subscription_id: UUID  # ours
    price_id: str  # the provider's price (plan) id
    customer_email: str
    customer_name: str
    provider_customer_id: str | None = None


class SubscriptionState(msgspec.Struct, frozen=True, kw_only=True):
    """A subscription as the provider reports it."""

    provider_subscription_id: str
    provider_customer_id: str | None
    status: SubscriptionStatus
    price_id: str | None
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool = False
    canceled_at: datetime | None = None
    metadata: dict[str, str] = {}


class SubscriptionCheckout(msgspec.Struct, frozen=True, kw_only=True):
    state: SubscriptionState
    client_secret: str | None = None  # to confirm the first invoice's payment, when one is due


class GatewayEventKind(enum.StrEnum):
    PAYMENT_SUCCEEDED = "payment_succeeded"
    PAYMENT_FAILED = "payment_failed"
    PAYMENT_REFUNDED = "payment_refunded"  # refunded in full
    CHARGEBACK = "chargeback"  # a dispute opened: the money is withheld, access ends like a refund
    # A refund happened but the event cannot show whether it was in full: the service asks the provider
    # (`fetch_payment`) and ends access only for a payment refunded in full.
    REFUND_REPORTED = "refund_reported"
    SUBSCRIPTION_CHANGED = "subscription_changed"
    IGNORED = "ignored"  # a verified event this engine does not act on (stored, marked processed)


class GatewayEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A verified provider event, reduced to what the engine acts on."""

    provider_event_id: str  # unique per provider: the key that makes a replay a no-op
    event_type: str  # the provider's own name, as stored
    kind: GatewayEventKind
    provider_payment_id: str | None = None
    our_payment_id: UUID | None = None  # our id, when the provider echoes it (metadata, merchant reference)
    amount: Money | None = None  # what the provider says was paid or refunded
    failure_reason: str | None = None
    subscription: SubscriptionState | None = None


class PaymentState(msgspec.Struct, frozen=True, kw_only=True):
    """A payment as the provider reports it when asked (reconciliation)."""

    provider_payment_id: str
    status: PaymentStatus
    amount: Money | None = None
    failure_reason: str | None = None


class PaymentGateway(Protocol):
    """One provider. Errors: `PaymentProviderUnavailable` when it cannot be reached or times out,
    `PaymentProviderError` when it answers with an error; `InvalidWebhookSignature` for a webhook whose
    signature is missing or wrong, `MalformedWebhook` for a signed one that cannot be read."""

    @property
    def provider(self) -> Provider: ...

    @property
    def supports_subscriptions(self) -> bool: ...

    async def create_checkout(self, request: CheckoutRequest) -> Checkout: ...

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], query: Mapping[str, str], *, now: datetime
    ) -> GatewayEvent:
        """Verify the request's signature and read its event. `headers` keys are lower case."""
        ...

    async def fetch_payment(self, provider_payment_id: str) -> PaymentState: ...

    async def create_subscription(self, request: SubscriptionRequest) -> SubscriptionCheckout: ...

    async def cancel_subscription(self, provider_subscription_id: str, *, at_period_end: bool) -> SubscriptionState: ...


class TaxPolicy(Protocol):
    def tax_for(self, amount: Money) -> Money:
        """The tax added to `amount` (same currency, rounded to its minor unit)."""
        ...


class SubscriptionPlan(msgspec.Struct, frozen=True, kw_only=True):
    """A recurring plan offered to learners (configured in settings)."""

    name: str
    price_id: str
    price: Decimal
    currency: str
    interval: str  # "month" or "year"
    provider: Provider = Provider.STRIPE


class RevenueRow(msgspec.Struct, frozen=True, kw_only=True):
    currency: str
    provider: Provider
    month: str  # YYYY-MM
    gross_minor: int
    refunded_minor: int
    payments: int
    refunds: int


class PaymentRepository(Protocol):
    async def add(self, payment: Payment) -> None: ...

    async def get(self, payment_id: UUID, *, for_update: bool = False) -> Payment | None: ...

    async def find_by_provider_id(
        self, provider: Provider, provider_payment_id: str, *, for_update: bool = False
    ) -> Payment | None: ...

    async def save(self, payment: Payment) -> None: ...

    async def pending_for(self, user_id: UUID, course_id: UUID) -> Payment | None:
        """The user's pending one-time payment for the course, if any (reused instead of a second charge)."""
        ...

    async def list_for_user(self, user_id: UUID, *, offset: int, limit: int) -> tuple[Sequence[Payment], int]: ...

    async def pending_older_than(self, cutoff: datetime, *, limit: int) -> Sequence[Payment]: ...

    async def revenue(self, *, since: datetime, until: datetime) -> Sequence[RevenueRow]: ...


class SubscriptionRepository(Protocol):
    async def add(self, subscription: Subscription) -> None: ...

    async def get(self, subscription_id: UUID, *, for_update: bool = False) -> Subscription | None: ...

    async def find_by_provider_id(
        self, provider: Provider, provider_subscription_id: str, *, for_update: bool = False
    ) -> Subscription | None: ...

    async def save(self, subscription: Subscription) -> None: ...

    async def list_for_user(self, user_id: UUID, *, offset: int, limit: int) -> tuple[Sequence[Subscription], int]: ...

    async def granting_for(self, user_id: UUID, now: datetime, *, for_update: bool = False) -> Subscription | None:
        """The user's subscription that grants access now, if any (the most recently started)."""
        ...

    async def lapsed(self, now: datetime) -> Sequence[Subscription]:
        """Subscriptions canceled, or set to cancel at the end of their period, whose paid period ended by `now`
        and that still grant some enrolment (active, completed, or dropped and not yet expired)."""
        ...


class PaymentWebhookEventRepository(Protocol):
    async def add_if_absent(self, event: PaymentWebhookEvent) -> bool:
        """Store the event; False when (provider, provider_event_id) is already stored (a replay)."""
        ...

    async def get(
        self, provider: Provider, provider_event_id: str, *, for_update: bool = False
    ) -> PaymentWebhookEvent | None: ...

    async def mark(
        self, provider: Provider, provider_event_id: str, *, status: WebhookEventStatus, error: str | None, at: datetime
    ) -> None:
        """Set the event's status (processed: `processed_at` too) and error."""
        ...
