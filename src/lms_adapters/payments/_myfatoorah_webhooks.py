"""MyFatoorah's webhooks v1: the documented signature over `Data`, and the events it carries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from lms_core.payments.errors import InvalidWebhookSignature, MalformedWebhook
from lms_core.payments.ports import GatewayEvent, GatewayEventKind
from lms_core.shared.money import Money

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


def decimal_or_none(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def money_or_none(value: object, currency: object) -> Money | None:
    amount = decimal_or_none(value)
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


def read_webhook(body: bytes, headers: Mapping[str, str], secret: str) -> GatewayEvent:
    """Verify a webhook v1 request and read its event.

    Only `Data` is signed; the envelope (`EventType`, `DateTime`) is not, so the kind is read from the
    signed fields and an envelope that contradicts them is refused. For the same reason there is no
    freshness window: the unsigned `DateTime` proves nothing, and a replayed body yields the same
    `provider_event_id`, which the engine stores once.
    """
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
    expected = sign(data, event_type, secret)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise InvalidWebhookSignature("the MyFatoorah signature does not match")
    event_name = envelope.get("Event")
    name = event_name if isinstance(event_name, str) and event_name else f"EventType{event_type}"
    if event_type == TRANSACTIONS_STATUS_CHANGED:
        return _transaction_event(name, data)
    if event_type == REFUND_STATUS_CHANGED:
        return _refund_event(name, data)
    digest = hashlib.sha256(signature_base(data, event_type).encode()).hexdigest()
    return GatewayEvent(provider_event_id=f"{event_type}:{digest}", event_type=name, kind=GatewayEventKind.IGNORED)


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
        amount=money_or_none(data.get("InvoiceValueInDisplayCurreny"), data.get("DisplayCurrency")),
        failure_reason=f"MyFatoorah transaction {status}" if kind is GatewayEventKind.PAYMENT_FAILED else None,
    )


def _refund_event(name: str, data: Mapping[str, Any]) -> GatewayEvent:
    invoice_id = _required_text(data, "InvoiceId")
    status = _required_text(data, "RefundStatus").upper()
    refund = _optional_text(data, "RefundId") or _optional_text(data, "RefundReference")
    # A v1 refund reports the refunded amount (in the account's currency, with no currency code among
    # its signed fields) but not the invoice's total, so it cannot show that the refund was full;
    # partial refunds are allowed, and ending a learner's access on one would be wrong. A refund that went
    # through is reported as such, and the service asks `fetch_payment`, which tells a full refund by adding
    # up GetRefundStatus; other refund statuses change nothing.
    return GatewayEvent(
        provider_event_id=f"{REFUND_STATUS_CHANGED}:{invoice_id}:{status}:{refund}",
        event_type=name,
        kind=GatewayEventKind.REFUND_REPORTED if status == "REFUNDED" else GatewayEventKind.IGNORED,
        provider_payment_id=invoice_id,
    )
