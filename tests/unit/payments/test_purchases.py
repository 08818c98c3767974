"""Buying a course through the library, on SQLite and PostgreSQL, with real gateways against local servers that
speak Stripe's and MyFatoorah's protocols: purchase to enrolment, replays and concurrent duplicates, bad
signatures, refunds ending access, provider failures, reconciliation."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, NamedTuple

import pytest

from lms_adapters.persistence.models import enrollments, outbox, payment_webhook_events, payments
from lms_core import (
    AccessSource,
    AlreadyHasAccess,
    CourseNotForSale,
    CreateCourse,
    CreatePaymentIntent,
    EnrollInCourse,
    EnrollmentStatus,
    InvalidWebhookSignature,
    ListMyPayments,
    NotAPurchaser,
    PaymentIntentView,
    PaymentProviderError,
    PaymentProviderUnavailable,
    PaymentRequired,
    PaymentStatus,
    Provider,
    ReconcilePayments,
    UpdateCourse,
    WebhookProcessingFailed,
    WebhookReceipt,
)
from lms_core.shared.actor import Actor
from tests.support.attempts import table_rows
from tests.support.catalogue import published_course, student
from tests.unit.payments.conftest import Shop


class Hook(NamedTuple):
    body: bytes
    headers: dict[str, str]
    query: dict[str, str]


async def deliver(shop: Shop, provider: Provider, hook: Any) -> WebhookReceipt:
    return await shop.lms.payments.handle_webhook(provider, hook.body, hook.headers, hook.query)


async def buy(shop: Shop, learner: Actor | None = None, provider: Provider | None = None) -> PaymentIntentView:
    return await shop.lms.payments.create_payment_intent(
        learner or shop.learner, CreatePaymentIntent(course_id=shop.course.id, provider=provider)
    )


async def event_types(database_url: str) -> list[str]:
    return sorted(row["event_type"] for row in await table_rows(database_url, outbox))


async def test_a_stripe_purchase_charges_the_courses_price_and_its_webhook_grants_the_course(
    shop: Shop, database_url: str
) -> None:
    intent = await buy(shop)
    assert intent.payment.status is PaymentStatus.PENDING
    assert (intent.payment.amount, intent.payment.total_amount, intent.payment.currency) == (
        Decimal("49.00"),
        Decimal("49.00"),
        "USD",
    )
    assert intent.payment.provider_payment_id is not None
    assert intent.client_secret is not None
    assert intent.client_secret.startswith(intent.payment.provider_payment_id + "_secret_")
    assert intent.payment.stripe_payment_intent_id == intent.payment.provider_payment_id
    [created] = shop.stripe.requests_to("POST", "/v1/payment_intents")
    assert created.form["amount"] == "4900"
    assert created.form["currency"] == "usd"
    assert created.form["metadata"] == {"lms_payment_id": str(intent.payment.id)}

    assert intent.payment.provider_payment_id is not None
    receipt = await deliver(shop, Provider.STRIPE, shop.stripe.mark_paid(intent.payment.provider_payment_id))
    assert (receipt.duplicate, receipt.outcome, receipt.event_type) == (False, "applied", "payment_intent.succeeded")

    [payment] = (await shop.lms.payments.my_payments(shop.learner, ListMyPayments())).items
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.processed_at == shop.clock.now()
    [row] = await table_rows(database_url, enrollments)
    assert (row["id"], row["status"], row["access_source"], row["access_ref"]) == (
        payment.enrollment_id,
        "active",
        "payment",
        payment.id,
    )
    assert "payment.succeeded" in await event_types(database_url)
    [stored] = await table_rows(database_url, payment_webhook_events)
    assert (stored["provider"], stored["status"], stored["error_message"]) == ("stripe", "processed", None)


async def test_a_replayed_or_concurrent_duplicate_webhook_has_exactly_one_effect(shop: Shop, database_url: str) -> None:
    intent = await buy(shop)
    assert intent.payment.provider_payment_id is not None
    hook = shop.stripe.mark_paid(intent.payment.provider_payment_id)
    receipts = await asyncio.gather(*(deliver(shop, Provider.STRIPE, hook) for _ in range(5)))
    assert sorted(receipt.duplicate for receipt in receipts) == [False, True, True, True, True]
    replayed = await deliver(shop, Provider.STRIPE, hook)
    assert (replayed.duplicate, replayed.outcome) == (True, "duplicate")

    assert len(await table_rows(database_url, enrollments)) == 1
    assert len(await table_rows(database_url, payment_webhook_events)) == 1
    succeeded = [t for t in await event_types(database_url) if t == "payment.succeeded"]
    enrolled = [t for t in await event_types(database_url) if t == "enrollments.student_enrolled"]
    assert (len(succeeded), len(enrolled)) == (1, 1)


@pytest.mark.parametrize("tamper", ["body", "secret", "missing", "stale"])
async def test_a_webhook_with_a_bad_signature_is_refused_and_changes_nothing(
    shop: Shop, database_url: str, tamper: str
) -> None:
    intent = await buy(shop)
    assert intent.payment.provider_payment_id is not None
    pi = intent.payment.provider_payment_id
    hook: Any
    if tamper == "secret":
        hook = shop.stripe.webhook("payment_intent.succeeded", shop.stripe.payment_intents[pi], secret="whsec_other")
    elif tamper == "stale":
        stale = int(shop.clock.now().timestamp()) - 301
        hook = shop.stripe.webhook("payment_intent.succeeded", shop.stripe.payment_intents[pi], timestamp=stale)
    else:
        good = shop.stripe.mark_paid(pi)
        if tamper == "body":
            hook = Hook(good.body.replace(b'"livemode": false', b'"livemode": true'), good.headers, good.query)
        else:
            hook = Hook(good.body, {"content-type": "application/json"}, good.query)
    with pytest.raises(InvalidWebhookSignature):
        await deliver(shop, Provider.STRIPE, hook)
    assert await table_rows(database_url, payment_webhook_events) == []
    assert await table_rows(database_url, enrollments) == []
    [row] = await table_rows(database_url, payments)
    assert row["status"] == "pending"


async def test_a_refund_ends_the_access_the_payment_bought_and_the_learner_may_not_re_enrol_free(
    shop: Shop, database_url: str
) -> None:
    intent = await buy(shop)
    pi = intent.payment.provider_payment_id
    assert pi is not None
    await deliver(shop, Provider.STRIPE, shop.stripe.mark_paid(pi))
    receipt = await deliver(shop, Provider.STRIPE, shop.stripe.mark_refunded(pi))
    assert receipt.outcome == "applied"

    [payment] = (await shop.lms.payments.my_payments(shop.learner, ListMyPayments())).items
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.refunded_at == shop.clock.now()
    [row] = await table_rows(database_url, enrollments)
    assert (row["status"], row["access_source"]) == ("expired", "payment")
    assert "payment.refunded" in await event_types(database_url)
    with pytest.raises(PaymentRequired):
        await shop.lms.enrollments.enroll(shop.learner, EnrollInCourse(course_id=shop.course.id))

    # Buying again after the refund is a new purchase, granted again.
    again = await buy(shop)
    assert again.payment.id != payment.id
    assert again.payment.provider_payment_id is not None
    await deliver(shop, Provider.STRIPE, shop.stripe.mark_paid(again.payment.provider_payment_id))
    [row] = await table_rows(database_url, enrollments)
    assert (row["status"], row["access_ref"]) == ("active", again.payment.id)


async def test_a_chargeback_ends_access_like_a_refund(shop: Shop, database_url: str) -> None:
    intent = await buy(shop)
    pi = intent.payment.provider_payment_id
    assert pi is not None
    await deliver(shop, Provider.STRIPE, shop.stripe.mark_paid(pi))
    await deliver(shop, Provider.STRIPE, shop.stripe.open_dispute(pi))
    [row] = await table_rows(database_url, payments)
    assert row["status"] == "refunded"
    [enrolment] = await table_rows(database_url, enrollments)
    assert enrolment["status"] == "expired"
    refunded = [r for r in await table_rows(database_url, outbox) if r["event_type"] == "payment.refunded"]
    assert [r["payload"]["chargeback"] for r in refunded] == [True]


async def test_a_partial_refund_keeps_the_course(shop: Shop, database_url: str) -> None:
    intent = await buy(shop)
    pi = intent.payment.provider_payment_id
    assert pi is not None
    await deliver(shop, Provider.STRIPE, shop.stripe.mark_paid(pi))
    receipt = await deliver(shop, Provider.STRIPE, shop.stripe.mark_refunded(pi, amount=1000))
    assert receipt.outcome == "ignored"
    [row] = await table_rows(database_url, payments)
    assert row["status"] == "succeeded"
    [enrolment] = await table_rows(database_url, enrollments)
    assert enrolment["status"] == "active"


async def test_asking_twice_while_pending_returns_the_same_checkout_and_charges_once(shop: Shop) -> None:
    first = await buy(shop)
    second = await buy(shop)
    assert second.payment.id == first.payment.id
    assert (second.client_secret, second.payment.provider_payment_id) == (
        first.client_secret,
        first.payment.provider_payment_id,
    )
    assert len(shop.stripe.requests_to("POST", "/v1/payment_intents")) == 1


async def test_concurrent_purchases_of_one_course_make_one_pending_payment(shop: Shop, database_url: str) -> None:
    results = await asyncio.gather(*(buy(shop) for _ in range(4)), return_exceptions=True)
    intents = [r for r in results if isinstance(r, PaymentIntentView)]
    refused = [r for r in results if not isinstance(r, PaymentIntentView)]
    assert intents, results
    assert all(getattr(r, "code", None) == "payments.checkout_in_progress" for r in refused), refused
    assert len({intent.payment.id for intent in intents}) == 1
    assert [row["status"] for row in await table_rows(database_url, payments)] == ["pending"]
    assert len(shop.stripe.requests_to("POST", "/v1/payment_intents")) == 1


@pytest.mark.parametrize(("failure", "error"), [(500, PaymentProviderUnavailable), (402, PaymentProviderError)])
async def test_a_provider_failure_leaves_the_payment_failed_with_its_reason_and_a_retry_works(
    shop: Shop, database_url: str, failure: int, error: type[Exception]
) -> None:
    # Stripe's SDK tries a 5xx twice (once more than the first); a refusal once.
    count = 2 if failure == 500 else 1
    shop.stripe.fail_next(status=failure, count=count, error_type="card_error" if failure == 402 else "api_error")
    with pytest.raises(error):
        await buy(shop)
    [row] = await table_rows(database_url, payments)
    assert (row["status"], row["provider_payment_id"]) == ("failed", None)
    assert row["failure_reason"]
    assert await table_rows(database_url, enrollments) == []

    retried = await buy(shop)
    assert retried.payment.status is PaymentStatus.PENDING
    assert sorted(row["status"] for row in await table_rows(database_url, payments)) == ["failed", "pending"]


async def test_a_provider_that_hangs_is_unavailable_after_the_timeout(shop: Shop, database_url: str) -> None:
    shop.stripe.hang_next(5.0, count=2)
    with pytest.raises(PaymentProviderUnavailable):
        await buy(shop)
    [row] = await table_rows(database_url, payments)
    assert row["status"] == "failed"


async def test_only_students_buy_paid_courses_they_do_not_have(shop: Shop) -> None:
    with pytest.raises(NotAPurchaser):
        await buy(shop, shop.teacher)
    free = await published_course(shop.lms, shop.teacher, "Free Python")
    with pytest.raises(CourseNotForSale):
        await shop.lms.payments.create_payment_intent(shop.learner, CreatePaymentIntent(course_id=free.id))
    intent = await buy(shop)
    assert intent.payment.provider_payment_id is not None
    await deliver(shop, Provider.STRIPE, shop.stripe.mark_paid(intent.payment.provider_payment_id))
    with pytest.raises(AlreadyHasAccess):
        await buy(shop)


async def test_tax_is_added_by_the_currencys_rate_and_the_provider_charges_the_total(shop: Shop) -> None:
    course = await shop.lms.courses.create_course(
        shop.teacher, CreateCourse(title="Taxed", category="programming", price=Decimal("100.00"), currency="EGP")
    )
    from tests.support.catalogue import text_lesson

    await text_lesson(shop.lms, shop.teacher, course)
    await shop.lms.courses.publish_course(shop.teacher, course.id)
    intent = await shop.lms.payments.create_payment_intent(shop.learner, CreatePaymentIntent(course_id=course.id))
    assert (intent.payment.amount, intent.payment.tax_amount, intent.payment.total_amount) == (
        Decimal("100.00"),
        Decimal("14.00"),
        Decimal("114.00"),
    )
    [created] = shop.stripe.requests_to("POST", "/v1/payment_intents")
    assert (created.form["amount"], created.form["currency"]) == ("11400", "egp")


async def test_a_price_change_while_pending_replaces_the_checkout(shop: Shop, database_url: str) -> None:
    first = await buy(shop)
    await shop.lms.courses.update_course(shop.teacher, shop.course.id, UpdateCourse(price=Decimal("59.00")))
    second = await buy(shop)
    assert second.payment.id != first.payment.id
    assert second.payment.total_amount == Decimal("59.00")
    statuses = {row["id"]: row["status"] for row in await table_rows(database_url, payments)}
    assert statuses == {first.payment.id: "failed", second.payment.id: "pending"}


async def test_a_myfatoorah_purchase_is_granted_by_its_webhook_and_a_full_refund_ends_it(
    shop: Shop, database_url: str
) -> None:
    intent = await buy(shop, provider=Provider.MYFATOORAH)
    assert intent.payment.provider is Provider.MYFATOORAH
    assert intent.payment_url is not None and intent.client_secret is None
    invoice = intent.payment.provider_payment_id
    assert invoice is not None
    receipt = await deliver(shop, Provider.MYFATOORAH, shop.myfatoorah.mark_paid(invoice))
    assert receipt.outcome == "applied"
    [enrolment] = await table_rows(database_url, enrollments)
    assert (enrolment["status"], enrolment["access_source"]) == ("active", "payment")

    refund = await deliver(shop, Provider.MYFATOORAH, shop.myfatoorah.mark_refunded(invoice))
    assert refund.outcome == "applied"  # the provider confirmed a full refund when asked
    [row] = await table_rows(database_url, payments)
    assert row["status"] == "refunded"
    [enrolment] = await table_rows(database_url, enrollments)
    assert enrolment["status"] == "expired"


async def test_a_partial_myfatoorah_refund_is_checked_with_the_provider_and_keeps_the_course(
    shop: Shop, database_url: str
) -> None:
    intent = await buy(shop, provider=Provider.MYFATOORAH)
    invoice = intent.payment.provider_payment_id
    assert invoice is not None
    await deliver(shop, Provider.MYFATOORAH, shop.myfatoorah.mark_paid(invoice))
    receipt = await deliver(shop, Provider.MYFATOORAH, shop.myfatoorah.mark_refunded(invoice, amount=Decimal("9.00")))
    assert receipt.outcome == "ignored"
    [row] = await table_rows(database_url, payments)
    assert row["status"] == "succeeded"


async def test_reconciliation_applies_what_the_provider_says_and_the_late_webhook_then_does_nothing(
    shop: Shop, database_url: str
) -> None:
    intent = await buy(shop)
    pi = intent.payment.provider_payment_id
    assert pi is not None
    other = await student(shop.lms, "second@example.com")
    untouched = await buy(shop, other)
    hook = shop.stripe.mark_paid(pi)  # paid at Stripe; the webhook is lost for now

    from datetime import timedelta

    shop.clock.advance(timedelta(minutes=20))
    report = await shop.lms.payments.reconcile(Actor.system(), ReconcilePayments(older_than_seconds=900))
    assert (report.checked, report.succeeded, report.still_pending, report.errors) == (2, 1, 1, 0)
    statuses = {row["id"]: row["status"] for row in await table_rows(database_url, payments)}
    assert statuses == {intent.payment.id: "succeeded", untouched.payment.id: "pending"}
    [enrolment] = await table_rows(database_url, enrollments)
    assert enrolment["access_ref"] == intent.payment.id

    shop.clock.set(shop.clock.now() - timedelta(minutes=20))  # the webhook arrives within its tolerance
    late = await deliver(shop, Provider.STRIPE, hook)
    assert late.outcome == "nothing_to_do"
    assert len(await table_rows(database_url, enrollments)) == 1
    again = await shop.lms.payments.reconcile(Actor.system(), ReconcilePayments(older_than_seconds=0))
    assert again.succeeded == 0


async def test_an_unknown_payment_is_stored_and_answered_without_effect(shop: Shop, database_url: str) -> None:
    foreign = {"id": "pi_elsewhere", "object": "payment_intent", "amount": 100, "amount_received": 100,
               "currency": "usd", "status": "succeeded", "metadata": {}}  # fmt: skip
    receipt = await deliver(shop, Provider.STRIPE, shop.stripe.webhook("payment_intent.succeeded", foreign))
    assert (receipt.duplicate, receipt.outcome) == (False, "unknown_payment")
    [stored] = await table_rows(database_url, payment_webhook_events)
    assert stored["status"] == "processed"


async def test_an_enrolment_granted_by_payment_is_what_the_learner_sees(shop: Shop) -> None:
    intent = await buy(shop)
    assert intent.payment.provider_payment_id is not None
    await deliver(shop, Provider.STRIPE, shop.stripe.mark_paid(intent.payment.provider_payment_id))
    [enrolment] = (await shop.lms.enrollments.my_enrollments(shop.learner, _my_enrolments())).items
    assert (enrolment.status, enrolment.access_source) == (EnrollmentStatus.ACTIVE, AccessSource.PAYMENT)


def _my_enrolments() -> Any:
    from lms_core import ListMyEnrollments

    return ListMyEnrollments()


async def test_an_event_that_cannot_be_applied_is_kept_failed_and_applied_when_sent_again(
    shop: Shop, database_url: str
) -> None:
    intent = await buy(shop)
    pi = intent.payment.provider_payment_id
    assert pi is not None
    shop.stripe.mark_paid(pi)
    paid = dict(shop.stripe.payment_intents[pi])
    wrong = shop.stripe.webhook("payment_intent.succeeded", {**paid, "amount_received": 100}, event_id="evt_same")
    with pytest.raises(WebhookProcessingFailed) as caught:
        await deliver(shop, Provider.STRIPE, wrong)
    assert caught.value.code == "payments.webhook_failed"
    [stored] = await table_rows(database_url, payment_webhook_events)
    assert (stored["provider_event_id"], stored["status"], stored["processed_at"]) == ("evt_same", "failed", None)
    assert stored["error_message"].startswith("payments.malformed_webhook: the provider reports another amount")
    assert [row["status"] for row in await table_rows(database_url, payments)] == ["pending"]
    assert await table_rows(database_url, enrollments) == []

    receipt = await deliver(
        shop, Provider.STRIPE, shop.stripe.webhook("payment_intent.succeeded", paid, event_id="evt_same")
    )
    assert (receipt.duplicate, receipt.outcome) == (False, "applied")
    [stored] = await table_rows(database_url, payment_webhook_events)
    assert (stored["status"], stored["error_message"], stored["processed_at"]) == ("processed", None, shop.clock.now())
    assert [row["status"] for row in await table_rows(database_url, payments)] == ["succeeded"]
