"""Paymob through its classic Accept API: auth token, order, payment key, iframe; HMAC-signed callbacks.

Correlation: the Paymob order id is the provider payment id everywhere (checkout, callbacks, inquiry),
because `obj.order.id` is covered by the callback's HMAC while `merchant_order_id` is not. A callback's
`merchant_order_id` could be changed by anyone replaying a genuine callback, so it is never read as our
payment id: `GatewayEvent.our_payment_id` stays None and the service finds the payment by order id.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

import httpx

from lms_adapters.payments._paymob_transactions import (
    HMAC_FIELDS,
    is_ascii_digits,
    positive_id,
    transaction_hmac_message,
    transaction_outcome,
)
from lms_core.payments.entities import PaymentStatus, Provider
from lms_core.payments.errors import (
    InvalidWebhookSignature,
    MalformedWebhook,
    PaymentProviderError,
    PaymentProviderUnavailable,
    SubscriptionsNotSupported,
)
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

__all__ = ["DEFAULT_API_BASE", "HMAC_FIELDS", "PaymobGateway", "transaction_hmac_message"]

DEFAULT_API_BASE = "https://accept.paymob.com"

# Paymob rejects a payment key whose billing data lacks any of these; unknown ones are sent as "NA".
_BILLING_KEYS = (
    "apartment",
    "email",
    "floor",
    "first_name",
    "street",
    "building",
    "phone_number",
    "shipping_method",
    "postal_code",
    "city",
    "country",
    "last_name",
    "state",
)

# The auth token lives about an hour; renewing it well before keeps a request from racing its expiry.
_TOKEN_TTL_SECONDS = 50 * 60
_PAYMENT_KEY_EXPIRATION_SECONDS = 3600
_MAX_MESSAGE = 500


def _split_name(name: str) -> tuple[str, str]:
    parts = name.split()
    if not parts:
        return "NA", "NA"
    if len(parts) == 1:
        return parts[0], "NA"
    return parts[0], " ".join(parts[1:])


def _provider_message(response: httpx.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return response.text[:_MAX_MESSAGE]
    if isinstance(payload, Mapping):
        for key in ("detail", "message"):
            value = payload.get(key)
            if isinstance(value, str):
                return value[:_MAX_MESSAGE]
    return json.dumps(payload, sort_keys=True)[:_MAX_MESSAGE]


class PaymobGateway:
    """`PaymentGateway` for Paymob (classic Accept API, iframe payment page). No subscriptions."""

    def __init__(
        self,
        *,
        api_key: str,
        hmac_secret: str,
        integration_id: int,
        iframe_id: str,
        api_base: str = DEFAULT_API_BASE,
        timeout_seconds: float = 15.0,
    ) -> None:
        self._api_key = api_key
        self._hmac_secret = hmac_secret.encode()
        self._integration_id = integration_id
        self._iframe_id = iframe_id
        self._base = api_base.rstrip("/")
        self._client = httpx.AsyncClient(base_url=self._base, timeout=timeout_seconds)
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Self | None:
        """None when the deployment has not configured Paymob (any of its four keys missing)."""
        api_key = settings.paymob_api_key
        secret = settings.paymob_hmac_secret
        integration = settings.paymob_integration_id
        iframe = settings.paymob_iframe_id
        if not (api_key and secret and integration and iframe):
            return None
        if not is_ascii_digits(integration.strip()):
            raise ValueError("LMS_PAYMOB_INTEGRATION_ID must be Paymob's numeric integration id")
        return cls(
            api_key=api_key,
            hmac_secret=secret,
            integration_id=int(integration),
            iframe_id=iframe.strip(),
            api_base=settings.paymob_api_base,
            timeout_seconds=settings.payment_timeout_seconds,
        )

    @property
    def provider(self) -> Provider:
        return Provider.PAYMOB

    @property
    def supports_subscriptions(self) -> bool:
        return False

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- HTTP -----------------------------------------------------------------------------------------

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise PaymentProviderUnavailable("Paymob did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise PaymentProviderUnavailable("Paymob could not be reached") from exc
        if response.status_code >= 500:
            raise PaymentProviderUnavailable(f"Paymob answered {response.status_code}")
        return response

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            raise PaymentProviderError(
                f"Paymob refused the request ({response.status_code})",
                details={"provider_message": _provider_message(response), "status": response.status_code},
            )
        try:
            payload = json.loads(response.content, parse_float=Decimal)
        except ValueError as exc:
            raise PaymentProviderError("Paymob answered something that is not JSON") from exc
        if not isinstance(payload, dict):
            raise PaymentProviderError("Paymob answered an unexpected shape")
        return payload

    async def _auth_token(self) -> str:
        async with self._token_lock:
            if self._token is not None and time.monotonic() < self._token_expires:
                return self._token
            payload = self._json(await self._send("POST", "/api/auth/tokens", json={"api_key": self._api_key}))
            token = payload.get("token")
            if not isinstance(token, str) or not token:
                raise PaymentProviderError("Paymob's auth answer has no token")
            self._token = token
            self._token_expires = time.monotonic() + _TOKEN_TTL_SECONDS
            return token

    def _forget_token(self, token: str) -> None:
        if self._token == token:
            self._token = None

    async def _authed(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        """A call that carries the auth token (in the body for POST, as `token` for GET), renewed once on 401."""
        for attempt in range(2):
            token = await self._auth_token()
            if body is not None:
                response = await self._send(method, path, json={"auth_token": token, **body})
            else:
                response = await self._send(method, path, params={"token": token})
            if response.status_code != 401 or attempt == 1:
                return response
            self._forget_token(token)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- payments -------------------------------------------------------------------------------------

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        amount_cents = str(request.total.to_minor())
        currency = request.total.currency
        order_body: dict[str, Any] = {
            "delivery_needed": "false",
            "amount_cents": amount_cents,
            "currency": currency,
            "merchant_order_id": str(request.payment_id),
            "items": [],
        }
        response = await self._authed("POST", "/api/ecommerce/orders", order_body)
        if response.status_code == 422 and "duplicate" in _provider_message(response).lower():
            # Paymob takes a merchant order id once; checking out the same payment again (a closed payment
            # page) needs a new order. The reference is only a label for Paymob's dashboard: callbacks are
            # matched by order id, so a suffix changes nothing here.
            order_body["merchant_order_id"] = f"{request.payment_id}.{secrets.token_hex(4)}"
            response = await self._authed("POST", "/api/ecommerce/orders", order_body)
        order = self._json(response)
        order_id = order.get("id")
        if isinstance(order_id, bool) or not isinstance(order_id, int | str) or not is_ascii_digits(str(order_id)):
            raise PaymentProviderError("Paymob's order answer has no id")
        first_name, last_name = _split_name(request.customer_name)
        billing = dict.fromkeys(_BILLING_KEYS, "NA")
        billing.update(first_name=first_name, last_name=last_name, email=request.customer_email)
        key = self._json(
            await self._authed(
                "POST",
                "/api/acceptance/payment_keys",
                {
                    "amount_cents": amount_cents,
                    "expiration": _PAYMENT_KEY_EXPIRATION_SECONDS,
                    "order_id": int(order_id),
                    "billing_data": billing,
                    "currency": currency,
                    "integration_id": self._integration_id,
                    # A paid order cannot be paid a second time from a stale payment page.
                    "lock_order_when_paid": "true",
                },
            )
        )
        payment_key = key.get("token")
        if not isinstance(payment_key, str) or not payment_key:
            raise PaymentProviderError("Paymob's payment key answer has no token")
        url = httpx.URL(f"{self._base}/api/acceptance/iframes/{self._iframe_id}", params={"payment_token": payment_key})
        return Checkout(provider_payment_id=str(order_id), payment_url=str(url))

    async def fetch_payment(self, provider_payment_id: str) -> PaymentState:
        """The order's transaction as Paymob's transaction inquiry reports it; an order nobody has tried to
        pay yet has no transaction (404) and is pending while the order itself exists."""
        if not is_ascii_digits(provider_payment_id):
            raise PaymentProviderError("not a Paymob order id", details={"provider_message": "invalid order id"})
        response = await self._authed(
            "POST", "/api/ecommerce/orders/transaction_inquiry", {"order_id": int(provider_payment_id)}
        )
        if response.status_code == 404:
            self._json(await self._authed("GET", f"/api/ecommerce/orders/{provider_payment_id}"))
            return PaymentState(provider_payment_id=provider_payment_id, status=PaymentStatus.PENDING)
        payload = self._json(response)
        obj = payload.get("obj") if payload.get("type") == "TRANSACTION" else payload
        if not isinstance(obj, dict):
            raise PaymentProviderError("Paymob's inquiry answer is not a transaction")
        try:
            outcome = transaction_outcome(obj)
        except MalformedWebhook as exc:
            raise PaymentProviderError(f"Paymob's inquiry answer is unreadable: {exc.message}") from exc
        status = outcome.status or PaymentStatus.SUCCEEDED
        return PaymentState(
            provider_payment_id=provider_payment_id,
            status=status,
            amount=outcome.amount,
            failure_reason=outcome.failure_reason,
        )

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], query: Mapping[str, str], *, now: datetime
    ) -> GatewayEvent:
        """Verify a transaction-processed callback (HMAC-SHA512 in `?hmac=`) and read it.

        Paymob signs no timestamp, so there is no replay window: a replay is stopped by the event id
        (`txn:<transaction id>:<state>`). The state is part of it because the same transaction is reported
        again when it changes (pending then paid; paid then voided or refunded, partially more than once).
        """
        signature = query.get("hmac")
        if not signature:
            raise InvalidWebhookSignature("the Paymob callback has no hmac")
        try:
            payload = json.loads(body, parse_float=Decimal)
        except ValueError as exc:
            raise InvalidWebhookSignature("the Paymob callback body is not JSON, so it cannot be verified") from exc
        obj = payload.get("obj") if isinstance(payload, dict) else None
        if not isinstance(obj, dict) or payload.get("type") != "TRANSACTION":
            raise InvalidWebhookSignature("not a Paymob transaction callback, so it cannot be verified")
        expected = hmac.new(self._hmac_secret, transaction_hmac_message(obj).encode(), hashlib.sha512).hexdigest()
        # Bytes: compare_digest refuses a str with non-ASCII characters, which a forged query may carry.
        if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
            raise InvalidWebhookSignature("the Paymob callback's hmac does not match")

        order = obj.get("order")
        transaction_id = positive_id(obj.get("id"), "transaction id")
        order_id = positive_id(order.get("id") if isinstance(order, Mapping) else None, "order id")
        outcome = transaction_outcome(obj)
        return GatewayEvent(
            provider_event_id=f"txn:{transaction_id}:{outcome.key}",
            event_type="TRANSACTION",
            kind=outcome.kind,
            provider_payment_id=str(order_id),
            our_payment_id=None,
            amount=outcome.amount,
            failure_reason=outcome.failure_reason,
        )

    # -- subscriptions --------------------------------------------------------------------------------

    async def create_subscription(self, request: SubscriptionRequest) -> SubscriptionCheckout:
        raise SubscriptionsNotSupported("Paymob payments here are one-time only")

    async def cancel_subscription(self, provider_subscription_id: str, *, at_period_end: bool) -> SubscriptionState:
        raise SubscriptionsNotSupported("Paymob payments here are one-time only")
