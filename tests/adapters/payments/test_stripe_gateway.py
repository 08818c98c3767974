"""The Stripe gateway through the official SDK against a local server speaking Stripe's API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
import stripe
from hypothesis import given
from hypothesis import strategies as st

from lms_adapters.payments._stripe_objects import (
    from_stripe_amount,
    stripe_exponent,
    to_stripe_amount,
    verify_stripe_signature,
)
from lms_adapters.payments.stripe import StripeGateway
from lms_adapters.settings import Settings
from lms_core.payments.entities import PaymentStatus, Provider, SubscriptionStatus
from lms_core.payments.errors import (
    InvalidWebhookSignature,
    MalformedWebhook,
    PaymentProviderError,
    PaymentProviderUnavailable,
)
from lms_core.payments.ports import CheckoutRequest, GatewayEventKind, SubscriptionRequest
from lms_core.shared.money import Money
from tests.support.network import free_port
from tests.support.providers.stripe_server import (
    FakeStripe,
    WebhookRequest,
    running_stripe_server,
    stripe_signature_header,
)

# stripe 16.1's HTTPXClient hands its encoded form to httpx as `data=`, which httpx deprecates for raw text.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Use 'content=<...>' to upload raw bytes/text content:DeprecationWarning"
)

SECRET_KEY = "sk_test_lms_gateway"
WEBHOOK_SECRET = "whsec_lms_gateway"


@pytest.fixture
def server() -> Iterator[FakeStripe]:
    with running_stripe_server(api_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET) as fake:
        yield fake


def make_gateway(base_url: str, **overrides: Any) -> StripeGateway:
    values: dict[str, Any] = {
        "secret_key": SECRET_KEY,
        "webhook_secret": WEBHOOK_SECRET,
        "api_base": base_url,
        "timeout_seconds": 5.0,
        "max_network_retries": 0,
    }
    values.update(overrides)
    return StripeGateway(**values)


@pytest.fixture
async def gateway(server: FakeStripe) -> AsyncIterator[StripeGateway]:
    gateway = make_gateway(server.base_url)
    yield gateway
    await gateway.aclose()


def checkout_request(total: Money, **overrides: Any) -> CheckoutRequest:
    values: dict[str, Any] = {
        "payment_id": uuid4(),
        "total": total,
        "description": "Course: Analytical Engines",
        "customer_email": "ada@example.com",
        "customer_name": "Ada Lovelace",
    }
    values.update(overrides)
    return CheckoutRequest(**values)


def now() -> datetime:
    return datetime.now(UTC)


def parse(gateway: StripeGateway, webhook: WebhookRequest, *, at: datetime | None = None) -> Any:
    return gateway.parse_webhook(webhook.body, webhook.headers, webhook.query, now=at or now())


# --- checkout -------------------------------------------------------------------------------------


async def test_checkout_creates_a_customer_and_a_payment_intent_with_our_id(
    server: FakeStripe, gateway: StripeGateway
) -> None:
    request = checkout_request(Money.of("49.99", "USD"))

    checkout = await gateway.create_checkout(request)

    customer_call, intent_call = server.requests
    assert (customer_call.method, customer_call.path) == ("POST", "/v1/customers")
    assert customer_call.form == {"email": "ada@example.com", "name": "Ada Lovelace"}
    assert customer_call.headers["idempotency-key"] == f"lms-payment-{request.payment_id}-customer"
    assert (intent_call.method, intent_call.path) == ("POST", "/v1/payment_intents")
    assert intent_call.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert intent_call.headers["idempotency-key"] == f"lms-payment-{request.payment_id}"
    assert intent_call.form == {
        "amount": "4999",
        "currency": "usd",
        "description": "Course: Analytical Engines",
        "metadata": {"lms_payment_id": str(request.payment_id)},
        "automatic_payment_methods": {"enabled": "true"},
        "customer": checkout.provider_customer_id,
    }
    stored = server.payment_intents[checkout.provider_payment_id]
    assert checkout.client_secret == stored["client_secret"]
    assert stored["amount"] == 4999
    assert server.customers[str(checkout.provider_customer_id)]["email"] == "ada@example.com"


async def test_checkout_for_a_known_customer_creates_no_customer(server: FakeStripe, gateway: StripeGateway) -> None:
    customer_id = server.add_customer("ada@example.com")

    checkout = await gateway.create_checkout(checkout_request(Money.of("10", "EUR"), provider_customer_id=customer_id))

    assert [r.path for r in server.requests] == ["/v1/payment_intents"]
    assert server.requests[0].form["customer"] == customer_id
    assert server.payment_intents[checkout.provider_payment_id]["customer"] == customer_id
    assert checkout.provider_customer_id == customer_id


@pytest.mark.parametrize(
    ("amount", "currency", "sent"),
    [("12.34", "USD", 1234), ("500", "JPY", 500), ("5.120", "KWD", 5120), ("0.50", "EUR", 50)],
)
async def test_checkout_sends_the_amount_in_stripes_smallest_unit(
    server: FakeStripe, gateway: StripeGateway, amount: str, currency: str, sent: int
) -> None:
    checkout = await gateway.create_checkout(checkout_request(Money.of(amount, currency)))

    intent_call = server.requests_to("POST", "/v1/payment_intents")[0]
    assert intent_call.form["amount"] == str(sent)
    assert intent_call.form["currency"] == currency.lower()
    assert server.payment_intents[checkout.provider_payment_id]["amount"] == sent


async def test_a_three_decimal_amount_stripe_cannot_charge_is_a_provider_error(
    server: FakeStripe, gateway: StripeGateway
) -> None:
    with pytest.raises(PaymentProviderError) as raised:
        await gateway.create_checkout(checkout_request(Money.of("5.125", "KWD")))

    assert "multiple of 10" in raised.value.details["provider_message"]
    assert raised.value.details["provider_status"] == 400
    assert server.payment_intents == {}


async def test_checkout_again_for_the_same_payment_returns_the_same_intent(
    server: FakeStripe, gateway: StripeGateway
) -> None:
    request = checkout_request(Money.of("20", "USD"))

    first = await gateway.create_checkout(request)
    second = await gateway.create_checkout(request)

    assert second == first
    assert len(server.payment_intents) == 1
    assert len(server.customers) == 1


async def test_a_retried_create_after_a_server_error_charges_once(server: FakeStripe) -> None:
    gateway = make_gateway(server.base_url, max_network_retries=1)
    try:
        server.fail_next(500)
        checkout = await gateway.create_checkout(checkout_request(Money.of("20", "USD"), customer_email=""))
    finally:
        await gateway.aclose()

    attempts = server.requests_to("POST", "/v1/payment_intents")
    assert len(attempts) == 2
    assert {a.headers["idempotency-key"] for a in attempts} == {
        f"lms-payment-{attempts[0].form['metadata']['lms_payment_id']}"
    }
    assert list(server.payment_intents) == [checkout.provider_payment_id]


# --- errors ---------------------------------------------------------------------------------------


async def test_a_server_error_is_unavailable(server: FakeStripe, gateway: StripeGateway) -> None:
    server.fail_next(500)

    with pytest.raises(PaymentProviderUnavailable):
        await gateway.create_checkout(checkout_request(Money.of("20", "USD"), customer_email=""))

    assert len(server.requests) == 1
    assert server.payment_intents == {}


@pytest.mark.parametrize(
    ("status", "error_type", "code"),
    [
        (400, "invalid_request_error", "parameter_invalid_integer"),
        (402, "card_error", "card_declined"),
        (403, "invalid_request_error", None),
    ],
)
async def test_a_refusal_is_a_provider_error_with_stripes_message(
    server: FakeStripe, gateway: StripeGateway, status: int, error_type: str, code: str | None
) -> None:
    server.fail_next(status, error_type=error_type, message="Stripe says no.", code=code)

    with pytest.raises(PaymentProviderError) as raised:
        await gateway.create_checkout(checkout_request(Money.of("20", "USD"), customer_email=""))

    assert raised.value.details["provider_message"] == "Stripe says no."
    assert raised.value.details["provider_status"] == status
    assert raised.value.details.get("provider_code") == code
    assert server.payment_intents == {}


async def test_a_wrong_api_key_is_a_provider_error_that_does_not_reveal_the_key(server: FakeStripe) -> None:
    gateway = make_gateway(server.base_url, secret_key="sk_test_wrong_key_123")
    try:
        with pytest.raises(PaymentProviderError) as raised:
            await gateway.fetch_payment("pi_123")
    finally:
        await gateway.aclose()

    assert raised.value.details["provider_status"] == 401
    assert "sk_test_wrong_key_123" not in json.dumps(raised.value.details)
    assert server.requests[0].headers["authorization"] == "Bearer sk_test_wrong_key_123"


async def test_a_rate_limit_is_unavailable(server: FakeStripe, gateway: StripeGateway) -> None:
    server.fail_next(429, error_type="invalid_request_error", code="rate_limit", message="Too many requests.")

    with pytest.raises(PaymentProviderUnavailable) as raised:
        await gateway.fetch_payment("pi_123")

    assert raised.value.details["provider_message"] == "Too many requests."


async def test_a_timeout_is_unavailable(server: FakeStripe) -> None:
    gateway = make_gateway(server.base_url, timeout_seconds=0.3)
    server.hang_next(5)
    try:
        with pytest.raises(PaymentProviderUnavailable):
            await gateway.create_checkout(checkout_request(Money.of("20", "USD"), customer_email=""))
    finally:
        await gateway.aclose()

    assert len(server.requests) == 1


async def test_a_refused_connection_is_unavailable() -> None:
    gateway = make_gateway(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(PaymentProviderUnavailable):
            await gateway.create_checkout(checkout_request(Money.of("20", "USD"), customer_email=""))
    finally:
        await gateway.aclose()


# --- fetch_payment --------------------------------------------------------------------------------


async def test_fetch_follows_the_intent_through_its_life(server: FakeStripe, gateway: StripeGateway) -> None:
    checkout = await gateway.create_checkout(checkout_request(Money.of("30.00", "USD")))
    intent_id = checkout.provider_payment_id

    pending = await gateway.fetch_payment(intent_id)
    server.mark_paid(intent_id)
    paid = await gateway.fetch_payment(intent_id)
    server.mark_refunded(intent_id)
    refunded = await gateway.fetch_payment(intent_id)

    assert (pending.status, pending.amount) == (PaymentStatus.PENDING, Money.of("30.00", "USD"))
    assert (paid.status, paid.amount, paid.failure_reason) == (PaymentStatus.SUCCEEDED, Money.of("30.00", "USD"), None)
    assert refunded.status is PaymentStatus.REFUNDED
    retrieve = server.requests_to("GET", f"/v1/payment_intents/{intent_id}")[-1]
    assert retrieve.query == {"expand": ["latest_charge"]}


async def test_fetch_reports_a_partial_refund_as_still_paid(server: FakeStripe, gateway: StripeGateway) -> None:
    intent_id = (await gateway.create_checkout(checkout_request(Money.of("30.00", "USD")))).provider_payment_id
    server.mark_paid(intent_id)
    server.mark_refunded(intent_id, amount=1000)

    state = await gateway.fetch_payment(intent_id)

    assert state.status is PaymentStatus.SUCCEEDED


async def test_fetch_reports_a_declined_or_canceled_intent_as_failed(
    server: FakeStripe, gateway: StripeGateway
) -> None:
    declined = (await gateway.create_checkout(checkout_request(Money.of("30", "USD")))).provider_payment_id
    canceled = (await gateway.create_checkout(checkout_request(Money.of("30", "USD")))).provider_payment_id
    server.mark_failed(declined, message="Your card has insufficient funds.")
    server.payment_intents[canceled]["status"] = "canceled"

    declined_state = await gateway.fetch_payment(declined)
    canceled_state = await gateway.fetch_payment(canceled)

    assert (declined_state.status, declined_state.failure_reason) == (
        PaymentStatus.FAILED,
        "Your card has insufficient funds.",
    )
    assert (canceled_state.status, canceled_state.failure_reason) == (PaymentStatus.FAILED, "canceled")


async def test_fetching_an_intent_with_an_amount_its_currency_cannot_carry_is_a_provider_error(
    server: FakeStripe, gateway: StripeGateway
) -> None:
    intent_id = (await gateway.create_checkout(checkout_request(Money.of("500", "ISK")))).provider_payment_id
    sent = server.payment_intents[intent_id]["amount"]
    # Stripe counts ISK in hundredths while the krona has no minor unit: 500.50 ISK is no amount at all.
    server.payment_intents[intent_id]["amount"] = 50050

    with pytest.raises(PaymentProviderError):
        await gateway.fetch_payment(intent_id)

    assert sent == 50000


async def test_fetching_an_unknown_intent_is_a_provider_error(gateway: StripeGateway) -> None:
    with pytest.raises(PaymentProviderError) as raised:
        await gateway.fetch_payment("pi_missing")

    assert raised.value.details["provider_code"] == "resource_missing"
    assert raised.value.details["provider_status"] == 404


# --- webhook signatures ---------------------------------------------------------------------------


async def test_a_signed_payment_succeeded_event_is_read(server: FakeStripe, gateway: StripeGateway) -> None:
    request = checkout_request(Money.of("5.120", "KWD"))
    checkout = await gateway.create_checkout(request)

    event = parse(gateway, server.mark_paid(checkout.provider_payment_id))

    assert event.kind is GatewayEventKind.PAYMENT_SUCCEEDED
    assert event.event_type == "payment_intent.succeeded"
    assert event.provider_event_id.startswith("evt_")
    assert event.provider_payment_id == checkout.provider_payment_id
    assert event.our_payment_id == request.payment_id
    assert event.amount == Money.of("5.120", "KWD")


def test_a_tampered_body_is_refused(server: FakeStripe, gateway: StripeGateway) -> None:
    webhook = server.webhook("payment_intent.succeeded", intent_object(amount=1000))
    tampered = webhook.body.replace(b'"amount_received": 1000', b'"amount_received": 9000')
    assert tampered != webhook.body

    with pytest.raises(InvalidWebhookSignature):
        gateway.parse_webhook(tampered, webhook.headers, {}, now=now())


def test_a_webhook_signed_with_another_secret_is_refused(server: FakeStripe, gateway: StripeGateway) -> None:
    webhook = server.webhook("payment_intent.succeeded", intent_object(), secret="whsec_someone_else")

    with pytest.raises(InvalidWebhookSignature):
        parse(gateway, webhook)


@pytest.mark.parametrize(
    "header",
    [None, "", "t=,v1=abc", "v1=abc", "t=1700000000", "t=1700000000,v0=abc", "t=12a,v1=abc", "garbage"],
)
def test_a_missing_or_malformed_signature_header_is_refused(
    server: FakeStripe, gateway: StripeGateway, header: str | None
) -> None:
    webhook = server.webhook("payment_intent.succeeded", intent_object())
    headers = {"content-type": "application/json"} if header is None else {"stripe-signature": header}

    with pytest.raises(InvalidWebhookSignature):
        gateway.parse_webhook(webhook.body, headers, {}, now=now())


def test_an_event_signed_more_than_five_minutes_before_now_is_refused(
    server: FakeStripe, gateway: StripeGateway
) -> None:
    signed_at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    webhook = server.webhook("payment_intent.succeeded", intent_object(), timestamp=int(signed_at.timestamp()))

    within = parse(gateway, webhook, at=signed_at + timedelta(seconds=300))
    with pytest.raises(InvalidWebhookSignature):
        parse(gateway, webhook, at=signed_at + timedelta(seconds=301))

    assert within.kind is GatewayEventKind.PAYMENT_SUCCEEDED


def test_a_signature_with_a_future_timestamp_passes_as_in_stripes_libraries(
    server: FakeStripe, gateway: StripeGateway
) -> None:
    signed_at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    webhook = server.webhook("payment_intent.succeeded", intent_object(), timestamp=int(signed_at.timestamp()))

    event = parse(gateway, webhook, at=signed_at - timedelta(hours=1))

    assert event.kind is GatewayEventKind.PAYMENT_SUCCEEDED


def test_any_matching_v1_signature_passes_during_a_secret_rotation(server: FakeStripe, gateway: StripeGateway) -> None:
    webhook = server.webhook("payment_intent.succeeded", intent_object())
    timestamp, good = webhook.headers["stripe-signature"].split(",")
    old = stripe_signature_header(webhook.body, "whsec_old", int(timestamp[2:])).split(",")[1]
    rotated = {"stripe-signature": f"{timestamp},{old},{good},v0=deadbeef"}

    event = gateway.parse_webhook(webhook.body, rotated, {}, now=now())

    assert event.kind is GatewayEventKind.PAYMENT_SUCCEEDED


def test_a_signed_body_that_is_not_an_event_is_malformed(server: FakeStripe, gateway: StripeGateway) -> None:
    for body in (b"not json", b'{"id": "evt_1", "type": "payment_intent.succeeded"}', b"\xff\xfe"):
        timestamp = int(now().timestamp())
        headers = {"stripe-signature": stripe_signature_header(body, WEBHOOK_SECRET, timestamp)}
        with pytest.raises(MalformedWebhook):
            gateway.parse_webhook(body, headers, {}, now=now())


def test_a_signed_event_whose_object_is_not_a_payment_intent_is_malformed(
    server: FakeStripe, gateway: StripeGateway
) -> None:
    webhook = server.webhook("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent"})

    with pytest.raises(MalformedWebhook):
        parse(gateway, webhook)


# --- known answers: the fake and the adapter agree with the official SDK ---------------------------


def test_the_fake_signs_exactly_as_the_stripe_sdk() -> None:
    payload = '{"id": "evt_test", "object": "event"}'

    ours = stripe_signature_header(payload.encode(), "whsec_test_secret", 1492774577)
    sdk = stripe.WebhookSignature.generate_signature_header(payload, "whsec_test_secret", timestamp=1492774577)

    assert ours == sdk


def test_the_sdk_accepts_the_fakes_webhooks(server: FakeStripe) -> None:
    webhook = server.webhook("payment_intent.succeeded", intent_object())

    event = stripe.Webhook.construct_event(webhook.body, webhook.headers["stripe-signature"], WEBHOOK_SECRET)

    assert event.type == "payment_intent.succeeded"


@given(
    body=st.text(max_size=200).map(lambda s: s.encode("utf-8")),
    secret=st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != ""),
    timestamp=st.integers(min_value=0, max_value=4_000_000_000),
    signed_with_secret=st.booleans(),
)
def test_the_adapter_verifies_as_the_sdk_does(
    body: bytes, secret: str, timestamp: int, signed_with_secret: bool
) -> None:
    signing_secret = secret if signed_with_secret else secret + "x"
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), signing_secret, timestamp=timestamp)
    at = datetime.fromtimestamp(timestamp, UTC)

    try:
        stripe.WebhookSignature.verify_header(body, header, secret)
        sdk_accepts = True
    except stripe.SignatureVerificationError:
        sdk_accepts = False
    try:
        verify_stripe_signature(body, header, secret, now=at, tolerance=300)
        we_accept = True
    except InvalidWebhookSignature:
        we_accept = False

    assert we_accept == sdk_accepts == signed_with_secret


# --- event mapping --------------------------------------------------------------------------------


def intent_object(*, amount: int = 1000, currency: str = "usd", payment_id: UUID | None = None) -> dict[str, Any]:
    return {
        "id": "pi_3Mtw",
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount,
        "currency": currency,
        "status": "succeeded",
        "metadata": {"lms_payment_id": str(payment_id or uuid4())},
        "last_payment_error": None,
        "latest_charge": "ch_1",
    }


async def test_a_failed_payment_carries_the_decline_message(server: FakeStripe, gateway: StripeGateway) -> None:
    request = checkout_request(Money.of("15", "USD"))
    intent_id = (await gateway.create_checkout(request)).provider_payment_id

    event = parse(gateway, server.mark_failed(intent_id, message="Your card was declined."))

    assert event.kind is GatewayEventKind.PAYMENT_FAILED
    assert (event.provider_payment_id, event.our_payment_id) == (intent_id, request.payment_id)
    assert event.failure_reason == "Your card was declined."
    assert event.amount == Money.of("15", "USD")


async def test_a_full_refund_is_a_refund_and_a_partial_one_is_ignored(
    server: FakeStripe, gateway: StripeGateway
) -> None:
    request = checkout_request(Money.of("500", "JPY"))
    intent_id = (await gateway.create_checkout(request)).provider_payment_id
    server.mark_paid(intent_id)

    partial = parse(gateway, server.mark_refunded(intent_id, amount=200))
    rest = parse(gateway, server.mark_refunded(intent_id))

    assert (partial.kind, partial.provider_payment_id, partial.amount) == (GatewayEventKind.IGNORED, intent_id, None)
    assert rest.kind is GatewayEventKind.PAYMENT_REFUNDED
    assert (rest.provider_payment_id, rest.our_payment_id) == (intent_id, request.payment_id)
    assert rest.amount == Money.of("500", "JPY")


async def test_a_dispute_is_a_chargeback_on_its_payment(server: FakeStripe, gateway: StripeGateway) -> None:
    intent_id = (await gateway.create_checkout(checkout_request(Money.of("42.50", "EUR")))).provider_payment_id
    server.mark_paid(intent_id)

    event = parse(gateway, server.open_dispute(intent_id, reason="fraudulent"))

    assert event.kind is GatewayEventKind.CHARGEBACK
    assert event.provider_payment_id == intent_id
    assert event.amount == Money.of("42.50", "EUR")
    assert event.failure_reason == "fraudulent"


@pytest.mark.parametrize("event_type", ["invoice.paid", "customer.created", "refund.created", "charge.succeeded"])
def test_other_events_are_verified_and_ignored(server: FakeStripe, gateway: StripeGateway, event_type: str) -> None:
    webhook = server.webhook(event_type, {"id": "obj_1", "object": "whatever"}, event_id="evt_other")

    event = parse(gateway, webhook)

    assert (event.kind, event.provider_event_id, event.event_type) == (
        GatewayEventKind.IGNORED,
        "evt_other",
        event_type,
    )


def test_an_ignored_event_still_needs_a_valid_signature(server: FakeStripe, gateway: StripeGateway) -> None:
    webhook = server.webhook("invoice.paid", {"id": "in_1"}, secret="whsec_someone_else")

    with pytest.raises(InvalidWebhookSignature):
        parse(gateway, webhook)


# --- subscriptions --------------------------------------------------------------------------------


async def test_create_subscription_makes_a_customer_and_an_incomplete_subscription(
    server: FakeStripe, gateway: StripeGateway
) -> None:
    request = SubscriptionRequest(
        subscription_id=uuid4(), price_id="price_monthly", customer_email="ada@example.com", customer_name="Ada"
    )

    created = await gateway.create_subscription(request)

    customer_call, subscription_call = server.requests
    assert customer_call.form == {"email": "ada@example.com", "name": "Ada"}
    assert subscription_call.form == {
        "customer": created.state.provider_customer_id,
        "items": [{"price": "price_monthly"}],
        "payment_behavior": "default_incomplete",
        "payment_settings": {"save_default_payment_method": "on_subscription"},
        "metadata": {"lms_subscription_id": str(request.subscription_id)},
        "expand": ["latest_invoice.confirmation_secret"],
    }
    assert subscription_call.headers["idempotency-key"] == f"lms-subscription-{request.subscription_id}"
    stored = server.subscriptions[created.state.provider_subscription_id]
    invoice = server.invoices[stored["latest_invoice"]]
    assert created.client_secret == invoice["confirmation_secret"]["client_secret"]
    item = stored["items"]["data"][0]
    assert created.state.status is SubscriptionStatus.INCOMPLETE
    assert created.state.price_id == "price_monthly"
    assert created.state.current_period_start == datetime.fromtimestamp(item["current_period_start"], UTC)
    assert created.state.current_period_end == datetime.fromtimestamp(item["current_period_end"], UTC)
    assert created.state.metadata == {"lms_subscription_id": str(request.subscription_id)}


async def test_create_subscription_with_an_unknown_price_is_a_provider_error(
    server: FakeStripe, gateway: StripeGateway
) -> None:
    customer_id = server.add_customer("ada@example.com")
    request = SubscriptionRequest(
        subscription_id=uuid4(),
        price_id="price_nope",
        customer_email="ada@example.com",
        customer_name="Ada",
        provider_customer_id=customer_id,
    )

    with pytest.raises(PaymentProviderError) as raised:
        await gateway.create_subscription(request)

    assert raised.value.details["provider_code"] == "resource_missing"
    assert server.subscriptions == {}


async def test_cancel_at_period_end_keeps_the_subscription_until_then(
    server: FakeStripe, gateway: StripeGateway
) -> None:
    created = await gateway.create_subscription(
        SubscriptionRequest(subscription_id=uuid4(), price_id="price_monthly", customer_email="a@b.c", customer_name="")
    )
    subscription_id = created.state.provider_subscription_id
    server.subscriptions[subscription_id]["status"] = "active"

    state = await gateway.cancel_subscription(subscription_id, at_period_end=True)

    update = server.requests_to("POST", f"/v1/subscriptions/{subscription_id}")[0]
    assert update.form == {"cancel_at_period_end": "true"}
    assert (state.status, state.cancel_at_period_end) == (SubscriptionStatus.ACTIVE, True)
    assert server.subscriptions[subscription_id]["cancel_at_period_end"] is True


async def test_cancel_now_deletes_the_subscription(server: FakeStripe, gateway: StripeGateway) -> None:
    created = await gateway.create_subscription(
        SubscriptionRequest(subscription_id=uuid4(), price_id="price_monthly", customer_email="a@b.c", customer_name="")
    )
    subscription_id = created.state.provider_subscription_id

    state = await gateway.cancel_subscription(subscription_id, at_period_end=False)

    assert [r.method for r in server.requests if r.path == f"/v1/subscriptions/{subscription_id}"] == ["DELETE"]
    assert state.status is SubscriptionStatus.CANCELED
    assert state.canceled_at == datetime.fromtimestamp(server.subscriptions[subscription_id]["canceled_at"], UTC)
    assert server.subscriptions[subscription_id]["status"] == "canceled"


@pytest.mark.parametrize(
    ("stripe_status", "ours"),
    [
        ("trialing", SubscriptionStatus.TRIAL),
        ("active", SubscriptionStatus.ACTIVE),
        ("past_due", SubscriptionStatus.PAST_DUE),
        ("unpaid", SubscriptionStatus.PAST_DUE),
        ("canceled", SubscriptionStatus.CANCELED),
        ("incomplete_expired", SubscriptionStatus.CANCELED),
        ("incomplete", SubscriptionStatus.INCOMPLETE),
        ("paused", SubscriptionStatus.INCOMPLETE),
    ],
)
async def test_subscription_events_carry_the_mapped_state(
    server: FakeStripe, gateway: StripeGateway, stripe_status: str, ours: SubscriptionStatus
) -> None:
    created = await gateway.create_subscription(
        SubscriptionRequest(subscription_id=uuid4(), price_id="price_monthly", customer_email="a@b.c", customer_name="")
    )

    event = parse(gateway, server.set_subscription_status(created.state.provider_subscription_id, stripe_status))

    assert event.kind is GatewayEventKind.SUBSCRIPTION_CHANGED
    assert event.subscription is not None
    assert event.subscription.status is ours
    assert event.subscription.provider_subscription_id == created.state.provider_subscription_id
    assert event.subscription.current_period_end == created.state.current_period_end
    assert event.subscription.price_id == "price_monthly"


@pytest.mark.parametrize("event_type", ["customer.subscription.created", "customer.subscription.deleted"])
async def test_created_and_deleted_subscription_events_are_changes(
    server: FakeStripe, gateway: StripeGateway, event_type: str
) -> None:
    created = await gateway.create_subscription(
        SubscriptionRequest(subscription_id=uuid4(), price_id="price_monthly", customer_email="a@b.c", customer_name="")
    )

    event = parse(gateway, server.subscription_event(created.state.provider_subscription_id, event_type))

    assert (event.kind, event.event_type) == (GatewayEventKind.SUBSCRIPTION_CHANGED, event_type)
    assert event.subscription == created.state


def test_a_subscription_event_in_the_pre_2025_shape_reads_the_period_from_the_subscription(
    server: FakeStripe, gateway: StripeGateway
) -> None:
    old_shape = {
        "id": "sub_old",
        "object": "subscription",
        "customer": "cus_old",
        "status": "active",
        "current_period_start": 1_700_000_000,
        "current_period_end": 1_702_592_000,
        "items": {"object": "list", "data": [{"id": "si_1", "price": {"id": "price_old"}}]},
    }

    event = parse(gateway, server.webhook("customer.subscription.updated", old_shape))

    assert event.subscription is not None
    assert event.subscription.current_period_start == datetime.fromtimestamp(1_700_000_000, UTC)
    assert event.subscription.current_period_end == datetime.fromtimestamp(1_702_592_000, UTC)


def test_a_subscription_event_with_an_unknown_status_is_malformed(server: FakeStripe, gateway: StripeGateway) -> None:
    webhook = server.webhook("customer.subscription.updated", {"id": "sub_1", "status": "hibernating"})

    with pytest.raises(MalformedWebhook):
        parse(gateway, webhook)


# --- amounts and settings -------------------------------------------------------------------------


@given(
    units=st.integers(min_value=1, max_value=10**12),
    currency=st.sampled_from(["USD", "EUR", "EGP", "JPY", "KRW", "KWD", "BHD", "OMR", "JOD", "TND", "CLP", "VND"]),
)
def test_any_stripe_amount_round_trips_through_money(units: int, currency: str) -> None:
    money = from_stripe_amount(units, currency.lower())

    assert money.currency == currency
    assert to_stripe_amount(money) == units
    assert money.amount == Decimal(units).scaleb(-stripe_exponent(currency))


def test_an_amount_finer_than_stripes_unit_is_refused() -> None:
    # The core counts BIF in hundredths; Stripe charges whole francs only.
    with pytest.raises(ValueError, match="more decimals"):
        to_stripe_amount(Money.of("10.50", "BIF"))


def test_from_settings_needs_both_secrets() -> None:
    assert StripeGateway.from_settings(Settings()) is None
    assert StripeGateway.from_settings(Settings(stripe_secret_key="sk_test_1")) is None
    assert StripeGateway.from_settings(Settings(stripe_webhook_secret="whsec_1")) is None


async def test_from_settings_reaches_the_configured_api_base(server: FakeStripe) -> None:
    settings = Settings(
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=server.base_url,
        payment_timeout_seconds=3,
    )
    gateway = StripeGateway.from_settings(settings)
    assert gateway is not None
    try:
        checkout = await gateway.create_checkout(checkout_request(Money.of("1", "USD"), customer_email=""))
    finally:
        await gateway.aclose()

    assert (gateway.provider, gateway.supports_subscriptions) == (Provider.STRIPE, True)
    assert list(server.payment_intents) == [checkout.provider_payment_id]
