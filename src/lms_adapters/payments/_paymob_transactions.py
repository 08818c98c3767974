"""Reading a Paymob transaction (a callback's `obj` or an inquiry answer): its signed string and what it
says about the payment."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from lms_core.payments.entities import PaymentStatus
from lms_core.payments.errors import MalformedWebhook
from lms_core.payments.ports import GatewayEventKind
from lms_core.shared.money import Money

# The transaction callback's signed fields, in the order Paymob concatenates them (its HMAC docs).
# `error_occured` is Paymob's spelling.
HMAC_FIELDS: tuple[str, ...] = (
    "amount_cents",
    "created_at",
    "currency",
    "error_occured",
    "has_parent_transaction",
    "id",
    "integration_id",
    "is_3d_secure",
    "is_auth",
    "is_capture",
    "is_refunded",
    "is_standalone_payment",
    "is_voided",
    "order.id",
    "owner",
    "pending",
    "source_data.pan",
    "source_data.sub_type",
    "source_data.type",
    "success",
)


_MAX_MESSAGE = 500


def is_ascii_digits(text: str) -> bool:
    """`str.isdigit` also accepts digits such as "²" that `int()` refuses."""
    return text.isascii() and text.isdigit()


def hmac_value(value: object) -> str:
    # Paymob renders booleans lower case; Python's str(True) would be "True". The inquiry API gives
    # booleans as the strings "true"/"false", which pass through unchanged.
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lookup(obj: Mapping[str, Any], dotted: str) -> object:
    current: object = obj
    for part in dotted.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


def transaction_hmac_message(obj: Mapping[str, Any]) -> str:
    """The string Paymob signs for a transaction callback's `obj`."""
    return "".join(hmac_value(_lookup(obj, name)) for name in HMAC_FIELDS)


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return False


def _int(value: object, what: str) -> int:
    if isinstance(value, bool):
        raise MalformedWebhook(f"Paymob {what} is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and is_ascii_digits(value.strip().removeprefix("-")):
        return int(value.strip())
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    raise MalformedWebhook(f"Paymob {what} is not an integer")


def positive_id(value: object, what: str) -> int:
    """A Paymob id (transaction, order): a positive integer, as JSON number or digits."""
    if value is None:
        raise MalformedWebhook(f"the Paymob transaction has no {what}")
    number = _int(value, what)
    if number <= 0:
        raise MalformedWebhook(f"Paymob {what} is not a positive integer")
    return number


def _money(minor: object, currency: object, what: str) -> Money:
    if not isinstance(currency, str):
        raise MalformedWebhook(f"Paymob {what} has no currency")
    try:
        return Money.from_minor(_int(minor, what), currency.upper())
    except ValueError as exc:
        raise MalformedWebhook(f"Paymob {what} has an unreadable amount") from exc


def _failure_reason(obj: Mapping[str, Any]) -> str:
    data = obj.get("data")
    if isinstance(data, Mapping):
        for key in ("message", "txn_response_code"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:_MAX_MESSAGE]
    return "declined"


class Outcome:
    """What one transaction says about the payment (its order), from the signed flags first."""

    __slots__ = ("amount", "failure_reason", "key", "kind", "status")

    def __init__(
        self,
        *,
        kind: GatewayEventKind,
        status: PaymentStatus | None,
        key: str,
        amount: Money | None,
        reason: str | None,
    ) -> None:
        self.kind = kind
        self.status = status  # None: says nothing about the payment's status (a failed refund attempt)
        self.key = key
        self.amount = amount
        self.failure_reason = reason


def transaction_outcome(obj: Mapping[str, Any]) -> Outcome:
    amount = _money(obj.get("amount_cents"), obj.get("currency"), "transaction")
    order = obj.get("order")
    order_amount_cents = order.get("amount_cents") if isinstance(order, Mapping) else None
    success = _flag(obj.get("success"))
    pending = _flag(obj.get("pending"))

    if _flag(obj.get("is_void")) or _flag(obj.get("is_voided")):
        # A voided charge never settles: the money goes back as with a full refund.
        if _flag(obj.get("is_void")) and not success:
            return Outcome(kind=GatewayEventKind.IGNORED, status=None, key="void-failed", amount=None, reason=None)
        return Outcome(
            kind=GatewayEventKind.PAYMENT_REFUNDED,
            status=PaymentStatus.REFUNDED,
            key="voided",
            amount=amount,
            reason=None,
        )
    if _flag(obj.get("is_refund")):
        # The refund's own transaction: its amount is what was refunded, compared with the order's.
        if not success or pending or order_amount_cents is None:
            return Outcome(kind=GatewayEventKind.IGNORED, status=None, key="refund", amount=None, reason=None)
        full = _int(obj.get("amount_cents"), "refund amount") >= _int(order_amount_cents, "order amount")
        return Outcome(
            kind=GatewayEventKind.PAYMENT_REFUNDED if full else GatewayEventKind.IGNORED,
            status=PaymentStatus.REFUNDED if full else PaymentStatus.SUCCEEDED,
            key="refund",
            amount=amount,
            reason=None,
        )
    if _flag(obj.get("is_refunded")):
        refunded = obj.get("refunded_amount_cents")
        refunded_cents = _int(refunded, "refunded amount") if refunded is not None else 0
        full = refunded_cents >= _int(obj.get("amount_cents"), "transaction amount")
        return Outcome(
            kind=GatewayEventKind.PAYMENT_REFUNDED if full else GatewayEventKind.IGNORED,
            status=PaymentStatus.REFUNDED if full else PaymentStatus.SUCCEEDED,
            # Each further partial refund is its own event; the last one may complete the refund.
            key=f"refunded:{refunded_cents}",
            amount=Money.from_minor(refunded_cents, amount.currency) if full else None,
            reason=None,
        )
    if pending:
        return Outcome(
            kind=GatewayEventKind.IGNORED, status=PaymentStatus.PENDING, key="pending", amount=None, reason=None
        )
    if success:
        return Outcome(
            kind=GatewayEventKind.PAYMENT_SUCCEEDED,
            status=PaymentStatus.SUCCEEDED,
            key="succeeded",
            amount=amount,
            reason=None,
        )
    reason = _failure_reason(obj)
    return Outcome(
        kind=GatewayEventKind.PAYMENT_FAILED, status=PaymentStatus.FAILED, key="failed", amount=amount, reason=reason
    )
