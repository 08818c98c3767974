"""MyFatoorah (API v2) as a `PaymentGateway`: an invoice link per purchase, webhooks v1, status inquiry.

A purchase becomes an invoice created with `SendPayment` and `NotificationOption: "LNK"`: MyFatoorah
answers with the invoice's URL, where the learner chooses a payment method on MyFatoorah's own page, so
this engine never handles the choice of KNET, card or wallet. The invoice id is the provider payment id
everywhere (checkout, webhooks, `GetPaymentStatus`).

Webhooks are MyFatoorah's version 1 (chosen per account in its portal), whose signature is documented and
checked against the official library's own vectors. Version 2 bodies are refused as unverifiable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Self
from uuid import UUID

import httpx
import msgspec

from lms_adapters.settings import Settings
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
    GatewayEventKind,
    PaymentState,
    SubscriptionCheckout,
    SubscriptionRequest,
    SubscriptionState,
)
from lms_core.shared.money import Money, minor_digits

DEFAULT_API_BASE = "https://apitest.myfatoorah.com"
SIGNATURE_HEADER = "myfatoorah-signature"

TRANSACTIONS_STATUS_CHANGED = 1
REFUND_STATUS_CHANGED = 2
SUPPLIER_STATUS_CHANGED = 4

# Keys of `Data` that MyFatoorah leaves out of the signed string, by event type (webhook-signature page,
# refund data model; the official sample code also drops `KycFeedback` for supplier events).
_UNSIGNED_KEYS: dict[int, frozenset[str]] = {
    REFUND_STATUS_CHANGED: frozenset({"GatewayReference"}),
    SUPPLIER_STATUS_CHANGED: frozenset({"KycFeedback"}),
}

_TRANSACTION_KINDS: dict[str, GatewayEventKind] = {
    "SUCCESS": GatewayEventKind.PAYMENT_SUCCEEDED,
    "FAILED": GatewayEventKind.PAYMENT_FAILED,
    "CANCELED": GatewayEventKind.PAYMENT_FAILED,
}

# `GetPaymentStatus` reports Pending, Paid or Canceled; Expired is listed by the official library, and
# `DuplicatePayment` is a paid invoice there too.
_INVOICE_STATUSES: dict[str, PaymentStatus] = {
    "paid": PaymentStatus.SUCCEEDED,
    "duplicatepayment": PaymentStatus.SUCCEEDED,
    "pending": PaymentStatus.PENDING,
    "canceled": PaymentStatus.FAILED,
    "expired": PaymentStatus.FAILED,
}

# Decimal amounts go out as JSON numbers written with exactly the currency's decimals ("2.500"), never
# through a float that could turn 0.1 + 0.2 into 0.30000000000000004.
_ENCODER = msgspec.json.Encoder(decimal_format="number")


def signature_base(data: Mapping[str, Any], event_type: int) -> str:
    """The string MyFatoorah signs for a webhook v1 `Data` object.

    Top-level keys only, sorted case-insensitively the way PHP's `strcasecmp` does (ASCII letters folded,
    so `DepositedAmount` sorts before `DepositFor`), written `key=value` and joined by commas; null is the
    empty string and numbers keep their JSON text.
    """
    unsigned = _UNSIGNED_KEYS.get(event_type, frozenset())
    keys = sorted((key for key in data if key not in unsigned), key=lambda key: key.encode().lower())
    return ",".join(f"{key}={_signed_value(data[key])}" for key in keys)


def sign(data: Mapping[str, Any], event_type: int, secret: str) -> str:
    """HMAC-SHA256 of `signature_base` keyed by the secret's text (it looks like base64 but is not decoded),
    in standard base64 with padding."""
    digest = hmac.new(secret.encode(), signature_base(data, event_type).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _signed_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        # PHP's string form of a boolean, as MyFatoorah's reference implementation writes it.
        return "1" if value else ""
    if isinstance(value, str | int | Decimal):
        return str(value)
    raise InvalidWebhookSignature("the webhook's data holds a nested value that has no documented signed form")


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _money(value: object, currency: object) -> Money | None:
    amount = _decimal(value)
    if amount is None or not isinstance(currency, str):
        return None
    try:
        return Money(amount, currency.strip().upper())
    except (ValueError, TypeError):
        return None


def _our_payment_id(data: Mapping[str, Any]) -> UUID | None:
    for key in ("CustomerReference", "UserDefinedField"):
        value = data.get(key)
        if isinstance(value, str):
            try:
                return UUID(value)
            except ValueError:
                continue
    return None


def _required_text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise MalformedWebhook(f"the webhook's data has no {key}")
    return str(value).strip()


def _optional_text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None or isinstance(value, bool) else str(value)


class MyFatoorahGateway:
    """MyFatoorah API v2 over httpx with a bearer API key; one-time payments only."""

    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str,
        api_base: str = DEFAULT_API_BASE,
        timeout_seconds: float = 15.0,
    ) -> None:
        if not api_key or not webhook_secret:
            raise ValueError("MyFatoorah needs an API key and a webhook secret")
        self._webhook_secret = webhook_secret
        self._client = httpx.AsyncClient(
            base_url=api_base.rstrip("/"),
            timeout=httpx.Timeout(timeout_seconds),
            headers={
                "Authorization": f"Bearer {api_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Self | None:
        if not settings.myfatoorah_api_key or not settings.myfatoorah_webhook_secret:
            return None
        return cls(
            api_key=settings.myfatoorah_api_key,
            webhook_secret=settings.myfatoorah_webhook_secret,
            api_base=settings.myfatoorah_api_base,
            timeout_seconds=settings.payment_timeout_seconds,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def provider(self) -> Provider:
        return Provider.MYFATOORAH

    @property
    def supports_subscriptions(self) -> bool:
        return False

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        total = request.total
        value = total.amount.quantize(Decimal(1).scaleb(-minor_digits(total.currency)))
        body: dict[str, object] = {
            "InvoiceValue": value,
            "DisplayCurrencyIso": total.currency,
            "NotificationOption": "LNK",
            "CustomerName": request.customer_name,
            "CustomerReference": str(request.payment_id),
            "UserDefinedField": str(request.payment_id),
        }
        if request.customer_email:
            body["CustomerEmail"] = request.customer_email
        if request.return_url:
            body["CallBackUrl"] = request.return_url
            body["ErrorUrl"] = request.return_url
        data = await self._call("SendPayment", body)
        invoice_id = data.get("InvoiceId")
        url = data.get("InvoiceURL")
        if isinstance(invoice_id, bool) or not isinstance(invoice_id, int | str) or not isinstance(url, str) or not url:
            raise PaymentProviderError("MyFatoorah answered SendPayment without an invoice id and URL")
        return Checkout(provider_payment_id=str(invoice_id), payment_url=url)

    async def fetch_payment(self, provider_payment_id: str) -> PaymentState:
        data = await self._call("GetPaymentStatus", {"Key": provider_payment_id, "KeyType": "InvoiceId"})
        raw_status = data.get("InvoiceStatus")
        status = _INVOICE_STATUSES.get(raw_status.lower()) if isinstance(raw_status, str) else None
        if status is None:
            raise PaymentProviderError(
                "MyFatoorah reported an unknown invoice status",
                details={"provider_message": str(raw_status)},
            )
        if status is PaymentStatus.SUCCEEDED and await self._refunded_in_full(provider_payment_id, data):
            status = PaymentStatus.REFUNDED
        return PaymentState(
            provider_payment_id=provider_payment_id,
            status=status,
            amount=self._invoice_amount(data),
            failure_reason=self._transaction_error(data) if status is PaymentStatus.FAILED else None,
        )

    async def _refunded_in_full(self, invoice_id: str, status: Mapping[str, Any]) -> bool:
        """Whether executed refunds cover the invoice: `GetPaymentStatus` says Paid either way.

        Refund amounts and `InvoiceValue` are both in the account's currency, so they compare directly.
        A refused inquiry leaves the payment as paid: the refund is then missed, never invented.
        """
        total = _decimal(status.get("InvoiceValue"))
        if total is None or total <= 0:
            return False
        try:
            data = await self._call("GetRefundStatus", {"Key": invoice_id, "KeyType": "InvoiceId"})
        except PaymentProviderError:
            return False
        results = data.get("RefundStatusResult")
        if not isinstance(results, list):
            return False
        refunded = Decimal(0)
        for refund in results:
            if isinstance(refund, dict) and str(refund.get("RefundStatus", "")).lower() == "refunded":
                refunded += _decimal(refund.get("Amount")) or Decimal(0)
        return refunded >= total

    @staticmethod
    def _invoice_amount(data: Mapping[str, Any]) -> Money | None:
        # "10.000 KWD": the value and the currency the learner was shown, which is what we charged.
        display = data.get("InvoiceDisplayValue")
        if isinstance(display, str) and len(parts := display.split()) == 2:
            return _money(parts[0].replace(",", ""), parts[1])
        return None

    @staticmethod
    def _transaction_error(data: Mapping[str, Any]) -> str | None:
        transactions = data.get("InvoiceTransactions")
        if not isinstance(transactions, list):
            return None
        errors = [t.get("Error") for t in transactions if isinstance(t, dict) and t.get("Error")]
        return str(errors[-1])[:500] if errors else None

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], query: Mapping[str, str], *, now: datetime
    ) -> GatewayEvent:
        """Verify a webhook v1 request and read its event.

        Only `Data` is signed; the envelope (`EventType`, `DateTime`) is not, so the kind is read from the
        signed fields and an envelope that contradicts them is refused. For the same reason there is no
        freshness window: the unsigned `DateTime` proves nothing, and a replayed body yields the same
        `provider_event_id`, which the engine stores once.
        """
        del query, now  # v1 signs neither a timestamp nor anything in the URL
        signature = headers.get(SIGNATURE_HEADER, "").strip()
        if not signature:
            raise InvalidWebhookSignature("the MyFatoorah-Signature header is missing")
        try:
            envelope = json.loads(body, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            raise InvalidWebhookSignature("the webhook body is not JSON, so its signature cannot be checked") from None
        if not isinstance(envelope, dict) or not isinstance(envelope.get("Data"), dict):
            raise InvalidWebhookSignature("the webhook has no Data object to check the signature against")
        event_type = envelope.get("EventType")
        if isinstance(event_type, bool) or not isinstance(event_type, int):
            # Webhook v2 puts an `Event` object here; its signed fields are not documented precisely enough.
            raise InvalidWebhookSignature("not a MyFatoorah webhook v1 event (EventType is missing)")
        data: dict[str, Any] = envelope["Data"]
        expected = sign(data, event_type, self._webhook_secret)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise InvalidWebhookSignature("the MyFatoorah signature does not match")
        event_name = envelope.get("Event")
        name = event_name if isinstance(event_name, str) and event_name else f"EventType{event_type}"
        if event_type == TRANSACTIONS_STATUS_CHANGED:
            return self._transaction_event(name, data)
        if event_type == REFUND_STATUS_CHANGED:
            return self._refund_event(name, data)
        digest = hashlib.sha256(signature_base(data, event_type).encode()).hexdigest()
        return GatewayEvent(provider_event_id=f"{event_type}:{digest}", event_type=name, kind=GatewayEventKind.IGNORED)

    @staticmethod
    def _transaction_event(name: str, data: Mapping[str, Any]) -> GatewayEvent:
        invoice_id = _required_text(data, "InvoiceId")
        status = _required_text(data, "TransactionStatus").upper()
        kind = _TRANSACTION_KINDS.get(status, GatewayEventKind.IGNORED)
        # v1 events carry no id of their own. The invoice, the attempt (PaymentId) and the status it reached
        # are all signed: MyFatoorah's retries of one notification repeat them, so a replay is a no-op, while
        # a new attempt or a later status of the same attempt is a new event.
        event_id = f"{TRANSACTIONS_STATUS_CHANGED}:{invoice_id}:{status}:{_optional_text(data, 'PaymentId')}"
        return GatewayEvent(
            provider_event_id=event_id,
            event_type=name,
            kind=kind,
            provider_payment_id=invoice_id,
            our_payment_id=_our_payment_id(data),
            amount=_money(data.get("InvoiceValueInDisplayCurreny"), data.get("DisplayCurrency")),
            failure_reason=f"MyFatoorah transaction {status}" if kind is GatewayEventKind.PAYMENT_FAILED else None,
        )

    @staticmethod
    def _refund_event(name: str, data: Mapping[str, Any]) -> GatewayEvent:
        invoice_id = _required_text(data, "InvoiceId")
        status = _required_text(data, "RefundStatus").upper()
        refund = _optional_text(data, "RefundId") or _optional_text(data, "RefundReference")
        # A v1 refund reports the refunded amount (in the account's currency, with no currency code among
        # its signed fields) but not the invoice's total, so it cannot show that the refund was full;
        # partial refunds are allowed, and ending a learner's access on one would be wrong. The event is
        # stored, verified, and left for an administrator.
        return GatewayEvent(
            provider_event_id=f"{REFUND_STATUS_CHANGED}:{invoice_id}:{status}:{refund}",
            event_type=name,
            kind=GatewayEventKind.IGNORED,
            provider_payment_id=invoice_id,
        )

    async def create_subscription(self, request: SubscriptionRequest) -> SubscriptionCheckout:
        raise SubscriptionsNotSupported("MyFatoorah payments are one-time only in this engine")

    async def cancel_subscription(self, provider_subscription_id: str, *, at_period_end: bool) -> SubscriptionState:
        raise SubscriptionsNotSupported("MyFatoorah payments are one-time only in this engine")

    async def _call(self, endpoint: str, body: Mapping[str, object]) -> dict[str, Any]:
        """POST one v2 endpoint and return its `Data`, mapping every failure onto the port's errors."""
        try:
            response = await self._client.post(f"/v2/{endpoint}", content=_ENCODER.encode(body))
        except httpx.TimeoutException:
            raise PaymentProviderUnavailable(f"MyFatoorah did not answer {endpoint} in time") from None
        except httpx.TransportError:
            raise PaymentProviderUnavailable(f"MyFatoorah could not be reached for {endpoint}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise PaymentProviderUnavailable(
                f"MyFatoorah answered {endpoint} with HTTP {response.status_code}",
                details={"status": response.status_code},
            )
        try:
            payload = json.loads(response.content, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            payload = None
        if not isinstance(payload, dict):
            raise PaymentProviderError(
                f"MyFatoorah answered {endpoint} with HTTP {response.status_code} and no JSON envelope",
                details={"status": response.status_code},
            )
        # The official library ignores the HTTP status and trusts only `IsSuccess`, since error envelopes
        # come with varying statuses.
        data = payload.get("Data")
        if payload.get("IsSuccess") is not True or not isinstance(data, dict):
            raise PaymentProviderError(
                f"MyFatoorah refused {endpoint}",
                details={
                    "status": response.status_code,
                    "provider_message": _error_message(payload),
                    "validation_errors": _validation_errors(payload),
                },
            )
        return data


def _error_message(payload: Mapping[str, Any]) -> str:
    message = payload.get("Message")
    data = payload.get("Data")
    if isinstance(data, dict) and isinstance(data.get("ErrorMessage"), str) and data["ErrorMessage"]:
        message = data["ErrorMessage"] if not message else f"{message}: {data['ErrorMessage']}"
    return str(message) if message else "no message"


def _validation_errors(payload: Mapping[str, Any]) -> list[dict[str, str]]:
    found = payload.get("ValidationErrors") or payload.get("FieldsErrors") or []
    if not isinstance(found, list):
        return []
    return [
        {"name": str(item.get("Name", "")), "error": str(item.get("Error", ""))}
        for item in found
        if isinstance(item, dict)
    ]
