"""MyFatoorah (API v2) as a `PaymentGateway`: an invoice link per purchase, webhooks v1, status inquiry.

A purchase becomes an invoice created with `SendPayment` and `NotificationOption: "LNK"`: MyFatoorah
answers with the invoice's URL, where the learner chooses a payment method on MyFatoorah's own page, so
this engine never handles the choice of KNET, card or wallet. The invoice id is the provider payment id
everywhere (checkout, webhooks, `GetPaymentStatus`).

Webhooks are MyFatoorah's version 1 (chosen per account in its portal), whose signature is documented and
checked against the official library's own vectors. Version 2 bodies are refused as unverifiable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Self

import httpx
import msgspec

from lms_adapters.payments._myfatoorah_webhooks import (
    SIGNATURE_HEADER,
    decimal_or_none,
    money_or_none,
    read_webhook,
    sign,
    signature_base,
)
from lms_adapters.settings import Settings
from lms_core.payments.entities import PaymentStatus, Provider
from lms_core.payments.errors import (
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
from lms_core.shared.money import Money, minor_digits

__all__ = ["DEFAULT_API_BASE", "SIGNATURE_HEADER", "MyFatoorahGateway", "sign", "signature_base"]

DEFAULT_API_BASE = "https://apitest.myfatoorah.com"

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
        total = decimal_or_none(status.get("InvoiceValue"))
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
                refunded += decimal_or_none(refund.get("Amount")) or Decimal(0)
        return refunded >= total

    @staticmethod
    def _invoice_amount(data: Mapping[str, Any]) -> Money | None:
        # "10.000 KWD": the value and the currency the learner was shown, which is what we charged.
        display = data.get("InvoiceDisplayValue")
        if isinstance(display, str) and len(parts := display.split()) == 2:
            return money_or_none(parts[0].replace(",", ""), parts[1])
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
        """Verify a webhook v1 request and read its event (see `read_webhook`); v1 signs neither a time
        nor anything in the URL, so `query` and `now` play no part."""
        del query, now
        return read_webhook(body, headers, self._webhook_secret)

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
        if response.status_code in (401, 403):
            raise PaymentProviderError(
                f"MyFatoorah refused the API key for {endpoint}", details={"status": response.status_code}
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
