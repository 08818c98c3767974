"""Buying a course with Paymob through the library, on SQLite and PostgreSQL, against a local server that
speaks Paymob's Accept API and signs its transaction callbacks as Paymob does."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from lms_adapters.bootstrap import open_lms
from lms_adapters.persistence.models import enrollments, outbox, payment_webhook_events, payments, subscriptions
from lms_core import (
    Actor,
    CourseView,
    CreateCourse,
    CreatePaymentIntent,
    CreateSubscription,
    EnrollInCourse,
    InvalidWebhookSignature,
    Lms,
    PaymentIntentView,
    PaymentRequired,
    PaymentStatus,
    Provider,
    SubscriptionsNotSupported,
    WebhookReceipt,
)
from lms_core.shared.clock import FixedClock
from tests.conftest import make_settings
from tests.support.attempts import table_rows
from tests.support.catalogue import instructor, student, text_lesson
from tests.support.doubles import RecordingMailer
from tests.support.providers.paymob_server import FakePaymob, running_paymob_server
from tests.support.providers.stripe_server import FakeStripe


@dataclass
class PaymobShop:
    lms: Lms
    paymob: FakePaymob
    clock: FixedClock
    learner: Actor
    course: CourseView  # published, 100.00 EGP, taxed 14%


@pytest.fixture
def paymob_server() -> Iterator[FakePaymob]:
    with running_paymob_server() as server:
        yield server


@pytest.fixture
async def paymob_shop(
    database_url: str,
    real_time_clock: FixedClock,
    mailer: RecordingMailer,
    stripe_server: FakeStripe,
    paymob_server: FakePaymob,
) -> AsyncIterator[PaymobShop]:
    settings = make_settings(
        database_url,
        # Stripe stays the default provider: Paymob is chosen per purchase.
        stripe_secret_key=stripe_server.api_key,
        stripe_webhook_secret=stripe_server.webhook_secret,
        stripe_api_base=stripe_server.base_url,
        paymob_api_key=paymob_server.api_key,
        paymob_hmac_secret=paymob_server.hmac_secret,
        paymob_integration_id=str(paymob_server.integration_id),
        paymob_iframe_id=paymob_server.iframe_id,
        paymob_api_base=paymob_server.base_url,
        subscription_plans=[
            {"name": "Monthly", "price_id": "price_monthly", "price": "15.00", "currency": "USD", "interval": "month"}
        ],
        tax_rates={"EGP": "0.14"},
        payment_timeout_seconds=2.0,
    )
    async with open_lms(settings, clock=real_time_clock, mailer=mailer) as lms:
        teacher = await instructor(lms)
        course = await lms.courses.create_course(
            teacher,
            CreateCourse(title="Arabic Calligraphy", category="design", price=Decimal("100.00"), currency="EGP"),
        )
        await text_lesson(lms, teacher, course)
        course = await lms.courses.publish_course(teacher, course.id)
        yield PaymobShop(
            lms=lms, paymob=paymob_server, clock=real_time_clock, learner=await student(lms), course=course
        )


async def buy(shop: PaymobShop) -> PaymentIntentView:
    return await shop.lms.payments.create_payment_intent(
        shop.learner, CreatePaymentIntent(course_id=shop.course.id, provider=Provider.PAYMOB)
    )


async def deliver(shop: PaymobShop, hook: tuple[bytes, dict[str, str], dict[str, str]]) -> WebhookReceipt:
    body, headers, query = hook
    return await shop.lms.payments.handle_webhook(Provider.PAYMOB, body, headers, query)


def order_of(intent: PaymentIntentView) -> int:
    assert intent.payment.provider_payment_id is not None
    return int(intent.payment.provider_payment_id)


async def test_a_paymob_purchase_goes_through_its_payment_page_and_the_callback_grants_the_course(
    paymob_shop: PaymobShop, database_url: str
) -> None:
    shop = paymob_shop
    intent = await buy(shop)
    assert (intent.payment.provider, intent.payment.status) == (Provider.PAYMOB, PaymentStatus.PENDING)
    assert (intent.payment.amount, intent.payment.tax_amount, intent.payment.total_amount) == (
        Decimal("100.00"),
        Decimal("14.00"),
        Decimal("114.00"),
    )
    assert intent.client_secret is None
    assert intent.payment_url is not None
    assert intent.payment_url.startswith(f"{shop.paymob.base_url}/api/acceptance/iframes/{shop.paymob.iframe_id}?")
    [order] = shop.paymob.requests_to("/api/ecommerce/orders")
    assert (order.json["amount_cents"], order.json["currency"]) == ("11400", "EGP")
    assert order.json["merchant_order_id"] == str(intent.payment.id)
    assert shop.paymob.orders[order_of(intent)].amount_cents == 11400

    transaction = shop.paymob.mark_paid(order_of(intent))
    receipt = await deliver(shop, shop.paymob.webhook(transaction["id"]))
    assert (receipt.duplicate, receipt.outcome, receipt.event_type) == (False, "applied", "TRANSACTION")

    [row] = await table_rows(database_url, payments)
    assert (row["status"], row["provider"], row["total_minor"], row["currency"]) == (
        "succeeded",
        "paymob",
        11400,
        "EGP",
    )
    [enrolment] = await table_rows(database_url, enrollments)
    assert (enrolment["id"], enrolment["status"], enrolment["access_source"], enrolment["access_ref"]) == (
        row["enrollment_id"],
        "active",
        "payment",
        intent.payment.id,
    )
    [stored] = await table_rows(database_url, payment_webhook_events)
    assert (stored["provider"], stored["provider_event_id"], stored["status"]) == (
        "paymob",
        f"txn:{transaction['id']}:succeeded",
        "processed",
    )
    assert "payment.succeeded" in {r["event_type"] for r in await table_rows(database_url, outbox)}


async def test_a_full_paymob_refund_ends_the_course(paymob_shop: PaymobShop, database_url: str) -> None:
    shop = paymob_shop
    intent = await buy(shop)
    paid = shop.paymob.mark_paid(order_of(intent))
    await deliver(shop, shop.paymob.webhook(paid["id"]))

    refund = shop.paymob.mark_refunded(paid["id"])
    receipt = await deliver(shop, shop.paymob.webhook(refund["id"]))
    assert receipt.outcome == "applied"
    [row] = await table_rows(database_url, payments)
    assert (row["status"], row["refunded_at"]) == ("refunded", shop.clock.now())
    [enrolment] = await table_rows(database_url, enrollments)
    assert (enrolment["status"], enrolment["access_source"]) == ("expired", "payment")
    with pytest.raises(PaymentRequired):
        await shop.lms.enrollments.enroll(shop.learner, EnrollInCourse(course_id=shop.course.id))


async def test_a_callback_with_a_bad_hmac_is_refused_and_stores_nothing(
    paymob_shop: PaymobShop, database_url: str
) -> None:
    shop = paymob_shop
    intent = await buy(shop)
    paid = shop.paymob.mark_paid(order_of(intent))
    body, headers, query = shop.paymob.webhook(paid["id"])
    forged_secret = shop.paymob.webhook(paid["id"], secret="0" * 32)
    # The same callback claiming another amount: the signature covers `amount_cents`.
    tampered = json.loads(body)
    tampered["obj"]["amount_cents"] = 100
    for hook in (
        forged_secret,
        (json.dumps(tampered).encode(), headers, query),
        (body, headers, {}),
        (body, headers, {"hmac": "not-hex"}),
    ):
        with pytest.raises(InvalidWebhookSignature):
            await deliver(shop, hook)
    assert await table_rows(database_url, payment_webhook_events) == []
    assert await table_rows(database_url, enrollments) == []
    [row] = await table_rows(database_url, payments)
    assert row["status"] == "pending"


async def test_a_replayed_paymob_callback_is_a_duplicate_with_no_second_effect(
    paymob_shop: PaymobShop, database_url: str
) -> None:
    shop = paymob_shop
    intent = await buy(shop)
    hook = shop.paymob.webhook(shop.paymob.mark_paid(order_of(intent))["id"])
    first = await deliver(shop, hook)
    replayed = await deliver(shop, hook)
    assert (first.duplicate, first.outcome) == (False, "applied")
    assert (replayed.duplicate, replayed.outcome) == (True, "duplicate")
    assert len(await table_rows(database_url, payment_webhook_events)) == 1
    assert len(await table_rows(database_url, enrollments)) == 1
    succeeded = [r for r in await table_rows(database_url, outbox) if r["event_type"] == "payment.succeeded"]
    assert len(succeeded) == 1


async def test_paymob_takes_no_subscriptions(paymob_shop: PaymobShop, database_url: str) -> None:
    with pytest.raises(SubscriptionsNotSupported) as refused:
        await paymob_shop.lms.payments.create_subscription(
            paymob_shop.learner, CreateSubscription(plan_name="Monthly", provider=Provider.PAYMOB)
        )
    assert refused.value.details == {"provider": "paymob"}
    assert await table_rows(database_url, subscriptions) == []
    assert paymob_shop.paymob.requests == []
