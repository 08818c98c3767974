"""A local server speaking Paymob's classic Accept API, and the transaction callbacks Paymob sends.

    with running_paymob_server() as paymob:
        gateway = PaymobGateway(api_key=paymob.api_key, hmac_secret=paymob.hmac_secret,
                                integration_id=paymob.integration_id, iframe_id=paymob.iframe_id,
                                api_base=paymob.base_url)
        checkout = await gateway.create_checkout(...)          # creates an order here
        txn = paymob.mark_paid(int(checkout.provider_payment_id))
        body, headers, query = paymob.webhook(txn["id"])        # signed as Paymob signs it

Endpoints: POST /api/auth/tokens, POST /api/ecommerce/orders, POST /api/acceptance/payment_keys,
POST /api/ecommerce/orders/transaction_inquiry, GET /api/ecommerce/orders/{id}?token=,
GET /api/acceptance/transactions/{id}?token=. Auth tokens are checked on every call (401 when unknown
or expired through `expire_tokens()`).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# Paymob's documented order of the signed fields; kept here apart from the adapter's own list so that
# the fake signs callbacks independently of the code under test.
_SIGNED = [
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
]

BILLING_KEYS = frozenset(
    [
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
    ]
)


def sign_transaction(obj: dict[str, Any], secret: str) -> str:
    """HMAC-SHA512 (lower-case hex) of the signed fields of a transaction, as Paymob computes it."""
    parts: list[str] = []
    for name in _SIGNED:
        value: Any = obj
        for key in name.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        parts.append("true" if value is True else "false" if value is False else "" if value is None else str(value))
    return hmac.new(secret.encode(), "".join(parts).encode(), hashlib.sha512).hexdigest()


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    json: Any


@dataclass
class FakeOrder:
    id: int
    amount_cents: int
    currency: str
    merchant_order_id: str | None
    items: list[Any]
    created_at: str
    transactions: list[int] = field(default_factory=list)  # ids, oldest first


@dataclass
class _Failure:
    status: int
    body: Any
    hang_seconds: float


class FakePaymob:
    """State and behaviour of the fake; reachable from tests through `running_paymob_server()`."""

    def __init__(self, *, api_key: str, hmac_secret: str, integration_id: int, iframe_id: str) -> None:
        self.api_key = api_key
        self.hmac_secret = hmac_secret
        self.integration_id = integration_id
        self.iframe_id = iframe_id
        self.base_url = ""
        self.requests: list[RecordedRequest] = []
        self.orders: dict[int, FakeOrder] = {}
        self.transactions: dict[int, dict[str, Any]] = {}
        self.payment_keys: dict[str, dict[str, Any]] = {}  # payment token -> the request that made it
        self.tokens_issued = 0
        self._tokens: set[str] = set()
        self._failures: list[_Failure] = []
        self._ids = itertools.count(4_778_239)
        self._txn_ids = itertools.count(2_556_706)
        self._lock = threading.Lock()

    # -- test controls --------------------------------------------------------------------------------

    def fail_next(self, status: int = 500, *, body: Any = None, times: int = 1, hang_seconds: float = 0.0) -> None:
        """Answer the next `times` requests with `status` and `body` (after sleeping `hang_seconds`)."""
        payload = body if body is not None else {"detail": "Internal Server Error" if status >= 500 else "Bad request"}
        with self._lock:
            self._failures.extend(_Failure(status, payload, hang_seconds) for _ in range(times))

    def expire_tokens(self) -> None:
        """Every auth token issued so far is refused from now on (as after Paymob's one hour)."""
        with self._lock:
            self._tokens.clear()

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.rstrip("/") == path.rstrip("/")]

    def mark_paid(self, order_id: int, **overrides: Any) -> dict[str, Any]:
        """A successful card transaction on the order; returns it (its `id` names it in `webhook`)."""
        return self._add_transaction(order_id, success=True, message="Approved", overrides=overrides)

    def mark_failed(self, order_id: int, message: str = "Do not honour", **overrides: Any) -> dict[str, Any]:
        return self._add_transaction(order_id, success=False, message=message, overrides=overrides)

    def mark_pending(self, order_id: int, **overrides: Any) -> dict[str, Any]:
        return self._add_transaction(order_id, success=False, message="", overrides={"pending": True, **overrides})

    def mark_refunded(self, transaction_id: int, amount_cents: int | None = None) -> dict[str, Any]:
        """Refund (all, or `amount_cents` of) a paid transaction: the parent's flags change and the refund
        becomes a transaction of its own (`is_refund`, `has_parent_transaction`), which is returned."""
        with self._lock:
            parent = self.transactions[transaction_id]
            refund = amount_cents if amount_cents is not None else parent["amount_cents"]
            parent["refunded_amount_cents"] = parent.get("refunded_amount_cents", 0) + refund
            parent["is_refunded"] = True
        return self._add_transaction(
            parent["order"]["id"],
            success=True,
            message="Approved",
            overrides={
                "amount_cents": refund,
                "has_parent_transaction": True,
                "is_refund": True,
                "parent_transaction": transaction_id,
            },
            latest=False,
        )

    def mark_voided(self, transaction_id: int) -> dict[str, Any]:
        with self._lock:
            parent = self.transactions[transaction_id]
            parent["is_voided"] = True
            return parent

    def webhook(
        self, transaction_id: int, *, secret: str | None = None
    ) -> tuple[bytes, dict[str, str], dict[str, str]]:
        """The transaction-processed callback Paymob POSTs for a transaction: (body, headers, query)."""
        with self._lock:
            obj = json.loads(json.dumps(self.transactions[transaction_id]))
        body = json.dumps({"type": "TRANSACTION", "obj": obj}).encode()
        signature = sign_transaction(obj, secret if secret is not None else self.hmac_secret)
        return body, {"content-type": "application/json"}, {"hmac": signature}

    # -- state ----------------------------------------------------------------------------------------

    def _add_transaction(
        self, order_id: int, *, success: bool, message: str, overrides: dict[str, Any], latest: bool = True
    ) -> dict[str, Any]:
        with self._lock:
            order = self.orders[order_id]
            txn_id = next(self._txn_ids)
            txn: dict[str, Any] = {
                "id": txn_id,
                "pending": False,
                "amount_cents": order.amount_cents,
                "success": success,
                "is_auth": False,
                "is_capture": False,
                "is_standalone_payment": True,
                "is_voided": False,
                "is_refunded": False,
                "is_3d_secure": True,
                "integration_id": self.integration_id,
                "profile_id": 4705,
                "has_parent_transaction": False,
                "order": {
                    "id": order.id,
                    "created_at": order.created_at,
                    "delivery_needed": False,
                    "merchant": {"id": 4705},
                    "amount_cents": order.amount_cents,
                    "currency": order.currency,
                    "merchant_order_id": order.merchant_order_id,
                    "items": order.items,
                },
                "created_at": "2026-12-01T18:39:44.719228",
                "currency": order.currency,
                "error_occured": False,
                "owner": 4705,
                "source_data": {"type": "card", "pan": "2346", "sub_type": "MasterCard"},
                "refunded_amount_cents": 0,
                "data": {"message": message, "txn_response_code": "APPROVED" if success else "DECLINED"},
            }
            txn.update(overrides)
            self.transactions[txn_id] = txn
            if latest:
                order.transactions.append(txn_id)
            else:
                order.transactions.insert(0, txn_id)
            return txn

    def _take_failure(self) -> _Failure | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _authorised(self, token: object) -> bool:
        with self._lock:
            return isinstance(token, str) and token in self._tokens

    def handle(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        route = path.rstrip("/")
        if method == "POST" and route == "/api/auth/tokens":
            if not isinstance(body, dict) or body.get("api_key") != self.api_key:
                return 403, {"detail": "incorrect credentials"}
            with self._lock:
                self.tokens_issued += 1
                token = f"ZXlKaGJHY2lPaUpJVXpVeE1pSXNJbl-{self.tokens_issued}-{time.monotonic_ns()}"
                self._tokens.add(token)
            return 201, {"token": token, "profile": {"id": 4705}}
        if method == "POST":
            if not isinstance(body, dict):
                return 400, {"detail": "JSON parse error"}
            if not self._authorised(body.get("auth_token")):
                return 401, {"detail": "Incorrect authentication credentials."}
            if route == "/api/ecommerce/orders":
                return self._create_order(body)
            if route == "/api/acceptance/payment_keys":
                return self._payment_key(body)
            if route == "/api/ecommerce/orders/transaction_inquiry":
                return self._inquiry(body)
        if method == "GET":
            if not self._authorised(query.get("token")):
                return 401, {"detail": "Incorrect authentication credentials."}
            for prefix, table in (("/api/ecommerce/orders/", "order"), ("/api/acceptance/transactions/", "txn")):
                if route.startswith(prefix) and route[len(prefix) :].isdigit():
                    key = int(route[len(prefix) :])
                    with self._lock:
                        if table == "order" and key in self.orders:
                            return 200, self._order_json(self.orders[key])
                        if table == "txn" and key in self.transactions:
                            return 200, self.transactions[key]
                    return 404, {"detail": "Not found."}
        return 404, {"detail": "Not found."}

    def _create_order(self, body: dict[str, Any]) -> tuple[int, Any]:
        errors = {
            name: ["This field is required."] for name in ("amount_cents", "currency") if body.get(name) in (None, "")
        }
        if errors:
            return 400, errors
        if not str(body["amount_cents"]).isdigit():
            return 400, {"amount_cents": ["A valid integer is required."]}
        with self._lock:
            merchant_order_id = body.get("merchant_order_id")
            if merchant_order_id is not None and any(
                o.merchant_order_id == str(merchant_order_id) for o in self.orders.values()
            ):
                return 422, {"message": "duplicate"}
            order = FakeOrder(
                id=next(self._ids),
                amount_cents=int(body["amount_cents"]),
                currency=str(body["currency"]),
                merchant_order_id=None if merchant_order_id is None else str(merchant_order_id),
                items=list(body.get("items") or []),
                created_at="2026-12-01T18:30:00.000000",
            )
            self.orders[order.id] = order
            return 201, self._order_json(order)

    def _payment_key(self, body: dict[str, Any]) -> tuple[int, Any]:
        required = ("amount_cents", "order_id", "billing_data", "currency", "integration_id")
        missing = {name: ["This field is required."] for name in required if body.get(name) in (None, "")}
        if missing:
            return 400, missing
        billing = body["billing_data"]
        if not isinstance(billing, dict):
            return 400, {"billing_data": ["Invalid data."]}
        absent = {k: ["This field is required."] for k in sorted(BILLING_KEYS) if not str(billing.get(k) or "").strip()}
        if absent:
            return 400, {"billing_data": absent}
        if str(body["integration_id"]) != str(self.integration_id):
            return 404, {"detail": "Integration ID/Name does not exist in our system"}
        with self._lock:
            order = self.orders.get(int(body["order_id"]))
            if order is None:
                return 404, {"detail": "Not found."}
            if int(body["amount_cents"]) != order.amount_cents or body["currency"] != order.currency:
                return 400, {"detail": "amount or currency does not match the order"}
            token = f"payment-key-{order.id}-{len(self.payment_keys)}"
            self.payment_keys[token] = dict(body)
        return 201, {"token": token}

    def _inquiry(self, body: dict[str, Any]) -> tuple[int, Any]:
        with self._lock:
            order = self.orders.get(int(body.get("order_id") or 0))
            if order is None or not order.transactions:
                return 404, {"detail": "Not found."}
            # The payment transaction, not a later refund of it (whose effect shows in the parent's flags).
            return 200, self.transactions[order.transactions[-1]]

    def _order_json(self, order: FakeOrder) -> dict[str, Any]:
        return {
            "id": order.id,
            "created_at": order.created_at,
            "delivery_needed": False,
            "merchant": {"id": 4705},
            "amount_cents": order.amount_cents,
            "currency": order.currency,
            "merchant_order_id": order.merchant_order_id,
            "items": order.items,
            "is_payment_locked": False,
            "paid_amount_cents": sum(
                self.transactions[t]["amount_cents"]
                for t in order.transactions
                if self.transactions[t]["success"] and not self.transactions[t].get("is_refund")
            ),
        }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self, method: str) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        fake.requests.append(RecordedRequest(method, parts.path, query, body))
        failure = fake._take_failure()
        if failure is not None:
            if failure.hang_seconds:
                time.sleep(failure.hang_seconds)
            status, payload = failure.status, failure.body
        else:
            try:
                status, payload = fake.handle(method, parts.path, query, body)
            except (ValueError, TypeError, KeyError):
                # Paymob answers a field of the wrong type with a 400, never a dropped connection.
                status, payload = 400, {"detail": "Invalid data."}
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakePaymob) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


@contextmanager
def running_paymob_server(
    *,
    api_key: str = "ZXlKMGVYQWlPaUpLVjFRaUxDSmhiR2NpT2lKSVV6VXhNaUo5-test-key",
    hmac_secret: str = "8F2B1E3C4D5A69780F1E2D3C4B5A6978",
    integration_id: int = 4_097_558,
    iframe_id: str = "830291",
) -> Iterator[FakePaymob]:
    """Run the fake on 127.0.0.1 (a free port) for the block; yields its `FakePaymob` with `base_url` set."""
    fake = FakePaymob(api_key=api_key, hmac_secret=hmac_secret, integration_id=integration_id, iframe_id=iframe_id)
    server = _Server(fake)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), name="fake-paymob", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
