"""`/api/v1/payments` over HTTP, on SQLite and PostgreSQL, with an engine paying through local servers that
speak Stripe's, Paymob's and MyFatoorah's protocols: buying, the three signed webhooks (tampered, replayed,
concurrent), refunds ending access, provider failures, listings, revenue and subscriptions."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from httpx import AsyncClient, Response

from lms_adapters.bootstrap import open_lms
from lms_adapters.persistence.models import enrollments, outbox, payment_webhook_events, payments, subscriptions
from lms_adapters.settings import Settings
from lms_core import CreateCourse, Lms
from lms_core.shared.clock import FixedClock
from lms_http import create_app
from tests.http.helpers import assert_problem, bearer, register
from tests.support.asgi import asgi_transport
from tests.support.attempts import table_rows
from tests.support.catalogue import instructor, published_course, text_lesson
from tests.support.doubles import RecordingMailer
from tests.support.flows import create_admin, login_tokens
from tests.support.payments import Providers, payment_settings, running_providers
from tests.support.providers.myfatoorah_server import myfatoorah_signature
from tests.support.providers.paymob_server import sign_transaction
from tests.support.providers.stripe_server import stripe_signature_header

PROVIDERS = ["stripe", "paymob", "myfatoorah"]


@dataclass(frozen=True)
class Hook:
    """A provider's webhook exactly as it would be POSTed: raw body, headers and query string."""

    body: bytes
    headers: dict[str, str]
    query: dict[str, str]


@dataclass
class Store:
    client: AsyncClient
    lms: Lms
    providers: Providers
    database_url: str
    course_id: str  # published, 49.00 USD
    lesson_id: str
    learner: dict[str, str]
    learner_id: str
    other: dict[str, str]
    teacher: dict[str, str]
    admin: dict[str, str]
    now: datetime


@pytest.fixture
def providers() -> Iterator[Providers]:
    yield from running_providers()


@pytest.fixture
def clock() -> FixedClock:
    """Now: the providers sign their webhooks with the real time, which the signature check compares with."""
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def settings(database_url: str, providers: Providers) -> Settings:
    return payment_settings(database_url, providers)


@pytest.fixture
async def store(client: AsyncClient, lms: Lms, providers: Providers, database_url: str, clock: FixedClock) -> Store:
    teacher = await instructor(lms)
    course = await lms.courses.create_course(
        teacher, CreateCourse(title="Paid Python", category="programming", price=Decimal("49.00"), currency="USD")
    )
    lesson = await text_lesson(lms, teacher, course, "Decorators")
    await lms.courses.publish_course(teacher, course.id)
    await create_admin(lms, "admin@example.com")
    learner = await register(client, "learner@example.com")
    other = await register(client, "other@example.com")
    return Store(
        client=client,
        lms=lms,
        providers=providers,
        database_url=database_url,
        course_id=str(course.id),
        lesson_id=str(lesson.id),
        learner=bearer(learner["access_token"]),
        learner_id=learner["user"]["id"],
        other=bearer(other["access_token"]),
        teacher=bearer((await login_tokens(lms, "teacher@example.com"))[0]),
        admin=bearer((await login_tokens(lms, "admin@example.com"))[0]),
        now=clock.now(),
    )


async def buy(store: Store, provider: str | None = None, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"course_id": store.course_id}
    if provider is not None:
        body["provider"] = provider
    return await store.client.post(
        "/api/v1/payments/create-payment-intent", json=body, headers=store.learner if headers is None else headers
    )


async def bought(store: Store, provider: str) -> dict[str, Any]:
    response = await buy(store, provider)
    assert response.status_code == 201, response.text
    payment: dict[str, Any] = response.json()["payment"]
    return payment


async def deliver(store: Store, provider: str, hook: Hook) -> Response:
    return await store.client.post(
        f"/api/v1/payments/webhooks/{provider}", content=hook.body, headers=hook.headers, params=hook.query
    )


@dataclass
class Paid:
    hook: Hook
    paymob_transaction: int | None


def paid_hook(store: Store, provider: str, provider_payment_id: str) -> Paid:
    """The provider records the payment as paid and gives the webhook it sends about it."""
    if provider == "stripe":
        body, headers, query = store.providers.stripe.mark_paid(provider_payment_id)
        return Paid(Hook(body, headers, query), None)
    if provider == "paymob":
        transaction = store.providers.paymob.mark_paid(int(provider_payment_id))
        body, headers, query = store.providers.paymob.webhook(transaction["id"])
        return Paid(Hook(body, headers, query), transaction["id"])
    sent = store.providers.myfatoorah.mark_paid(provider_payment_id)
    return Paid(Hook(sent.body, sent.headers, sent.query), None)


def refund_hook(store: Store, provider: str, provider_payment_id: str, paid: Paid) -> Hook:
    """A full refund at the provider, and the webhook it sends about it."""
    if provider == "stripe":
        body, headers, query = store.providers.stripe.mark_refunded(provider_payment_id)
        return Hook(body, headers, query)
    if provider == "paymob":
        assert paid.paymob_transaction is not None
        refund = store.providers.paymob.mark_refunded(paid.paymob_transaction)
        body, headers, query = store.providers.paymob.webhook(refund["id"])
        return Hook(body, headers, query)
    sent = store.providers.myfatoorah.mark_refunded(provider_payment_id)
    return Hook(sent.body, sent.headers, sent.query)


def tampered(provider: str, hook: Hook, how: str) -> Hook:
    """The hook with a changed signed field ("body") or signed with another secret ("signature")."""
    if how == "body":
        changes = {
            "stripe": (b'"livemode": false', b'"livemode": true'),
            "paymob": (b'"amount_cents": 4900', b'"amount_cents": 490'),
            "myfatoorah": (b'"TransactionStatus": "SUCCESS"', b'"TransactionStatus": "FAILED"'),
        }
        old, new = changes[provider]
        assert old in hook.body
        return Hook(hook.body.replace(old, new), hook.headers, hook.query)
    if provider == "stripe":
        header = stripe_signature_header(hook.body, "whsec_someone_else", int(time.time()))
        return Hook(hook.body, {**hook.headers, "stripe-signature": header}, hook.query)
    if provider == "paymob":
        return Hook(hook.body, hook.headers, {"hmac": sign_transaction(json.loads(hook.body)["obj"], "0" * 32)})
    signature = myfatoorah_signature(json.loads(hook.body)["Data"], 1, "someone-else")
    return Hook(hook.body, {**hook.headers, "MyFatoorah-Signature": signature}, hook.query)


async def rows(store: Store, table: Any) -> list[dict[str, Any]]:
    return await table_rows(store.database_url, table)


async def outbox_types(store: Store) -> list[str]:
    return sorted(row["event_type"] for row in await rows(store, outbox))


async def lesson_content(store: Store) -> Any:
    response = await store.client.get(f"/api/v1/lessons/{store.lesson_id}", headers=store.learner)
    assert response.status_code == 200, response.text
    return response.json()["content"]


# --- buying ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_student_starts_a_purchase_and_gets_what_the_provider_needs(store: Store, provider: str) -> None:
    response = await buy(store, provider)
    assert response.status_code == 201, response.text
    body = response.json()
    payment = body["payment"]
    assert (payment["status"], payment["provider"], payment["payment_type"]) == ("pending", provider, "one_time")
    assert (payment["amount"], payment["tax_amount"], payment["total_amount"], payment["currency"]) == (
        "49.00",
        "0.00",
        "49.00",
        "USD",
    )
    assert (payment["user_id"], payment["course_id"], payment["enrollment_id"]) == (
        store.learner_id,
        store.course_id,
        None,
    )
    if provider == "stripe":
        assert body["client_secret"].startswith(payment["provider_payment_id"] + "_secret_")
        assert body["payment_url"] is None
    else:
        assert body["client_secret"] is None
        assert body["payment_url"].startswith("http")

    [row] = await rows(store, payments)
    assert (str(row["id"]), row["status"], row["provider"], row["provider_payment_id"]) == (
        payment["id"],
        "pending",
        provider,
        payment["provider_payment_id"],
    )
    assert (row["amount_minor"], row["tax_minor"], row["total_minor"], row["currency"]) == (4900, 0, 4900, "USD")
    assert await rows(store, enrollments) == []


async def test_asking_again_while_pending_returns_the_same_checkout(store: Store) -> None:
    first = (await buy(store)).json()
    second = await buy(store)
    assert second.status_code == 201, second.text
    assert second.json() == first
    assert len(await rows(store, payments)) == 1


async def test_concurrent_purchases_make_one_pending_payment(store: Store) -> None:
    responses = await asyncio.gather(*(buy(store, "stripe") for _ in range(5)))
    created = [r for r in responses if r.status_code == 201]
    assert created, [r.text for r in responses]
    # A request that finds another preparing the checkout is told to ask again.
    for response in responses:
        if response.status_code != 201:
            assert_problem(response, 409, "payments.checkout_in_progress")
    assert len({r.json()["payment"]["id"] for r in created}) == 1
    assert [row["status"] for row in await rows(store, payments)] == ["pending"]
    assert len(store.providers.stripe.requests_to("POST", "/v1/payment_intents")) == 1


async def test_an_instructor_may_not_buy(store: Store) -> None:
    assert_problem(await buy(store, headers=store.teacher), 403, "payments.students_only")
    assert await rows(store, payments) == []


async def test_a_free_course_is_not_sold(store: Store) -> None:
    teacher = await instructor(store.lms, "free@example.com")
    free = await published_course(store.lms, teacher, "Free Python")
    response = await store.client.post(
        "/api/v1/payments/create-payment-intent", json={"course_id": str(free.id)}, headers=store.learner
    )
    assert_problem(response, 409, "payments.course_is_free")
    assert await rows(store, payments) == []


async def test_an_unknown_course_is_404(store: Store) -> None:
    response = await store.client.post(
        "/api/v1/payments/create-payment-intent",
        json={"course_id": "0190f5a2-8a10-7b3c-8d4e-5f6a7b8c9d01"},
        headers=store.learner,
    )
    assert_problem(response, 404, "courses.not_found")
    assert await rows(store, payments) == []


@pytest.mark.parametrize("extra", [{"amount": "0.01"}, {"total_amount": "1.00"}, {"price": 1}, {"currency": "EGP"}])
async def test_the_client_never_names_the_amount(store: Store, extra: dict[str, Any]) -> None:
    response = await store.client.post(
        "/api/v1/payments/create-payment-intent", json={"course_id": store.course_id, **extra}, headers=store.learner
    )
    assert_problem(response, 422, "request.validation_failed")
    assert await rows(store, payments) == []
    assert store.providers.stripe.requests_to("POST", "/v1/payment_intents") == []


async def test_an_unknown_provider_is_422(store: Store) -> None:
    assert_problem(await buy(store, "paypal"), 422, "request.validation_failed")
    assert await rows(store, payments) == []


async def test_anonymous_callers_are_refused_with_401(store: Store) -> None:
    assert_problem(await buy(store, headers={}), 401, "auth.not_authenticated")
    assert_problem(await store.client.get("/api/v1/payments/my-payments"), 401, "auth.not_authenticated")


async def test_a_provider_without_keys_is_503_and_stores_nothing(
    database_url: str, providers: Providers, clock: FixedClock, mailer: RecordingMailer
) -> None:
    settings = payment_settings(database_url, providers, with_paymob=False)
    async with open_lms(settings, clock=clock, mailer=mailer) as lms:
        teacher = await instructor(lms)
        course = await lms.courses.create_course(
            teacher, CreateCourse(title="Paid", category="programming", price=Decimal("49.00"), currency="USD")
        )
        await text_lesson(lms, teacher, course)
        await lms.courses.publish_course(teacher, course.id)
        async with httpx.AsyncClient(transport=asgi_transport(create_app(lms)), base_url="http://testserver") as c:
            learner = bearer((await register(c, "learner@example.com"))["access_token"])
            response = await c.post(
                "/api/v1/payments/create-payment-intent",
                json={"course_id": str(course.id), "provider": "paymob"},
                headers=learner,
            )
            assert_problem(response, 503, "payments.provider_not_configured")
            hook = await c.post("/api/v1/payments/webhooks/paymob", content=b"{}", params={"hmac": "00"})
            assert_problem(hook, 503, "payments.provider_not_configured")
            assert (await c.get("/api/v1/payments/my-payments", headers=learner)).json()["total"] == 0
    assert await table_rows(database_url, payments) == []
    assert providers.paymob.requests == []


@pytest.mark.parametrize(
    ("provider", "status", "code"),
    [
        ("stripe", 503, "payments.provider_unavailable"),
        ("stripe", 502, "payments.provider_error"),
        ("paymob", 503, "payments.provider_unavailable"),
        ("paymob", 502, "payments.provider_error"),
        ("myfatoorah", 503, "payments.provider_unavailable"),
        ("myfatoorah", 502, "payments.provider_error"),
    ],
)
async def test_a_provider_failure_is_a_gateway_problem_and_leaves_one_failed_payment(
    store: Store, provider: str, status: int, code: str
) -> None:
    outage = status == 503
    if provider == "stripe":
        # Stripe's SDK tries a 5xx twice; a refusal once.
        if outage:
            store.providers.stripe.fail_next(500, count=2)
        else:
            store.providers.stripe.fail_next(402, error_type="card_error", message="Your card was declined.")
    elif provider == "paymob":
        store.providers.paymob.fail_next(500 if outage else 400)
    else:
        store.providers.myfatoorah.fail_next("500" if outage else "error")

    assert_problem(await buy(store, provider), status, code)
    [row] = await rows(store, payments)
    assert (row["status"], row["provider"]) == ("failed", provider)
    assert row["failure_reason"]
    assert await rows(store, enrollments) == []

    retried = await buy(store, provider)
    assert retried.status_code == 201, retried.text
    assert sorted(row["status"] for row in await rows(store, payments)) == ["failed", "pending"]


async def test_a_provider_that_hangs_is_503_after_the_timeout(store: Store) -> None:
    store.providers.stripe.hang_next(5.0, count=2)
    assert_problem(await buy(store, "stripe"), 503, "payments.provider_unavailable")
    [row] = await rows(store, payments)
    assert row["status"] == "failed"


# --- webhooks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_the_providers_signed_webhook_grants_the_course(store: Store, provider: str) -> None:
    payment = await bought(store, provider)
    assert await lesson_content(store) is None

    response = await deliver(store, provider, paid_hook(store, provider, payment["provider_payment_id"]).hook)
    assert response.status_code == 200, response.text
    assert response.json()["received"] is True
    assert (response.json()["duplicate"], response.json()["outcome"]) == (False, "applied")

    mine = await store.client.get("/api/v1/enrollments/my-courses", headers=store.learner)
    [enrolment] = mine.json()["items"]
    assert (enrolment["status"], enrolment["access_source"]) == ("active", "payment")
    shown = await store.client.get(f"/api/v1/payments/{payment['id']}", headers=store.learner)
    assert shown.json()["status"] == "succeeded"
    assert shown.json()["enrollment_id"] == enrolment["id"]
    [row] = await rows(store, enrollments)
    assert (str(row["id"]), row["status"], row["access_source"], str(row["access_ref"])) == (
        enrolment["id"],
        "active",
        "payment",
        payment["id"],
    )
    assert await lesson_content(store) == "All about Decorators."
    [stored] = await rows(store, payment_webhook_events)
    assert (stored["provider"], stored["status"]) == (provider, "processed")


@pytest.mark.parametrize("how", ["body", "signature"])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_tampered_webhook_is_400_and_changes_nothing(store: Store, provider: str, how: str) -> None:
    payment = await bought(store, provider)
    hook = tampered(provider, paid_hook(store, provider, payment["provider_payment_id"]).hook, how)

    assert_problem(await deliver(store, provider, hook), 400, "payments.invalid_signature")
    assert await rows(store, payment_webhook_events) == []
    assert await rows(store, enrollments) == []
    [row] = await rows(store, payments)
    assert row["status"] == "pending"
    assert "payment.succeeded" not in await outbox_types(store)


async def test_a_webhook_without_a_signature_is_400(store: Store) -> None:
    payment = await bought(store, "stripe")
    hook = paid_hook(store, "stripe", payment["provider_payment_id"]).hook
    response = await deliver(store, "stripe", Hook(hook.body, {"content-type": "application/json"}, {}))
    assert_problem(response, 400, "payments.invalid_signature")
    assert await rows(store, payment_webhook_events) == []


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_replayed_webhook_is_answered_as_a_duplicate_and_changes_nothing(store: Store, provider: str) -> None:
    payment = await bought(store, provider)
    hook = paid_hook(store, provider, payment["provider_payment_id"]).hook
    first = await deliver(store, provider, hook)
    assert first.json()["duplicate"] is False
    before = await rows(store, enrollments)

    replay = await deliver(store, provider, hook)
    assert replay.status_code == 200, replay.text
    assert (replay.json()["duplicate"], replay.json()["outcome"]) == (True, "duplicate")
    assert await rows(store, enrollments) == before
    assert len(await rows(store, payment_webhook_events)) == 1
    assert (await outbox_types(store)).count("payment.succeeded") == 1


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_ten_concurrent_identical_webhooks_have_one_effect(store: Store, provider: str) -> None:
    payment = await bought(store, provider)
    hook = paid_hook(store, provider, payment["provider_payment_id"]).hook

    responses = await asyncio.gather(*(deliver(store, provider, hook) for _ in range(10)))
    assert [r.status_code for r in responses] == [200] * 10, [r.text for r in responses]
    assert sorted(r.json()["duplicate"] for r in responses) == [False] + [True] * 9

    [enrolment] = await rows(store, enrollments)
    assert (enrolment["status"], str(enrolment["access_ref"])) == ("active", payment["id"])
    assert len(await rows(store, payment_webhook_events)) == 1
    types = await outbox_types(store)
    assert (types.count("payment.succeeded"), types.count("enrollments.student_enrolled")) == (1, 1)
    [row] = await rows(store, payments)
    assert row["status"] == "succeeded"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_full_refund_webhook_ends_the_access_the_payment_bought(store: Store, provider: str) -> None:
    payment = await bought(store, provider)
    paid = paid_hook(store, provider, payment["provider_payment_id"])
    assert (await deliver(store, provider, paid.hook)).status_code == 200
    assert await lesson_content(store) == "All about Decorators."

    refunded = await deliver(store, provider, refund_hook(store, provider, payment["provider_payment_id"], paid))
    assert refunded.status_code == 200, refunded.text
    assert (refunded.json()["duplicate"], refunded.json()["outcome"]) == (False, "applied")

    [row] = await rows(store, enrollments)
    assert (row["status"], row["access_source"]) == ("expired", "payment")
    mine = (await store.client.get("/api/v1/enrollments/my-courses", headers=store.learner)).json()
    assert [item["status"] for item in mine["items"]] == ["expired"]
    shown = (await store.client.get(f"/api/v1/payments/{payment['id']}", headers=store.learner)).json()
    assert shown["status"] == "refunded"
    assert shown["refunded_at"] is not None
    assert await lesson_content(store) is None
    assert "payment.refunded" in await outbox_types(store)


# --- reading payments -----------------------------------------------------------------------------


async def test_my_payments_lists_only_the_callers_own(store: Store) -> None:
    payment = await bought(store, "stripe")

    mine = await store.client.get("/api/v1/payments/my-payments", headers=store.learner)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert (body["total"], body["page"], body["page_size"]) == (1, 1, 20)
    assert [item["id"] for item in body["items"]] == [payment["id"]]
    assert body["items"][0]["total_amount"] == "49.00"

    theirs = await store.client.get("/api/v1/payments/my-payments", headers=store.other)
    assert theirs.json() == {"items": [], "total": 0, "page": 1, "page_size": 20}
    none = await store.client.get("/api/v1/payments/my-subscriptions", headers=store.other)
    assert none.json() == {"items": [], "total": 0, "page": 1, "page_size": 20}
    assert_problem(
        await store.client.get("/api/v1/payments/my-payments?page_size=0", headers=store.learner),
        422,
        "request.validation_failed",
    )


async def test_one_payment_is_shown_to_its_owner_and_admins_only(store: Store) -> None:
    payment = await bought(store, "stripe")
    url = f"/api/v1/payments/{payment['id']}"

    owner = await store.client.get(url, headers=store.learner)
    assert owner.status_code == 200, owner.text
    assert owner.json() == payment
    assert_problem(await store.client.get(url, headers=store.other), 404, "payments.not_found")
    assert_problem(await store.client.get(url, headers=store.teacher), 404, "payments.not_found")
    admin = await store.client.get(url, headers=store.admin)
    assert admin.status_code == 200, admin.text
    assert admin.json() == payment
    unknown = "/api/v1/payments/0190f5a2-8a10-7b3c-8d4e-5f6a7b8c9d01"
    assert_problem(await store.client.get(unknown, headers=store.admin), 404, "payments.not_found")


# --- revenue --------------------------------------------------------------------------------------


async def test_revenue_adds_what_was_paid_and_takes_away_what_was_refunded(store: Store) -> None:
    by_stripe = await bought(store, "stripe")
    assert (await deliver(store, "stripe", paid_hook(store, "stripe", by_stripe["provider_payment_id"]).hook)).json()[
        "outcome"
    ] == "applied"
    other_buys = await buy(store, "myfatoorah", headers=store.other)
    by_myfatoorah = other_buys.json()["payment"]
    invoice = by_myfatoorah["provider_payment_id"]
    paid = paid_hook(store, "myfatoorah", invoice)
    assert (await deliver(store, "myfatoorah", paid.hook)).json()["outcome"] == "applied"
    refund = refund_hook(store, "myfatoorah", invoice, paid)
    assert (await deliver(store, "myfatoorah", refund)).json()["outcome"] == "applied"
    third = bearer((await register(store.client, "third@example.com"))["access_token"])
    unpaid = await buy(store, "paymob", headers=third)  # pending: not revenue
    assert unpaid.json()["payment"]["status"] == "pending"

    assert_problem(
        await store.client.get("/api/v1/payments/revenue/summary", headers=store.learner), 403, "payments.admin_only"
    )
    assert_problem(
        await store.client.get("/api/v1/payments/revenue/summary", headers=store.teacher), 403, "payments.admin_only"
    )
    # The engine's clock stands still, and `until` is excluded: the range ends just after its now.
    window = {
        "since": (store.now - timedelta(days=1)).isoformat(),
        "until": (store.now + timedelta(seconds=1)).isoformat(),
    }
    response = await store.client.get("/api/v1/payments/revenue/summary", params=window, headers=store.admin)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["totals"] == [
        {"currency": "USD", "gross": "98.00", "refunded": "49.00", "net": "49.00", "payments": 2, "refunds": 1}
    ]
    assert sorted(summary["by_provider"], key=lambda entry: entry["provider"]) == [
        {"provider": "myfatoorah", "currency": "USD", "gross": "49.00", "refunded": "49.00", "net": "0.00"},
        {"provider": "stripe", "currency": "USD", "gross": "49.00", "refunded": "0.00", "net": "49.00"},
    ]
    month = f"{store.now:%Y-%m}"
    assert summary["by_month"] == [
        {"month": month, "currency": "USD", "gross": "98.00", "refunded": "49.00", "net": "49.00"}
    ]


async def test_a_revenue_range_that_ends_before_it_starts_is_422(store: Store) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    for since, until in [(now, now), (now, now - timedelta(days=1))]:
        response = await store.client.get(
            "/api/v1/payments/revenue/summary",
            params={"since": since.isoformat(), "until": until.isoformat()},
            headers=store.admin,
        )
        assert_problem(response, 422, "payments.invalid_date_range")
    malformed = await store.client.get(
        "/api/v1/payments/revenue/summary", params={"since": "yesterday"}, headers=store.admin
    )
    assert_problem(malformed, 422, "request.validation_failed")


# --- subscriptions --------------------------------------------------------------------------------


async def test_the_plans_are_listed(store: Store) -> None:
    response = await store.client.get("/api/v1/payments/plans", headers=store.learner)
    assert response.status_code == 200, response.text
    assert response.json() == [
        {"name": "Monthly", "price": "15.00", "currency": "USD", "interval": "month", "provider": "stripe"}
    ]


async def test_a_student_subscribes_once_and_cancels(store: Store) -> None:
    url = "/api/v1/payments/create-subscription"
    assert_problem(
        await store.client.post(url, json={"plan_name": "Yearly"}, headers=store.learner), 422, "payments.unknown_plan"
    )
    assert await rows(store, subscriptions) == []

    created = await store.client.post(url, json={"plan_name": "Monthly"}, headers=store.learner)
    assert created.status_code == 201, created.text
    body = created.json()
    subscription = body["subscription"]
    assert (subscription["status"], subscription["plan_name"], subscription["provider"]) == (
        "incomplete",
        "Monthly",
        "stripe",
    )
    assert subscription["grants_access"] is False
    assert body["client_secret"].startswith("pi_")
    [row] = await rows(store, subscriptions)
    assert (str(row["id"]), row["status"], row["provider_subscription_id"]) == (
        subscription["id"],
        "incomplete",
        subscription["provider_subscription_id"],
    )

    again = await store.client.post(url, json={"plan_name": "Monthly"}, headers=store.learner)
    assert_problem(again, 409, "payments.already_subscribed")
    assert len(await rows(store, subscriptions)) == 1

    listed = (await store.client.get("/api/v1/payments/my-subscriptions", headers=store.learner)).json()
    assert (listed["total"], [item["id"] for item in listed["items"]]) == (1, [subscription["id"]])

    cancel_url = f"/api/v1/payments/subscriptions/{subscription['id']}/cancel"
    assert_problem(
        await store.client.post(cancel_url, json={}, headers=store.other), 404, "payments.subscription_not_found"
    )
    canceled = await store.client.post(cancel_url, json={"at_period_end": False}, headers=store.learner)
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "canceled"
    [row] = await rows(store, subscriptions)
    assert row["status"] == "canceled"
    assert row["canceled_at"] is not None
    stripe_id = subscription["provider_subscription_id"]
    assert store.providers.stripe.subscriptions[stripe_id]["status"] == "canceled"


async def test_a_subscription_never_paid_and_canceled_now_opens_no_course(store: Store) -> None:
    created = await store.client.post(
        "/api/v1/payments/create-subscription", json={"plan_name": "Monthly"}, headers=store.learner
    )
    subscription_id = created.json()["subscription"]["id"]
    canceled = await store.client.post(
        f"/api/v1/payments/subscriptions/{subscription_id}/cancel", json={"at_period_end": False}, headers=store.learner
    )
    assert canceled.json()["status"] == "canceled"
    enrol = await store.client.post("/api/v1/enrollments", json={"course_id": store.course_id}, headers=store.learner)
    assert_problem(enrol, 402, "payment_required")
    assert await rows(store, enrollments) == []
    assert canceled.json()["grants_access"] is False


async def test_an_instructor_may_not_subscribe(store: Store) -> None:
    response = await store.client.post(
        "/api/v1/payments/create-subscription", json={"plan_name": "Monthly"}, headers=store.teacher
    )
    assert_problem(response, 403, "payments.students_only")
    assert await rows(store, subscriptions) == []


async def test_a_subscription_the_provider_activates_opens_paid_courses_until_it_is_canceled_at_period_end(
    store: Store,
) -> None:
    created = await store.client.post(
        "/api/v1/payments/create-subscription", json={"plan_name": "Monthly"}, headers=store.learner
    )
    subscription = created.json()["subscription"]
    hook = store.providers.stripe.set_subscription_status(subscription["provider_subscription_id"], "active")
    applied = await deliver(store, "stripe", Hook(hook.body, hook.headers, hook.query))
    assert applied.status_code == 200, applied.text
    assert applied.json()["outcome"] == "applied"

    enrol = await store.client.post("/api/v1/enrollments", json={"course_id": store.course_id}, headers=store.learner)
    assert enrol.status_code == 201, enrol.text
    assert (enrol.json()["status"], enrol.json()["access_source"]) == ("active", "subscription")
    assert await lesson_content(store) == "All about Decorators."

    cancel_url = f"/api/v1/payments/subscriptions/{subscription['id']}/cancel"
    canceled = await store.client.post(cancel_url, json={}, headers=store.learner)
    assert canceled.status_code == 200, canceled.text
    assert (canceled.json()["status"], canceled.json()["cancel_at_period_end"]) == ("active", True)
    assert canceled.json()["grants_access"] is True
    [row] = await rows(store, subscriptions)
    assert (row["status"], row["cancel_at_period_end"]) == ("active", True)
    assert await lesson_content(store) == "All about Decorators."


async def test_an_admin_cancels_anyones_subscription(store: Store) -> None:
    created = await store.client.post(
        "/api/v1/payments/create-subscription", json={"plan_name": "Monthly"}, headers=store.learner
    )
    subscription_id = created.json()["subscription"]["id"]
    canceled = await store.client.post(
        f"/api/v1/payments/subscriptions/{subscription_id}/cancel", json={"at_period_end": False}, headers=store.admin
    )
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "canceled"
    [row] = await rows(store, subscriptions)
    assert row["status"] == "canceled"


@pytest.mark.parametrize(
    ("failure", "status", "code"), [(500, 503, "payments.provider_unavailable"), (402, 502, "payments.provider_error")]
)
async def test_a_provider_failure_while_subscribing_is_a_gateway_problem(
    store: Store, failure: int, status: int, code: str
) -> None:
    store.providers.stripe.fail_next(failure, count=2 if failure == 500 else 1, error_type="card_error")
    response = await store.client.post(
        "/api/v1/payments/create-subscription", json={"plan_name": "Monthly"}, headers=store.learner
    )
    assert_problem(response, status, code)
    # What was tried is kept, ended: it grants nothing and does not stand in the way of trying again.
    [row] = await rows(store, subscriptions)
    assert row["status"] == "canceled"
    listed = (await store.client.get("/api/v1/payments/my-subscriptions", headers=store.learner)).json()
    assert [item["grants_access"] for item in listed["items"]] == [False]
    retried = await store.client.post(
        "/api/v1/payments/create-subscription", json={"plan_name": "Monthly"}, headers=store.learner
    )
    assert retried.status_code == 201, retried.text
    assert retried.json()["subscription"]["status"] == "incomplete"


async def test_a_signed_body_that_is_not_an_event_is_422_and_stores_nothing(store: Store) -> None:
    body = b"this is not json"
    header = stripe_signature_header(body, store.providers.stripe.webhook_secret, int(time.time()))
    response = await deliver(store, "stripe", Hook(body, {"stripe-signature": header}, {}))
    assert_problem(response, 422, "payments.malformed_webhook")
    assert await rows(store, payment_webhook_events) == []


async def test_one_providers_webhook_posted_to_anothers_endpoint_is_400(store: Store) -> None:
    payment = await bought(store, "stripe")
    hook = paid_hook(store, "stripe", payment["provider_payment_id"]).hook
    for endpoint in ["paymob", "myfatoorah"]:
        assert_problem(await deliver(store, endpoint, hook), 400, "payments.invalid_signature")
    assert await rows(store, payment_webhook_events) == []
    [row] = await rows(store, payments)
    assert row["status"] == "pending"


async def test_my_payments_pages_newest_first(store: Store) -> None:
    first = await bought(store, "stripe")
    teacher = await instructor(store.lms, "second-teacher@example.com")
    course = await store.lms.courses.create_course(
        teacher, CreateCourse(title="Paid Rust", category="programming", price=Decimal("19.50"), currency="USD")
    )
    await text_lesson(store.lms, teacher, course)
    await store.lms.courses.publish_course(teacher, course.id)
    second = await store.client.post(
        "/api/v1/payments/create-payment-intent", json={"course_id": str(course.id)}, headers=store.learner
    )
    assert second.status_code == 201, second.text

    url = "/api/v1/payments/my-payments"
    page_one = (await store.client.get(url, params={"page_size": 1}, headers=store.learner)).json()
    page_two = (await store.client.get(url, params={"page_size": 1, "page": 2}, headers=store.learner)).json()
    assert (page_one["total"], page_one["page"], page_one["page_size"]) == (2, 1, 1)
    assert [(item["id"], item["total_amount"]) for item in page_one["items"]] == [
        (second.json()["payment"]["id"], "19.50")
    ]
    assert (page_two["total"], page_two["page"], [item["id"] for item in page_two["items"]]) == (2, 2, [first["id"]])
    assert len(await rows(store, payments)) == 2


async def test_an_active_subscription_canceled_at_once_ends_the_access_it_gave(store: Store) -> None:
    created = await store.client.post(
        "/api/v1/payments/create-subscription", json={"plan_name": "Monthly"}, headers=store.learner
    )
    subscription = created.json()["subscription"]
    hook = store.providers.stripe.set_subscription_status(subscription["provider_subscription_id"], "active")
    assert (await deliver(store, "stripe", Hook(hook.body, hook.headers, hook.query))).status_code == 200
    enrol = await store.client.post("/api/v1/enrollments", json={"course_id": store.course_id}, headers=store.learner)
    assert enrol.json()["access_source"] == "subscription"

    canceled = await store.client.post(
        f"/api/v1/payments/subscriptions/{subscription['id']}/cancel",
        json={"at_period_end": False},
        headers=store.learner,
    )
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "canceled"
    assert await lesson_content(store) is None
    [row] = await rows(store, enrollments)
    assert row["status"] == "expired"
    assert canceled.json()["grants_access"] is False
