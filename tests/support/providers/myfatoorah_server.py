"""A local HTTP server that speaks MyFatoorah's API v2 and sends its webhooks v1.

    with running_myfatoorah_server() as mf:
        gateway = MyFatoorahGateway(api_key=mf.api_key, webhook_secret=mf.webhook_secret, api_base=mf.base_url)
        ...  # the adapter calls POST /v2/SendPayment, /v2/GetPaymentStatus
        hook = mf.mark_paid(invoice_id)  # what MyFatoorah would POST to the webhook URL
        gateway.parse_webhook(hook.body, hook.lowercase_headers, hook.query, now=...)

Endpoints: `POST /v2/SendPayment`, `/v2/GetPaymentStatus` and `/v2/GetRefundStatus` (key type InvoiceId).
Every endpoint answers MyFatoorah's envelope `{"IsSuccess", "Message", "ValidationErrors", "Data"}`; a
request without the bearer key gets 401. Invoices live in memory. The signature is computed here from the
documented algorithm on its own, so a test that passes proves the adapter and this server agree with the
documentation, and the known-answer vectors tie both to MyFatoorah's library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import msgspec

FailureMode = Literal["500", "error", "unauthorized", "hang", "not_json"]

# Refund events leave `GatewayReference` out of the signature (refund data model page).
_UNSIGNED = {2: {"GatewayReference"}, 4: {"KycFeedback"}}


def myfatoorah_signature(data: Mapping[str, Any], event_type: int, secret: str) -> str:
    """MyFatoorah's webhook v1 signature, as its documentation describes it.

    Top-level `Data` properties in case-insensitive order, `key=value` joined by ",", null as empty;
    HMAC-SHA256 keyed by the secret's UTF-8 text, base64.
    """
    keys = sorted((k for k in data if k not in _UNSIGNED.get(event_type, set())), key=lambda k: k.lower())
    parts = []
    for key in keys:
        value = data[key]
        parts.append(f"{key}={'' if value is None else value}")
    message = ",".join(parts).encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class MyFatoorahWebhook:
    """One webhook request as MyFatoorah sends it."""

    body: bytes
    headers: dict[str, str]  # as sent: "MyFatoorah-Signature", "Content-Type"
    query: dict[str, str]

    @property
    def lowercase_headers(self) -> dict[str, str]:
        return {key.lower(): value for key, value in self.headers.items()}

    @property
    def json(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body, parse_float=Decimal)
        return loaded


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case keys
    body: bytes

    @property
    def json(self) -> Any:
        """The body with its numbers kept exact: a float would hide how the amount was written."""
        return json.loads(self.body, parse_float=Decimal)


@dataclass
class FakeTransaction:
    payment_id: str
    status: str  # GetPaymentStatus spelling: "InProgress", "Failed", "Succss"
    error: str | None = None
    payment_method: str = "KNET"
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class FakeRefund:
    refund_id: int
    reference: str
    amount: Decimal
    status: str  # "REFUNDED" or "CANCELED"


@dataclass
class FakeInvoice:
    invoice_id: int
    reference: str
    value: Decimal
    currency: str
    customer_name: str
    customer_email: str | None
    customer_reference: str | None
    user_defined_field: str | None
    callback_url: str | None
    error_url: str | None
    status: str = "Pending"  # "Pending", "Paid", "Canceled"
    transactions: list[FakeTransaction] = field(default_factory=list)
    refunds: list[FakeRefund] = field(default_factory=list)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def url(self) -> str:
        return f"https://demo.myfatoorah.com/KWT/ie/{self.reference}"


class FakeMyFatoorah:
    """The server's state and the test's controls; see the module docstring."""

    def __init__(self, *, api_key: str, webhook_secret: str, country: str = "KWT") -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.country = country
        self.base_url = ""
        self.requests: list[RecordedRequest] = []
        self.invoices: dict[int, FakeInvoice] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(994285)
        self._payment_ids = itertools.count(100202125611400734)
        self._refund_ids = itertools.count(2840)
        self._failures: list[tuple[FailureMode, str, str | None]] = []
        self._release = threading.Event()

    # ---- test controls -------------------------------------------------------------------------------

    def fail_next(
        self, mode: FailureMode, *, times: int = 1, message: str = "Invalid data", endpoint: str | None = None
    ) -> None:
        """Make the next `times` API requests (to `endpoint` only, e.g. "GetRefundStatus", when given) fail:
        "500" (HTTP 500), "error" (HTTP 400 with IsSuccess false and ValidationErrors), "unauthorized"
        (401), "not_json" (200 with an HTML page), or "hang" (no answer until the server stops, longer
        than any client timeout)."""
        path = f"/v2/{endpoint}" if endpoint else None
        with self._lock:
            self._failures.extend([(mode, message, path)] * times)

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == f"/v2/{endpoint}"]

    def invoice(self, invoice_id: int | str) -> FakeInvoice:
        return self.invoices[int(invoice_id)]

    def mark_paid(self, invoice_id: int | str, *, payment_method: str = "KNET") -> MyFatoorahWebhook:
        """A successful transaction: the invoice is Paid; returns the TransactionsStatusChanged webhook."""
        invoice = self.invoice(invoice_id)
        transaction = FakeTransaction(
            payment_id=str(next(self._payment_ids)), status="Succss", payment_method=payment_method
        )
        with self._lock:
            invoice.transactions.append(transaction)
            invoice.status = "Paid"
        return self.transaction_webhook(invoice, transaction, "SUCCESS")

    def mark_failed(
        self, invoice_id: int | str, *, error: str = "Insufficient funds", webhook_status: str = "FAILED"
    ) -> MyFatoorahWebhook:
        """A failed attempt: the invoice stays Pending (it can still be paid), as MyFatoorah keeps it."""
        invoice = self.invoice(invoice_id)
        transaction = FakeTransaction(payment_id=str(next(self._payment_ids)), status="Failed", error=error)
        with self._lock:
            invoice.transactions.append(transaction)
        return self.transaction_webhook(invoice, transaction, webhook_status)

    def mark_canceled(self, invoice_id: int | str) -> None:
        """The invoice was canceled (or expired) at MyFatoorah: GetPaymentStatus says Canceled."""
        with self._lock:
            self.invoice(invoice_id).status = "Canceled"

    def mark_refunded(
        self, invoice_id: int | str, *, amount: Decimal | None = None, status: str = "REFUNDED"
    ) -> MyFatoorahWebhook:
        """A refund MyFatoorah executed ("REFUNDED") or rejected ("CANCELED"), of the whole invoice unless
        `amount` is given; `GetRefundStatus` lists it from now on. Returns the RefundStatusChanged webhook."""
        invoice = self.invoice(invoice_id)
        refund_id = next(self._refund_ids)
        refund = FakeRefund(
            refund_id=refund_id, reference=f"2021{refund_id:06d}", amount=amount or invoice.value, status=status
        )
        with self._lock:
            invoice.refunds.append(refund)
        return self.refund_webhook(invoice, refund)

    def transaction_webhook(self, invoice: FakeInvoice, transaction: FakeTransaction, status: str) -> MyFatoorahWebhook:
        """The v1 TransactionsStatusChanged body MyFatoorah posts, fields in its documented order."""
        value = str(invoice.value)
        data: dict[str, Any] = {
            "InvoiceId": invoice.invoice_id,
            "InvoiceReference": invoice.reference,
            "CreatedDate": invoice.created.strftime("%d%m%Y%H%M%S"),
            "CustomerReference": invoice.customer_reference,
            "CustomerName": invoice.customer_name,
            "CustomerMobile": None,
            "CustomerEmail": invoice.customer_email,
            "TransactionStatus": status,
            "PaymentMethod": transaction.payment_method,
            "UserDefinedField": invoice.user_defined_field,
            "ReferenceId": f"{transaction.payment_id[-12:]}",
            "TrackId": f"{transaction.created:%d-%m-%Y}_{transaction.payment_id[-6:]}",
            "PaymentId": transaction.payment_id,
            "AuthorizationId": transaction.payment_id[-6:],
            "InvoiceValueInBaseCurrency": value,
            "BaseCurrency": invoice.currency,
            "InvoiceValueInDisplayCurreny": value,
            "DisplayCurrency": invoice.currency,
            "InvoiceValueInPayCurrency": value,
            "PayCurrency": invoice.currency,
        }
        return self.webhook(1, data, event="TransactionsStatusChanged")

    def refund_webhook(self, invoice: FakeInvoice, refund: FakeRefund) -> MyFatoorahWebhook:
        """The v1 RefundStatusChanged body MyFatoorah posts (GatewayReference is not signed)."""
        paid = next((t for t in invoice.transactions if t.status == "Succss"), None)
        data: dict[str, Any] = {
            "RefundId": refund.refund_id,
            "RefundReference": refund.reference,
            "CreatedDate": datetime.now(UTC).strftime("%d%m%Y%H%M%S"),
            "RefundStatus": refund.status,
            "Amount": str(refund.amount),
            "Comments": "refund requested by the merchant",
            "InvoiceId": invoice.invoice_id,
            "InvoiceRefernce": invoice.reference,
            "GatewayReference": {
                "PaymentId": paid.payment_id if paid else None,
                "AuthorizationId": None,
                "ReferenceId": None,
                "TransactionId": None,
                "RefundAmount": str(refund.amount),
                "Currency": invoice.currency,
                "PaymentMethod": paid.payment_method if paid else None,
            },
        }
        return self.webhook(2, data, event="RefundStatusChanged")

    def webhook(
        self,
        event_type: int,
        data: Mapping[str, Any],
        *,
        event: str = "TransactionsStatusChanged",
        secret: str | None = None,
        signature: str | None = None,
    ) -> MyFatoorahWebhook:
        """Any v1 webhook: the envelope around `data`, signed with `secret` (default: the server's) unless
        `signature` is given verbatim."""
        envelope = {
            "EventType": event_type,
            "Event": event,
            "DateTime": datetime.now(UTC).strftime("%d%m%Y%H%M%S"),
            "CountryIsoCode": self.country,
            "Data": dict(data),
        }
        body = json.dumps(envelope, ensure_ascii=False, default=str).encode()
        sig = (
            signature
            if signature is not None
            else myfatoorah_signature(data, event_type, secret or self.webhook_secret)
        )
        return MyFatoorahWebhook(
            body=body, headers={"Content-Type": "application/json", "MyFatoorah-Signature": sig}, query={}
        )

    # ---- the API -------------------------------------------------------------------------------------

    def _take_failure(self, path: str) -> tuple[FailureMode, str] | None:
        with self._lock:
            for index, (mode, message, only) in enumerate(self._failures):
                if only is None or only == path:
                    del self._failures[index]
                    return mode, message
            return None

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, str]:
        with self._lock:
            self.requests.append(RecordedRequest(method=method, path=path, headers=headers, body=body))
        failure = self._take_failure(path)
        if failure is not None:
            mode, message = failure
            if mode == "hang":
                self._release.wait()
                return 504, b"", "text/plain"
            if mode == "500":
                return 500, b"<html><body>Internal Server Error</body></html>", "text/html"
            if mode == "not_json":
                return 200, b"<html><body>maintenance</body></html>", "text/html"
            if mode == "unauthorized":
                return 401, b"", "text/plain"
            return _envelope(400, False, message, None, [{"Name": "InvoiceValue", "Error": message}])
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, b"", "text/plain"
        if method != "POST":
            return 405, b"", "text/plain"
        try:
            request = json.loads(body, parse_float=Decimal)
        except ValueError:
            return _envelope(400, False, "The request is invalid.", None, [{"Name": "body", "Error": "not JSON"}])
        if not isinstance(request, dict):
            return _envelope(400, False, "The request is invalid.", None, [{"Name": "body", "Error": "not an object"}])
        if path == "/v2/SendPayment":
            return self._send_payment(request)
        if path == "/v2/GetPaymentStatus":
            return self._payment_status(request)
        if path == "/v2/GetRefundStatus":
            return self._refund_status(request)
        return (
            404,
            json.dumps({"Message": f"No HTTP resource was found that matches the request URI '{path}'."}).encode(),
            "application/json",
        )

    def _send_payment(self, request: dict[str, Any]) -> tuple[int, bytes, str]:
        errors = []
        raw_value = request.get("InvoiceValue")
        # Only a JSON number counts: MyFatoorah's model types InvoiceValue as a decimal.
        value = (
            Decimal(raw_value)
            if isinstance(raw_value, Decimal | int) and not isinstance(raw_value, bool)
            else Decimal(0)
        )
        if value <= 0:
            errors.append({"Name": "InvoiceValue", "Error": "InvoiceValue must be a number greater than zero"})
        if not request.get("CustomerName"):
            errors.append({"Name": "CustomerName", "Error": "The CustomerName field is required."})
        if request.get("NotificationOption") not in ("LNK", "EML", "SMS", "ALL"):
            errors.append({"Name": "NotificationOption", "Error": "The NotificationOption field is required."})
        if request.get("NotificationOption") in ("EML", "ALL") and not request.get("CustomerEmail"):
            errors.append({"Name": "CustomerEmail", "Error": "The CustomerEmail field is required."})
        for url_field in ("CallBackUrl", "ErrorUrl"):
            if len(str(request.get(url_field) or "")) > 254:
                errors.append({"Name": url_field, "Error": f"The {url_field} must be at most 254 characters."})
        if errors:
            return _envelope(400, False, "Invalid data", None, errors)
        with self._lock:
            invoice_id = next(self._ids)
            invoice = FakeInvoice(
                invoice_id=invoice_id,
                reference=f"2021{invoice_id % 1000000:06d}",
                value=value,
                currency=str(request.get("DisplayCurrencyIso") or "KWD"),
                customer_name=str(request["CustomerName"]),
                customer_email=request.get("CustomerEmail"),
                customer_reference=request.get("CustomerReference"),
                user_defined_field=request.get("UserDefinedField"),
                callback_url=request.get("CallBackUrl"),
                error_url=request.get("ErrorUrl"),
            )
            self.invoices[invoice_id] = invoice
        return _envelope(
            200,
            True,
            "Invoice Created Successfully!",
            {
                "InvoiceId": invoice_id,
                "InvoiceURL": invoice.url,
                "CustomerReference": invoice.customer_reference,
                "UserDefinedField": invoice.user_defined_field,
            },
        )

    def _refund_status(self, request: dict[str, Any]) -> tuple[int, bytes, str]:
        if request.get("KeyType") != "InvoiceId":
            return _envelope(400, False, "Invalid data", None, [{"Name": "KeyType", "Error": "only InvoiceId here"}])
        try:
            invoice = self.invoices[int(str(request.get("Key")))]
        except (KeyError, ValueError):
            return _envelope(400, False, "Invalid key", None, [{"Name": "Key", "Error": "Invoice not found"}])
        with self._lock:
            results = [
                {
                    "RefundId": r.refund_id,
                    "RefundStatus": r.status.capitalize(),  # the inquiry writes "Refunded", the webhook "REFUNDED"
                    "InvoiceId": invoice.invoice_id,
                    "Amount": r.amount,
                    "RefundReference": r.reference,
                }
                for r in invoice.refunds
            ]
        return _envelope(200, True, "", {"RefundStatusResult": results})

    def _payment_status(self, request: dict[str, Any]) -> tuple[int, bytes, str]:
        if request.get("KeyType") != "InvoiceId":
            return _envelope(400, False, "Invalid data", None, [{"Name": "KeyType", "Error": "only InvoiceId here"}])
        try:
            invoice = self.invoices[int(str(request.get("Key")))]
        except (KeyError, ValueError):
            return _envelope(400, False, "Invalid key", None, [{"Name": "Key", "Error": "Invoice not found"}])
        with self._lock:
            transactions = [
                {
                    "TransactionDate": t.created.strftime("%Y-%m-%dT%H:%M:%S"),
                    "PaymentGateway": t.payment_method,
                    "PaymentId": t.payment_id,
                    "TransactionStatus": t.status,
                    "Error": t.error,
                }
                for t in invoice.transactions
            ]
            status = invoice.status
        return _envelope(
            200,
            True,
            "",
            {
                "InvoiceId": invoice.invoice_id,
                "InvoiceStatus": status,
                "InvoiceReference": invoice.reference,
                "CustomerReference": invoice.customer_reference,
                "CreatedDate": invoice.created.strftime("%Y-%m-%dT%H:%M:%S"),
                "InvoiceValue": invoice.value,
                "InvoiceDisplayValue": f"{invoice.value} {invoice.currency}",
                "CustomerName": invoice.customer_name,
                "CustomerEmail": invoice.customer_email,
                "UserDefinedField": invoice.user_defined_field,
                "InvoiceTransactions": transactions,
            },
        )


# Decimals go out as JSON numbers written verbatim ("2.500"), as MyFatoorah writes amounts.
_ENCODER = msgspec.json.Encoder(decimal_format="number")


def _envelope(
    status: int, success: bool, message: str, data: Any, errors: list[dict[str, str]] | None = None
) -> tuple[int, bytes, str]:
    body = {"IsSuccess": success, "Message": message, "ValidationErrors": errors, "Data": data}
    return status, _ENCODER.encode(body), "application/json; charset=utf-8"


def _handler_for(fake: FakeMyFatoorah) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload, content_type = fake.handle(self.command, self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_POST = _serve
        do_GET = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read `fake.requests` instead."""

    return Handler


@contextmanager
def running_myfatoorah_server(
    *, api_key: str = "mf-test-api-key", webhook_secret: str = "mf-test-webhook-secret", country: str = "KWT"
) -> Iterator[FakeMyFatoorah]:
    """Serve a `FakeMyFatoorah` on 127.0.0.1 and a free port for the duration of the block."""
    fake = FakeMyFatoorah(api_key=api_key, webhook_secret=webhook_secret, country=country)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="fake-myfatoorah", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake._release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
