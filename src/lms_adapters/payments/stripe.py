"""`PaymentGateway` for Stripe, through the official SDK's async client.

Payments are PaymentIntents confirmed by the browser with their `client_secret`; subscriptions are
Stripe Subscriptions created `default_incomplete`, whose first invoice the browser confirms the same way.
Every create carries an idempotency key derived from our own id, so a retried call (by the SDK after a
timeout, or by the engine reusing a pending payment) returns the object already made and never charges
twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

import msgspec
import stripe

from lms_adapters.payments._stripe_objects import (
    PAYMENT_METADATA_KEY,
    SUBSCRIPTION_METADATA_KEY,
    StripePaymentIntent,
    StripeSubscription,
    gateway_event,
    payment_state,
    read_object,
    subscription_state,
    to_stripe_amount,
    verify_stripe_signature,
)
from lms_core.payments.entities import Provider
from lms_core.payments.errors import PaymentProviderError, PaymentProviderUnavailable
from lms_core.payments.ports import (
    Checkout,
    CheckoutRequest,
    GatewayEvent,
    PaymentState,
    SubscriptionCheckout,
    SubscriptionRequest,
    SubscriptionState,
)

if TYPE_CHECKING:
    from lms_adapters.settings import Settings

# Stripe's own libraries refuse an event signed more than five minutes ago.
DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300
# One retry of a connection failure, a 409 or a 5xx is safe (every create is idempotency-keyed) and
# rides out a dropped connection; more would keep a learner's checkout waiting several timeouts long.
DEFAULT_MAX_NETWORK_RETRIES = 1


@contextmanager
def _provider_errors() -> Iterator[None]:
    """Stripe's exceptions as the port's: unreachable or overloaded is `Unavailable`, a refusal is `Error`."""
    try:
        yield
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        # A rate limit is Stripe saying "not now", like a connection failure: the same call may succeed later.
        raise PaymentProviderUnavailable(
            "Stripe could not be reached", details={"provider_message": _message(exc)}
        ) from exc
    except stripe.StripeError as exc:
        status = exc.http_status
        if isinstance(exc, stripe.APIError) and (status is None or status >= 500):
            raise PaymentProviderUnavailable(
                "Stripe is not available", details={"provider_message": _message(exc)}
            ) from exc
        details: dict[str, Any] = {"provider_message": _message(exc), "provider_status": status}
        if exc.code:
            details["provider_code"] = exc.code
        raise PaymentProviderError("Stripe refused the request", details=details) from exc


def _message(exc: stripe.StripeError) -> str:
    # `user_message` is the message of Stripe's error body; it never echoes the API key in full (Stripe masks
    # it), while `str(exc)` may add request ids and hints meant for the developer.
    return exc.user_message or type(exc).__name__


def _unexpected(what: str, exc: Exception) -> PaymentProviderError:
    return PaymentProviderError(f"Stripe answered an unexpected {what}", details={"provider_message": str(exc)})


class StripeGateway:
    """Stripe through `stripe.StripeClient` (async calls over httpx), pointed at `api_base` when given."""

    def __init__(
        self,
        *,
        secret_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        timeout_seconds: float = 15.0,
        max_network_retries: int = DEFAULT_MAX_NETWORK_RETRIES,
        webhook_tolerance_seconds: int = DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
    ) -> None:
        if not secret_key or not webhook_secret:
            raise ValueError("StripeGateway needs a secret key and a webhook secret")
        self._webhook_secret = webhook_secret
        self._tolerance = webhook_tolerance_seconds
        self._http = stripe.HTTPXClient(timeout=timeout_seconds)
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http,
            max_network_retries=max_network_retries,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Self | None:
        """None unless both the secret key and the webhook secret are set: without the webhook secret no
        payment could ever be confirmed."""
        if not settings.stripe_secret_key or not settings.stripe_webhook_secret:
            return None
        return cls(
            secret_key=settings.stripe_secret_key,
            webhook_secret=settings.stripe_webhook_secret,
            api_base=settings.stripe_api_base,
            timeout_seconds=settings.payment_timeout_seconds,
        )

    async def aclose(self) -> None:
        # The SDK leaves this method unannotated; it closes the httpx.AsyncClient the requests went through.
        await self._http.close_async()  # type: ignore[no-untyped-call]

    @property
    def provider(self) -> Provider:
        return Provider.STRIPE

    @property
    def supports_subscriptions(self) -> bool:
        return True

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        try:
            amount = to_stripe_amount(request.total)
        except ValueError as exc:
            raise PaymentProviderError(str(exc), details={"provider_message": str(exc)}) from exc
        key = f"lms-payment-{request.payment_id}"
        customer_id = request.provider_customer_id
        if customer_id is None and request.customer_email:
            customer_id = await self._create_customer(request.customer_email, request.customer_name, f"{key}-customer")
        params: stripe.params.PaymentIntentCreateParams = {
            "amount": amount,
            "currency": request.total.currency.lower(),
            "description": request.description,
            "metadata": {PAYMENT_METADATA_KEY: str(request.payment_id)},
            "automatic_payment_methods": {"enabled": True},
        }
        if customer_id is not None:
            params["customer"] = customer_id
        with _provider_errors():
            intent = await self._client.v1.payment_intents.create_async(params, options={"idempotency_key": key})
        if not intent.client_secret:
            raise PaymentProviderError("Stripe returned a PaymentIntent without a client secret")
        return Checkout(
            provider_payment_id=intent.id, client_secret=intent.client_secret, provider_customer_id=customer_id
        )

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], query: Mapping[str, str], *, now: datetime
    ) -> GatewayEvent:
        verify_stripe_signature(
            body, headers.get("stripe-signature"), self._webhook_secret, now=now, tolerance=self._tolerance
        )
        return gateway_event(body)

    async def fetch_payment(self, provider_payment_id: str) -> PaymentState:
        # The latest charge tells a refunded payment from a merely succeeded one.
        with _provider_errors():
            intent = await self._client.v1.payment_intents.retrieve_async(
                provider_payment_id, {"expand": ["latest_charge"]}
            )
        try:
            return payment_state(read_object(intent.to_dict(), StripePaymentIntent))
        except ValueError as exc:  # a shape msgspec refuses, or an amount the currency cannot carry
            raise _unexpected("PaymentIntent", exc) from exc

    async def create_subscription(self, request: SubscriptionRequest) -> SubscriptionCheckout:
        key = f"lms-subscription-{request.subscription_id}"
        customer_id = request.provider_customer_id
        if customer_id is None:
            customer_id = await self._create_customer(request.customer_email, request.customer_name, f"{key}-customer")
        with _provider_errors():
            created = await self._client.v1.subscriptions.create_async(
                {
                    "customer": customer_id,
                    "items": [{"price": request.price_id}],
                    "payment_behavior": "default_incomplete",
                    "payment_settings": {"save_default_payment_method": "on_subscription"},
                    "metadata": {SUBSCRIPTION_METADATA_KEY: str(request.subscription_id)},
                    # Since API 2025-03-31 an invoice has no `payment_intent`; its confirmation secret is the
                    # client secret of the payment that settles it.
                    "expand": ["latest_invoice.confirmation_secret"],
                },
                options={"idempotency_key": key},
            )
        subscription = self._read_subscription(created)
        return SubscriptionCheckout(state=self._state(subscription), client_secret=subscription.client_secret())

    async def cancel_subscription(self, provider_subscription_id: str, *, at_period_end: bool) -> SubscriptionState:
        with _provider_errors():
            if at_period_end:
                changed = await self._client.v1.subscriptions.update_async(
                    provider_subscription_id, {"cancel_at_period_end": True}
                )
            else:
                changed = await self._client.v1.subscriptions.cancel_async(provider_subscription_id)
        return self._state(self._read_subscription(changed))

    async def _create_customer(self, email: str, name: str, idempotency_key: str) -> str:
        params: stripe.params.CustomerCreateParams = {"email": email}
        if name:
            params["name"] = name
        with _provider_errors():
            customer = await self._client.v1.customers.create_async(
                params, options={"idempotency_key": idempotency_key}
            )
        return customer.id

    @staticmethod
    def _read_subscription(subscription: stripe.Subscription) -> StripeSubscription:
        try:
            return read_object(subscription.to_dict(), StripeSubscription)
        except msgspec.ValidationError as exc:
            raise _unexpected("Subscription", exc) from exc

    @staticmethod
    def _state(subscription: StripeSubscription) -> SubscriptionState:
        try:
            return subscription_state(subscription)
        except ValueError as exc:
            raise _unexpected("subscription status", exc) from exc
