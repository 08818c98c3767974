"""Subscriptions through the library, on SQLite and PostgreSQL, against a local server speaking Stripe's
protocol: the status lifecycle driven by webhooks, the paid courses a live subscription opens, and the end
of that access when the subscription ends."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from lms_adapters.persistence.models import enrollments, outbox, payment_webhook_events, subscriptions
from lms_core import (
    AccessSource,
    AlreadySubscribed,
    CancelSubscription,
    CourseView,
    CreatePaymentIntent,
    CreateSubscription,
    EnrollInCourse,
    EnrollmentStatus,
    EnrollmentView,
    ListMySubscriptions,
    PaymentRequired,
    Provider,
    ReconcilePayments,
    SubscriptionCheckoutView,
    SubscriptionsNotSupported,
    SubscriptionStatus,
    SubscriptionView,
    UnknownPlan,
    UpdateCourse,
    WebhookReceipt,
)
from lms_core.shared.actor import Actor
from tests.support.attempts import table_rows
from tests.support.catalogue import published_course
from tests.unit.payments.conftest import Shop


async def deliver(shop: Shop, hook: Any) -> WebhookReceipt:
    return await shop.lms.payments.handle_webhook(Provider.STRIPE, hook.body, hook.headers, hook.query)


async def subscribe(shop: Shop) -> SubscriptionCheckoutView:
    return await shop.lms.payments.create_subscription(shop.learner, CreateSubscription(plan_name="Monthly"))


def stripe_id(checkout: SubscriptionCheckoutView) -> str:
    sub = checkout.subscription.provider_subscription_id
    assert sub is not None
    return sub


async def subscribed(shop: Shop, status: str = "active") -> tuple[UUID, str]:
    """A subscription the provider has moved to `status`: (our id, Stripe's id)."""
    checkout = await subscribe(shop)
    receipt = await deliver(shop, shop.stripe.set_subscription_status(stripe_id(checkout), status))
    assert receipt.outcome == "applied"
    return checkout.subscription.id, stripe_id(checkout)


async def my_subscription(shop: Shop) -> SubscriptionView:
    [subscription] = (await shop.lms.payments.my_subscriptions(shop.learner, ListMySubscriptions())).items
    return subscription


async def paid_course(shop: Shop, title: str) -> CourseView:
    course = await published_course(shop.lms, shop.teacher, title)
    return await shop.lms.courses.update_course(
        shop.teacher, course.id, UpdateCourse(price=Decimal("30.00"), currency="USD")
    )


async def enrol(shop: Shop, course: CourseView) -> EnrollmentView:
    return await shop.lms.enrollments.enroll(shop.learner, EnrollInCourse(course_id=course.id))


async def enrolment_statuses(database_url: str) -> dict[UUID, tuple[str, str]]:
    return {
        row["course_id"]: (row["status"], row["access_source"]) for row in await table_rows(database_url, enrollments)
    }


async def subscription_events(database_url: str) -> list[dict[str, Any]]:
    rows = [row for row in await table_rows(database_url, outbox) if row["event_type"] == "subscription.updated"]
    ordered = sorted(rows, key=lambda row: row["created_at"])
    return [{k: v for k, v in row["payload"].items() if k != "event_id"} for row in ordered]


def set_period_end(shop: Shop, sub: str, end: datetime) -> None:
    """The provider's record of the current period (on the subscription item, as Stripe keeps it now)."""
    with shop.stripe._lock:
        shop.stripe.subscriptions[sub]["items"]["data"][0]["current_period_end"] = int(end.timestamp())


async def test_a_new_subscription_is_incomplete_until_its_activation_opens_every_paid_course(
    shop: Shop, database_url: str
) -> None:
    checkout = await subscribe(shop)
    assert checkout.subscription.status is SubscriptionStatus.INCOMPLETE
    assert checkout.subscription.grants_access is False
    assert checkout.client_secret is not None
    [created] = shop.stripe.requests_to("POST", "/v1/subscriptions")
    assert created.form["items"][0]["price"] == "price_monthly"
    assert created.form["metadata"] == {"lms_subscription_id": str(checkout.subscription.id)}
    with pytest.raises(PaymentRequired):
        await enrol(shop, shop.course)

    receipt = await deliver(shop, shop.stripe.set_subscription_status(stripe_id(checkout), "active"))
    assert (receipt.duplicate, receipt.outcome, receipt.event_type) == (
        False,
        "applied",
        "customer.subscription.updated",
    )
    active = await my_subscription(shop)
    assert (active.status, active.grants_access, active.courses_accessed) == (SubscriptionStatus.ACTIVE, True, 0)
    assert active.current_period_end is not None and active.current_period_end > shop.clock.now()

    first = await enrol(shop, shop.course)
    assert (first.status, first.access_source) == (EnrollmentStatus.ACTIVE, AccessSource.SUBSCRIPTION)
    assert (await my_subscription(shop)).courses_accessed == 1
    second_course = await paid_course(shop, "Paid Rust")
    await enrol(shop, second_course)
    assert (await my_subscription(shop)).courses_accessed == 2

    rows = await table_rows(database_url, enrollments)
    assert {(row["course_id"], row["access_source"], row["access_ref"]) for row in rows} == {
        (shop.course.id, "subscription", checkout.subscription.id),
        (second_course.id, "subscription", checkout.subscription.id),
    }
    [stored] = await table_rows(database_url, subscriptions)
    assert (stored["status"], stored["courses_accessed"], stored["total_usage"]) == ("active", 2, 2)
    assert await subscription_events(database_url) == [
        {
            "subscription_id": str(checkout.subscription.id),
            "user_id": str(shop.learner.require_user()),
            "plan_name": "Monthly",
            "status": "active",
            "previous_status": "incomplete",
            "grants_access": True,
        }
    ]
    [event] = await table_rows(database_url, payment_webhook_events)
    assert (event["event_type"], event["status"]) == ("customer.subscription.updated", "processed")


async def test_a_trial_grants_access(shop: Shop, database_url: str) -> None:
    await subscribed(shop, "trialing")
    trial = await my_subscription(shop)
    assert (trial.status, trial.grants_access) == (SubscriptionStatus.TRIAL, True)
    enrolment = await enrol(shop, shop.course)
    assert enrolment.access_source is AccessSource.SUBSCRIPTION
    assert [event["status"] for event in await subscription_events(database_url)] == ["trial"]


async def test_a_past_due_subscription_keeps_its_access_while_the_card_is_retried(
    shop: Shop, database_url: str
) -> None:
    _, sub = await subscribed(shop)
    await enrol(shop, shop.course)
    receipt = await deliver(shop, shop.stripe.set_subscription_status(sub, "past_due"))
    assert receipt.outcome == "applied"

    assert (await my_subscription(shop)).status is SubscriptionStatus.PAST_DUE
    assert await enrolment_statuses(database_url) == {shop.course.id: ("active", "subscription")}
    other = await paid_course(shop, "Paid Go")
    assert (await enrol(shop, other)).access_source is AccessSource.SUBSCRIPTION
    events = await subscription_events(database_url)
    assert [(e["previous_status"], e["status"], e["grants_access"]) for e in events] == [
        ("incomplete", "active", True),
        ("active", "past_due", True),
    ]


async def test_a_cancellation_at_period_end_keeps_access_until_the_period_ends(shop: Shop, database_url: str) -> None:
    subscription_id, sub = await subscribed(shop)
    await enrol(shop, shop.course)
    canceled = await shop.lms.payments.cancel_subscription(shop.learner, subscription_id, CancelSubscription())
    assert (canceled.cancel_at_period_end, canceled.grants_access) == (True, True)
    [asked] = shop.stripe.requests_to("POST", f"/v1/subscriptions/{sub}")
    assert asked.form["cancel_at_period_end"] == "true"
    assert canceled.current_period_end is not None

    # Within the paid period, reconciliation leaves the access alone.
    report = await shop.lms.payments.reconcile(Actor.system(), ReconcilePayments())
    assert report.checked == 0
    assert await enrolment_statuses(database_url) == {shop.course.id: ("active", "subscription")}

    shop.clock.set(canceled.current_period_end + timedelta(seconds=1))
    assert (await my_subscription(shop)).grants_access is False
    await shop.lms.payments.reconcile(Actor.system(), ReconcilePayments())
    assert await enrolment_statuses(database_url) == {shop.course.id: ("expired", "subscription")}
    with pytest.raises(PaymentRequired):
        await enrol(shop, await paid_course(shop, "Paid Go"))


async def test_a_deleted_subscription_whose_period_is_over_ends_access_at_once(shop: Shop, database_url: str) -> None:
    _, sub = await subscribed(shop)
    await enrol(shop, shop.course)
    with shop.stripe._lock:
        shop.stripe.subscriptions[sub].update(status="canceled", canceled_at=int(shop.clock.now().timestamp()))
    set_period_end(shop, sub, shop.clock.now() - timedelta(minutes=1))

    receipt = await deliver(shop, shop.stripe.subscription_event(sub, "customer.subscription.deleted"))
    assert (receipt.outcome, receipt.event_type) == ("applied", "customer.subscription.deleted")
    ended = await my_subscription(shop)
    assert (ended.status, ended.grants_access) == (SubscriptionStatus.CANCELED, False)
    assert ended.canceled_at is not None
    assert await enrolment_statuses(database_url) == {shop.course.id: ("expired", "subscription")}
    assert (await subscription_events(database_url))[-1] == {
        "subscription_id": str(ended.id),
        "user_id": str(shop.learner.require_user()),
        "plan_name": "Monthly",
        "status": "canceled",
        "previous_status": "active",
        "grants_access": False,
    }


async def test_a_course_bought_outright_outlives_the_subscription(shop: Shop, database_url: str) -> None:
    # Bought before subscribing.
    bought = await shop.lms.payments.create_payment_intent(shop.learner, CreatePaymentIntent(course_id=shop.course.id))
    assert bought.payment.provider_payment_id is not None
    await deliver(shop, shop.stripe.mark_paid(bought.payment.provider_payment_id))
    # Opened by the subscription while its purchase was pending, then paid: the purchase takes over.
    later = await paid_course(shop, "Paid Go")
    pending = await shop.lms.payments.create_payment_intent(shop.learner, CreatePaymentIntent(course_id=later.id))
    _, sub = await subscribed(shop)
    browsed = await paid_course(shop, "Paid Rust")
    await enrol(shop, browsed)
    assert (await enrol(shop, later)).access_source is AccessSource.SUBSCRIPTION
    assert pending.payment.provider_payment_id is not None
    await deliver(shop, shop.stripe.mark_paid(pending.payment.provider_payment_id))
    assert (await enrolment_statuses(database_url))[later.id] == ("active", "payment")

    with shop.stripe._lock:
        shop.stripe.subscriptions[sub]["status"] = "canceled"
    set_period_end(shop, sub, shop.clock.now() - timedelta(minutes=1))
    await deliver(shop, shop.stripe.subscription_event(sub, "customer.subscription.deleted"))

    assert await enrolment_statuses(database_url) == {
        shop.course.id: ("active", "payment"),
        later.id: ("active", "payment"),
        browsed.id: ("expired", "subscription"),
    }


async def test_one_live_subscription_per_learner(shop: Shop, database_url: str) -> None:
    await subscribed(shop)
    with pytest.raises(AlreadySubscribed):
        await subscribe(shop)
    assert len(shop.stripe.requests_to("POST", "/v1/subscriptions")) == 1
    assert [row["status"] for row in await table_rows(database_url, subscriptions)] == ["active"]


async def test_unknown_plans_and_providers_without_subscriptions_are_refused(shop: Shop, database_url: str) -> None:
    with pytest.raises(UnknownPlan) as unknown:
        await shop.lms.payments.create_subscription(shop.learner, CreateSubscription(plan_name="Yearly"))
    assert unknown.value.details["plans"] == ["Monthly"]
    with pytest.raises(SubscriptionsNotSupported):
        await shop.lms.payments.create_subscription(
            shop.learner, CreateSubscription(plan_name="Monthly", provider=Provider.MYFATOORAH)
        )
    assert await table_rows(database_url, subscriptions) == []
    assert shop.stripe.requests_to("POST", "/v1/subscriptions") == []
    assert shop.myfatoorah.requests == []


async def test_an_event_about_an_unknown_subscription_is_stored_without_effect(shop: Shop, database_url: str) -> None:
    await subscribed(shop)
    foreign = {
        "id": "sub_elsewhere",
        "object": "subscription",
        "customer": "cus_elsewhere",
        "status": "canceled",
        "cancel_at_period_end": False,
        "canceled_at": None,
        "metadata": {},
        "items": {"object": "list", "data": []},
    }
    receipt = await deliver(shop, shop.stripe.webhook("customer.subscription.updated", foreign))
    assert (receipt.duplicate, receipt.outcome) == (False, "unknown_payment")
    stored = [
        row for row in await table_rows(database_url, payment_webhook_events) if "sub_elsewhere" in row["payload"]
    ]
    assert [row["status"] for row in stored] == ["processed"]
    assert [row["status"] for row in await table_rows(database_url, subscriptions)] == ["active"]
    assert len(await subscription_events(database_url)) == 1


async def test_a_cancellation_at_once_ends_access_now(shop: Shop, database_url: str) -> None:
    subscription_id, sub = await subscribed(shop)
    await enrol(shop, shop.course)
    canceled = await shop.lms.payments.cancel_subscription(
        shop.learner, subscription_id, CancelSubscription(at_period_end=False)
    )
    assert [r.method for r in shop.stripe.requests if r.path == f"/v1/subscriptions/{sub}"] == ["DELETE"]
    # Stripe keeps the period the customer paid for on a canceled subscription; `cancel_at_period_end`
    # false says it ended at once, not with that period.
    assert canceled.current_period_end is not None and canceled.current_period_end > shop.clock.now()
    assert (canceled.status, canceled.cancel_at_period_end, canceled.grants_access) == (
        SubscriptionStatus.CANCELED,
        False,
        False,
    )
    assert await enrolment_statuses(database_url) == {shop.course.id: ("expired", "subscription")}
    with pytest.raises(PaymentRequired):
        await enrol(shop, await paid_course(shop, "Paid Go"))
    assert (await subscription_events(database_url))[-1]["grants_access"] is False

    # Ended, it no longer counts as the learner's live subscription: a new one may start.
    again = await subscribe(shop)
    assert again.subscription.status is SubscriptionStatus.INCOMPLETE
    assert sorted(row["status"] for row in await table_rows(database_url, subscriptions)) == ["canceled", "incomplete"]


async def test_a_lapsed_subscription_also_ends_the_courses_left_under_it(shop: Shop, database_url: str) -> None:
    subscription_id, _ = await subscribed(shop)
    left = await enrol(shop, shop.course)
    await shop.lms.enrollments.drop(shop.learner, left.id)
    canceled = await shop.lms.payments.cancel_subscription(shop.learner, subscription_id, CancelSubscription())
    assert canceled.current_period_end is not None
    assert await enrolment_statuses(database_url) == {shop.course.id: ("dropped", "subscription")}

    shop.clock.set(canceled.current_period_end + timedelta(seconds=1))
    await shop.lms.payments.reconcile(Actor.system(), ReconcilePayments())
    assert await enrolment_statuses(database_url) == {shop.course.id: ("expired", "subscription")}
    with pytest.raises(PaymentRequired):
        await enrol(shop, shop.course)


async def test_a_late_event_from_before_the_end_does_not_bring_a_canceled_subscription_back(
    shop: Shop, database_url: str
) -> None:
    _, sub = await subscribed(shop)
    await enrol(shop, shop.course)
    stale = shop.stripe.set_subscription_status(sub, "past_due")  # sent, but delayed in transit
    with shop.stripe._lock:
        shop.stripe.subscriptions[sub]["status"] = "canceled"
    set_period_end(shop, sub, shop.clock.now() - timedelta(minutes=1))
    await deliver(shop, shop.stripe.subscription_event(sub, "customer.subscription.deleted"))

    late = await deliver(shop, stale)
    assert (late.duplicate, late.outcome) == (False, "nothing_to_do")
    ended = await my_subscription(shop)
    assert (ended.status, ended.grants_access) == (SubscriptionStatus.CANCELED, False)
    assert await enrolment_statuses(database_url) == {shop.course.id: ("expired", "subscription")}
    with pytest.raises(PaymentRequired):
        await enrol(shop, shop.course)
