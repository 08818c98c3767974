"""Stripe's wire objects and their translation into the payments port's types.

Webhook events and the SDK's responses (through `StripeObject.to_dict()`) are read through the same
msgspec structs, so an event and a fetched object are never interpreted two different ways. Only the
fields this engine acts on are declared; Stripe adds fields freely and they are ignored.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import msgspec

from lms_core.payments.entities import PaymentStatus, SubscriptionStatus
from lms_core.payments.errors import InvalidWebhookSignature, MalformedWebhook
from lms_core.payments.ports import GatewayEvent, GatewayEventKind, PaymentState, SubscriptionState
from lms_core.shared.money import Money

# Stripe's own exponents (https://stripe.com/docs/currencies), which are not always the ISO ones the core
# uses: Stripe counts ISK in hundredths, and a few currencies the core treats as two-decimal are
# zero-decimal at Stripe. Everything not listed is two-decimal.
_STRIPE_ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
_STRIPE_THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

_T = TypeVar("_T")

PAYMENT_METADATA_KEY = "lms_payment_id"
SUBSCRIPTION_METADATA_KEY = "lms_subscription_id"

_SUBSCRIPTION_STATUSES: dict[str, SubscriptionStatus] = {
    "trialing": SubscriptionStatus.TRIAL,
    "active": SubscriptionStatus.ACTIVE,
    "past_due": SubscriptionStatus.PAST_DUE,
    "unpaid": SubscriptionStatus.PAST_DUE,
    "canceled": SubscriptionStatus.CANCELED,
    "incomplete_expired": SubscriptionStatus.CANCELED,
    "incomplete": SubscriptionStatus.INCOMPLETE,
    "paused": SubscriptionStatus.INCOMPLETE,
}

_SUBSCRIPTION_EVENTS = frozenset(
    {"customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted"}
)


def stripe_exponent(currency: str) -> int:
    """How many decimals Stripe's integer `amount` carries for `currency` (upper case ISO code)."""
    if currency in _STRIPE_ZERO_DECIMAL:
        return 0
    if currency in _STRIPE_THREE_DECIMAL:
        return 3
    return 2


def to_stripe_amount(money: Money) -> int:
    """`money` in Stripe's smallest unit; ValueError when Stripe's unit cannot carry it exactly."""
    scaled = money.amount.scaleb(stripe_exponent(money.currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{money.amount} {money.currency} has more decimals than Stripe accepts")
    return int(scaled)


def from_stripe_amount(units: int, currency: str) -> Money:
    """Stripe's integer amount in `currency` (any case) as Money."""
    code = currency.upper()
    return Money(Decimal(units).scaleb(-stripe_exponent(code)), code)


# --- webhook signature ----------------------------------------------------------------------------


def stripe_signature(body: bytes, timestamp: int, secret: str) -> str:
    """The `v1` signature Stripe puts in `Stripe-Signature`: HMAC-SHA256 of `"{t}.{body}"`, lower-case hex."""
    return hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def verify_stripe_signature(body: bytes, header: str | None, secret: str, *, now: datetime, tolerance: int) -> None:
    """Stripe's documented scheme: any `v1` entry matching, and `t` no older than `tolerance` seconds.

    A timestamp in the future passes, as in Stripe's own libraries: the tolerance exists to refuse replays
    of a captured request, and a future `t` can only come from a holder of the secret.
    """
    if not header:
        raise InvalidWebhookSignature("the Stripe-Signature header is missing")
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if name == "t" and timestamp is None:
            if not (value.isascii() and value.isdigit()):
                raise InvalidWebhookSignature("the Stripe-Signature timestamp is not a number")
            timestamp = int(value)
        elif name == "v1":
            signatures.append(value)
    if timestamp is None:
        raise InvalidWebhookSignature("the Stripe-Signature header has no timestamp")
    if not signatures:
        raise InvalidWebhookSignature("the Stripe-Signature header has no v1 signature")
    expected = stripe_signature(body, timestamp, secret).encode("ascii")
    # Every candidate is compared (no early exit), so timing tells nothing about which one was close.
    matched = False
    for candidate in signatures:
        matched |= hmac.compare_digest(expected, candidate.encode("utf-8", "replace"))
    if not matched:
        raise InvalidWebhookSignature("the Stripe-Signature does not match the body")
    if timestamp < now.timestamp() - tolerance:
        raise InvalidWebhookSignature("the Stripe-Signature timestamp is outside the tolerance")


# --- wire objects ---------------------------------------------------------------------------------


class _PaymentError(msgspec.Struct):
    message: str | None = None
    code: str | None = None


class StripeCharge(msgspec.Struct):
    id: str
    amount: int
    currency: str
    amount_refunded: int = 0
    refunded: bool = False
    payment_intent: str | None = None
    metadata: dict[str, str] = {}


class StripePaymentIntent(msgspec.Struct):
    id: str
    amount: int
    currency: str
    status: str
    amount_received: int = 0
    metadata: dict[str, str] = {}
    last_payment_error: _PaymentError | None = None
    latest_charge: str | StripeCharge | None = None


class StripeDispute(msgspec.Struct):
    id: str
    amount: int
    currency: str
    payment_intent: str | None = None
    charge: str | None = None
    reason: str | None = None


class _Price(msgspec.Struct):
    id: str


class _SubscriptionItem(msgspec.Struct):
    price: _Price | None = None
    current_period_start: int | None = None
    current_period_end: int | None = None


class _ItemList(msgspec.Struct):
    data: list[_SubscriptionItem] = []


class _ConfirmationSecret(msgspec.Struct):
    client_secret: str | None = None


class _Invoice(msgspec.Struct):
    id: str
    confirmation_secret: _ConfirmationSecret | None = None


class StripeSubscription(msgspec.Struct):
    id: str
    status: str
    customer: str | None = None
    items: _ItemList = msgspec.field(default_factory=_ItemList)
    cancel_at_period_end: bool = False
    canceled_at: int | None = None
    metadata: dict[str, str] = {}
    latest_invoice: str | _Invoice | None = None
    # Before API version 2025-03-31 the period sat on the subscription; a webhook endpoint created on an
    # older version still sends that shape.
    current_period_start: int | None = None
    current_period_end: int | None = None

    def client_secret(self) -> str | None:
        invoice = self.latest_invoice
        if isinstance(invoice, _Invoice) and invoice.confirmation_secret is not None:
            return invoice.confirmation_secret.client_secret
        return None


class _EventData(msgspec.Struct):
    object: dict[str, Any]


class _Event(msgspec.Struct):
    id: str
    type: str
    data: _EventData


def read_object(value: Any, kind: type[_T]) -> _T:
    """`value` (a decoded JSON object) as `kind`; msgspec.ValidationError when its shape is not Stripe's."""
    return msgspec.convert(value, kind)


def _when(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _our_id(metadata: dict[str, str], key: str) -> UUID | None:
    # Objects created outside this engine (the dashboard, another integration) carry no id of ours.
    value = metadata.get(key)
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


def subscription_state(subscription: StripeSubscription) -> SubscriptionState:
    """ValueError for a status this engine does not know."""
    status = _SUBSCRIPTION_STATUSES.get(subscription.status)
    if status is None:
        raise ValueError(f"unknown subscription status {subscription.status!r}")
    item = subscription.items.data[0] if subscription.items.data else _SubscriptionItem()
    start = item.current_period_start if item.current_period_start is not None else subscription.current_period_start
    end = item.current_period_end if item.current_period_end is not None else subscription.current_period_end
    return SubscriptionState(
        provider_subscription_id=subscription.id,
        provider_customer_id=subscription.customer,
        status=status,
        price_id=item.price.id if item.price is not None else None,
        current_period_start=_when(start),
        current_period_end=_when(end),
        cancel_at_period_end=subscription.cancel_at_period_end,
        canceled_at=_when(subscription.canceled_at),
        metadata=dict(subscription.metadata),
    )


def payment_state(intent: StripePaymentIntent) -> PaymentState:
    charge = intent.latest_charge
    failure = intent.last_payment_error.message if intent.last_payment_error is not None else None
    if isinstance(charge, StripeCharge) and charge.refunded:
        status = PaymentStatus.REFUNDED
    elif intent.status == "succeeded":
        status = PaymentStatus.SUCCEEDED
    elif intent.status == "canceled":
        status = PaymentStatus.FAILED
        failure = failure or "canceled"
    elif intent.status == "requires_payment_method" and intent.last_payment_error is not None:
        status = PaymentStatus.FAILED
    else:
        status = PaymentStatus.PENDING
    received = intent.amount_received if status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED) else intent.amount
    return PaymentState(
        provider_payment_id=intent.id,
        status=status,
        amount=from_stripe_amount(received, intent.currency),
        failure_reason=failure if status is PaymentStatus.FAILED else None,
    )


def gateway_event(body: bytes) -> GatewayEvent:
    """A verified event body as the engine's event; MalformedWebhook when it is not what Stripe sends."""
    try:
        event = msgspec.json.decode(body, type=_Event)
        return _map_event(event)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as exc:
        raise MalformedWebhook(f"unreadable Stripe event: {exc}") from exc


def _map_event(event: _Event) -> GatewayEvent:
    obj = event.data.object
    base: dict[str, Any] = {"provider_event_id": event.id, "event_type": event.type}
    if event.type in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        intent = read_object(obj, StripePaymentIntent)
        succeeded = event.type == "payment_intent.succeeded"
        failure = intent.last_payment_error.message if intent.last_payment_error is not None else None
        return GatewayEvent(
            **base,
            kind=GatewayEventKind.PAYMENT_SUCCEEDED if succeeded else GatewayEventKind.PAYMENT_FAILED,
            provider_payment_id=intent.id,
            our_payment_id=_our_id(intent.metadata, PAYMENT_METADATA_KEY),
            amount=from_stripe_amount(intent.amount_received if succeeded else intent.amount, intent.currency),
            failure_reason=None if succeeded else (failure or "the payment failed"),
        )
    if event.type == "charge.refunded":
        charge = read_object(obj, StripeCharge)
        # A partial refund leaves the course paid for; only a full one ends the access it bought.
        if charge.amount_refunded < charge.amount:
            return GatewayEvent(**base, kind=GatewayEventKind.IGNORED, provider_payment_id=charge.payment_intent)
        return GatewayEvent(
            **base,
            kind=GatewayEventKind.PAYMENT_REFUNDED,
            provider_payment_id=charge.payment_intent,
            our_payment_id=_our_id(charge.metadata, PAYMENT_METADATA_KEY),
            amount=from_stripe_amount(charge.amount_refunded, charge.currency),
        )
    if event.type == "charge.dispute.created":
        dispute = read_object(obj, StripeDispute)
        return GatewayEvent(
            **base,
            kind=GatewayEventKind.CHARGEBACK,
            provider_payment_id=dispute.payment_intent,
            amount=from_stripe_amount(dispute.amount, dispute.currency),
            failure_reason=dispute.reason,
        )
    if event.type in (
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    ):
        subscription = read_object(obj, StripeSubscription)
        return GatewayEvent(
            **base, kind=GatewayEventKind.SUBSCRIPTION_CHANGED, subscription=subscription_state(subscription)
        )
    return GatewayEvent(**base, kind=GatewayEventKind.IGNORED)
