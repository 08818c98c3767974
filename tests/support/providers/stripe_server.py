"""A local HTTP server that speaks the part of Stripe's API the Stripe gateway uses.

It answers what the official SDK sends (form-encoded bodies with bracketed keys, `Authorization: Bearer`,
`Idempotency-Key`) with Stripe's JSON objects and error envelope, keeps the objects it made, and builds
webhook requests signed as Stripe signs them (`Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256>`).

    with running_stripe_server() as stripe_server:
        gateway = StripeGateway(secret_key=stripe_server.api_key, webhook_secret=stripe_server.webhook_secret,
                                api_base=stripe_server.base_url, ...)
        checkout = await gateway.create_checkout(...)
        body, headers, query = stripe_server.mark_paid(checkout.provider_payment_id)

Test controls: `fail_next(...)`, `hang_next(...)`, `add_price(...)`, `add_customer(...)`, `mark_paid(...)`,
`mark_failed(...)`, `mark_refunded(...)`, `open_dispute(...)`, `set_subscription_status(...)`,
`subscription_event(...)`, `webhook(...)`, and the recorded `requests` (`requests_to(method, path)`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2026-10-28.endive"
_THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
_PERIOD_SECONDS = 30 * 24 * 3600


class WebhookRequest(NamedTuple):
    """A webhook as Stripe would POST it: the raw body, lower-case headers, and the (empty) query."""

    body: bytes
    headers: dict[str, str]
    query: dict[str, str]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, Any]  # bracket-decoded, like `form`
    form: dict[str, Any]  # the body, bracket-decoded: {"metadata": {"k": "v"}, "items": [{"price": "p"}]}
    raw_body: str
    headers: dict[str, str]  # lower-case names


@dataclass(frozen=True)
class _Failure:
    status: int
    error_type: str
    message: str
    code: str | None
    hang_seconds: float


class StripeApiError(Exception):
    def __init__(
        self, status: int, error_type: str, message: str, *, code: str | None = None, param: str | None = None
    ):
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"type": error_type, "message": message}
        if code is not None:
            self.body["code"] = code
        if param is not None:
            self.body["param"] = param


def stripe_signature_header(body: bytes, secret: str, timestamp: int) -> str:
    """`Stripe-Signature` for `body`: HMAC-SHA256 keyed by the secret over `"{t}.{body}"`, lower-case hex."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


_KEY_PART = re.compile(r"\[([^\]]*)\]")


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding back into nested values: `a[b]=1` is {"a": {"b": "1"}}, `l[0][x]=1` a list."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head, *_KEY_PART.findall("[" + rest)] if rest else [head]
        node: dict[str, Any] = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return {key: _lists(value) for key, value in root.items()}


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def _flag(value: Any) -> bool:
    return isinstance(value, str) and value == "true"


class FakeStripe:
    """The state and behaviour behind the server; tests use it through `running_stripe_server()`."""

    def __init__(self, *, api_key: str, webhook_secret: str) -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.base_url = ""
        self.requests: list[RecordedRequest] = []
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.prices: dict[str, dict[str, Any]] = {}
        self._idempotent: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self._failures: list[_Failure] = []
        self._lock = threading.RLock()
        self.closing = threading.Event()
        self.add_price("price_monthly", unit_amount=1500, currency="usd")

    # --- test controls ----------------------------------------------------------------------------

    def add_price(self, price_id: str, *, unit_amount: int, currency: str, interval: str = "month") -> None:
        self.prices[price_id] = {
            "id": price_id,
            "object": "price",
            "unit_amount": unit_amount,
            "currency": currency,
            "recurring": {"interval": interval, "interval_count": 1},
        }

    def add_customer(self, email: str, name: str | None = None) -> str:
        """A customer Stripe already knows (as if made earlier); returns its id."""
        with self._lock:
            return str(self._create_customer({"email": email, "name": name})["id"])

    def fail_next(
        self,
        status: int = 500,
        *,
        count: int = 1,
        error_type: str = "api_error",
        message: str = "Something went wrong on Stripe's end.",
        code: str | None = None,
    ) -> None:
        """Answer the next `count` requests with `status` and Stripe's error body, without acting on them."""
        with self._lock:
            self._failures.extend([_Failure(status, error_type, message, code, 0.0)] * count)

    def hang_next(self, seconds: float, *, count: int = 1) -> None:
        """Hold the next `count` requests `seconds` long (past a client's timeout), then answer 500."""
        with self._lock:
            self._failures.extend([_Failure(500, "api_error", "too slow", None, seconds)] * count)

    def mark_paid(self, intent_id: str, *, timestamp: int | None = None) -> WebhookRequest:
        """The intent succeeds with a charge for its full amount; returns the `payment_intent.succeeded` webhook."""
        with self._lock:
            intent = self.payment_intents[intent_id]
            charge_id = self._new_id("ch")
            self.charges[charge_id] = {
                "id": charge_id,
                "object": "charge",
                "amount": intent["amount"],
                "amount_captured": intent["amount"],
                "amount_refunded": 0,
                "currency": intent["currency"],
                "payment_intent": intent_id,
                "metadata": dict(intent["metadata"]),
                "refunded": False,
                "disputed": False,
                "status": "succeeded",
            }
            intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=charge_id)
            intent["last_payment_error"] = None
            return self.webhook("payment_intent.succeeded", intent, timestamp=timestamp)

    def mark_failed(self, intent_id: str, *, message: str = "Your card was declined.") -> WebhookRequest:
        with self._lock:
            intent = self.payment_intents[intent_id]
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {"type": "card_error", "code": "card_declined", "message": message}
            return self.webhook("payment_intent.payment_failed", intent)

    def mark_refunded(self, intent_id: str, *, amount: int | None = None) -> WebhookRequest:
        """Refund `amount` (all of it by default) of the intent's charge; returns the `charge.refunded` webhook."""
        with self._lock:
            charge = self.charges[self.payment_intents[intent_id]["latest_charge"]]
            charge["amount_refunded"] += charge["amount"] - charge["amount_refunded"] if amount is None else amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            return self.webhook("charge.refunded", charge)

    def open_dispute(self, intent_id: str, *, reason: str = "fraudulent") -> WebhookRequest:
        with self._lock:
            charge = self.charges[self.payment_intents[intent_id]["latest_charge"]]
            charge["disputed"] = True
            dispute = {
                "id": self._new_id("dp"),
                "object": "dispute",
                "amount": charge["amount"],
                "currency": charge["currency"],
                "charge": charge["id"],
                "payment_intent": intent_id,
                "reason": reason,
                "status": "needs_response",
            }
            return self.webhook("charge.dispute.created", dispute)

    def set_subscription_status(self, subscription_id: str, status: str) -> WebhookRequest:
        with self._lock:
            self.subscriptions[subscription_id]["status"] = status
            return self.subscription_event(subscription_id, "customer.subscription.updated")

    def subscription_event(self, subscription_id: str, event_type: str) -> WebhookRequest:
        with self._lock:
            return self.webhook(event_type, self.subscriptions[subscription_id])

    def webhook(
        self,
        event_type: str,
        obj: dict[str, Any],
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        event_id: str | None = None,
    ) -> WebhookRequest:
        """A Stripe event around a copy of `obj`, signed with the webhook secret (or `secret`) at `timestamp`."""
        signed_at = int(time.time()) if timestamp is None else timestamp
        event = {
            "id": event_id or self._new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": signed_at,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
            "data": {"object": json.loads(json.dumps(obj))},
        }
        body = json.dumps(event, indent=2).encode("utf-8")
        header = stripe_signature_header(body, secret or self.webhook_secret, signed_at)
        return WebhookRequest(body, {"stripe-signature": header, "content-type": "application/json; charset=utf-8"}, {})

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # --- serving ----------------------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(request)
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            # An injected failure stands for an outage before Stripe processed anything, so it is not saved
            # under the request's idempotency key: the retry is processed afresh.
            if failure.hang_seconds:
                self.closing.wait(failure.hang_seconds)
            error = StripeApiError(failure.status, failure.error_type, failure.message, code=failure.code)
            return error.status, {"error": error.body}
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, {
                "error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_****"}
            }
        key = request.headers.get("idempotency-key") if request.method == "POST" else None
        with self._lock:
            if key is not None and key in self._idempotent:
                fingerprint, status, body = self._idempotent[key]
                if fingerprint != f"{request.path}?{request.raw_body}":
                    error = StripeApiError(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        "used with.",
                    )
                    return error.status, {"error": error.body}
                return status, body
            try:
                status, body = 200, self._route(request)
            except StripeApiError as exc:
                status, body = exc.status, {"error": exc.body}
            if key is not None:
                self._idempotent[key] = (f"{request.path}?{request.raw_body}", status, body)
            return status, json.loads(json.dumps(body))

    def _route(self, request: RecordedRequest) -> dict[str, Any]:
        parts = request.path.strip("/").split("/")
        expand = request.form.get("expand") or request.query.get("expand") or []
        match request.method, parts:
            case "POST", ["v1", "customers"]:
                return self._create_customer(request.form)
            case "POST", ["v1", "payment_intents"]:
                return self._create_intent(request.form)
            case "GET", ["v1", "payment_intents", intent_id]:
                intent = dict(self._get(self.payment_intents, intent_id, "payment_intent"))
                if "latest_charge" in expand and intent["latest_charge"]:
                    intent["latest_charge"] = self.charges[intent["latest_charge"]]
                return intent
            case "POST", ["v1", "subscriptions"]:
                return self._create_subscription(request.form, expand)
            case "POST", ["v1", "subscriptions", subscription_id]:
                subscription = self._get(self.subscriptions, subscription_id, "subscription")
                if "cancel_at_period_end" in request.form:
                    subscription["cancel_at_period_end"] = _flag(request.form["cancel_at_period_end"])
                    subscription["cancel_at"] = (
                        subscription["items"]["data"][0]["current_period_end"]
                        if subscription["cancel_at_period_end"]
                        else None
                    )
                return subscription
            case "DELETE", ["v1", "subscriptions", subscription_id]:
                subscription = self._get(self.subscriptions, subscription_id, "subscription")
                if subscription["status"] == "canceled":
                    raise StripeApiError(
                        400,
                        "invalid_request_error",
                        f"No such subscription: '{subscription_id}'",
                        code="resource_missing",
                    )
                now = int(time.time())
                subscription.update(status="canceled", canceled_at=now, ended_at=now)
                return subscription
        raise StripeApiError(
            404, "invalid_request_error", f"Unrecognized request URL ({request.method}: {request.path})"
        )

    def _create_customer(self, form: dict[str, Any]) -> dict[str, Any]:
        customer_id = self._new_id("cus")
        self.customers[customer_id] = {
            "id": customer_id,
            "object": "customer",
            "email": form.get("email"),
            "name": form.get("name"),
            "metadata": form.get("metadata", {}),
        }
        return self.customers[customer_id]

    def _create_intent(self, form: dict[str, Any]) -> dict[str, Any]:
        amount_text, currency = form.get("amount"), form.get("currency")
        if amount_text is None or not amount_text.isdigit():
            raise StripeApiError(400, "invalid_request_error", "Missing required param: amount.", param="amount")
        if not isinstance(currency, str) or not re.fullmatch(r"[a-z]{3}", currency):
            raise StripeApiError(400, "invalid_request_error", "Invalid currency.", param="currency")
        amount = int(amount_text)
        if amount < 1:
            raise StripeApiError(400, "invalid_request_error", "Amount must be at least 1.", param="amount")
        if currency in _THREE_DECIMAL and amount % 10:
            raise StripeApiError(
                400,
                "invalid_request_error",
                f"Invalid amount: {currency.upper()} amounts must be a multiple of 10 (the last digit must be 0).",
                param="amount",
                code="amount_invalid",
            )
        customer = form.get("customer")
        if customer is not None:
            self._get(self.customers, customer, "customer")
        intent_id = self._new_id("pi")
        self.payment_intents[intent_id] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": currency,
            "customer": customer,
            "description": form.get("description"),
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
            "created": int(time.time()),
            "livemode": False,
            "metadata": form.get("metadata", {}),
            "automatic_payment_methods": {"enabled": _flag(form.get("automatic_payment_methods", {}).get("enabled"))},
            "latest_charge": None,
            "last_payment_error": None,
            "status": "requires_payment_method",
        }
        return self.payment_intents[intent_id]

    def _create_subscription(self, form: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        if "latest_invoice.payment_intent" in expand:
            raise StripeApiError(
                400,
                "invalid_request_error",
                "This property cannot be expanded (latest_invoice.payment_intent) because it doesn't exist.",
            )
        customer = self._get(self.customers, form.get("customer", ""), "customer")
        items = form.get("items") or []
        if not items or "price" not in items[0]:
            raise StripeApiError(400, "invalid_request_error", "Missing required param: items.", param="items")
        price = self._get(self.prices, items[0]["price"], "price")
        now = int(time.time())
        subscription_id, invoice_id = self._new_id("sub"), self._new_id("in")
        intent = self._create_intent({"amount": str(price["unit_amount"]), "currency": price["currency"]})
        incomplete = form.get("payment_behavior") == "default_incomplete"
        self.invoices[invoice_id] = {
            "id": invoice_id,
            "object": "invoice",
            "status": "open",
            "amount_due": price["unit_amount"],
            "amount_paid": 0,
            "currency": price["currency"],
            "confirmation_secret": {"client_secret": intent["client_secret"], "type": "payment_intent"},
            "parent": {"subscription_details": {"subscription": subscription_id}},
        }
        self.subscriptions[subscription_id] = {
            "id": subscription_id,
            "object": "subscription",
            "customer": customer["id"],
            "status": "incomplete" if incomplete else "active",
            "cancel_at_period_end": False,
            "cancel_at": None,
            "canceled_at": None,
            "ended_at": None,
            "metadata": form.get("metadata", {}),
            "latest_invoice": invoice_id,
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": self._new_id("si"),
                        "object": "subscription_item",
                        "price": price,
                        "quantity": 1,
                        "current_period_start": now,
                        "current_period_end": now + _PERIOD_SECONDS,
                    }
                ],
            },
        }
        answer = dict(self.subscriptions[subscription_id])
        if "latest_invoice.confirmation_secret" in expand:
            answer["latest_invoice"] = self.invoices[invoice_id]
        return answer

    @staticmethod
    def _get(table: dict[str, dict[str, Any]], object_id: str, kind: str) -> dict[str, Any]:
        if object_id not in table:
            raise StripeApiError(
                404, "invalid_request_error", f"No such {kind}: '{object_id}'", code="resource_missing", param="id"
            )
        return table[object_id]

    @staticmethod
    def _new_id(prefix: str) -> str:
        return f"{prefix}_{secrets.token_hex(12)}"


def _handler_for(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8") if length else ""
            recorded = RecordedRequest(
                method=self.command,
                path=url.path,
                query=decode_form(parse_qsl(url.query, keep_blank_values=True)),
                form=decode_form(parse_qsl(raw, keep_blank_values=True)),
                raw_body=raw,
                headers={name.lower(): value for name, value in self.headers.items()},
            )
            status, body = fake.handle(recorded)
            payload = json.dumps(body).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (its timeout) while a hung answer was held back.
                pass

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_stripe_server(
    *, api_key: str = "sk_test_lms_fake", webhook_secret: str = "whsec_lms_fake"
) -> Iterator[FakeStripe]:
    """A `FakeStripe` served on 127.0.0.1 at a free port (`.base_url`) for the duration of the block."""
    fake = FakeStripe(api_key=api_key, webhook_secret=webhook_secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-stripe", daemon=True
    )
    thread.start()
    try:
        yield fake
    finally:
        fake.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
