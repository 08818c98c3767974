"""`/api/v1/payments`: buying courses, subscriptions, provider webhooks and revenue (docs/payments.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from lms_core import (
    Actor,
    CancelSubscription,
    CreatePaymentIntent,
    CreateSubscription,
    ListMyPayments,
    ListMySubscriptions,
    Lms,
    PaymentIntentView,
    PaymentView,
    PlanView,
    Provider,
    RevenueQuery,
    RevenueSummary,
    SubscriptionCheckoutView,
    SubscriptionView,
    WebhookReceipt,
)
from lms_core.shared.pagination import DEFAULT_PAGE_SIZE
from lms_http.auth import SIGNED_IN, provide_actor
from lms_http.errors import problems
from lms_http.paging import PageQuery, PageSizeQuery, PaymentPage, SubscriptionPage

_WEBHOOK_ERRORS = """Errors: 400 `payments.invalid_signature` for a missing, malformed, stale or wrong signature
(nothing is stored or changed); 409 `payments.webhook_failed` when the event was stored but could not be
applied (it is kept with its error, and applied again when the provider re-sends it); 422
`payments.malformed_webhook` for a signed body this server cannot read; 503
`payments.provider_not_configured` when this provider has no keys on this server."""

_STRIPE_DOC = (
    "Stripe posts its events here (configure `https://<host>/api/v1/payments/webhooks/stripe` in the Stripe "
    "dashboard). The raw body is checked against the `Stripe-Signature` header with `LMS_STRIPE_WEBHOOK_SECRET` "
    "(timestamp within 5 minutes). `payment_intent.succeeded` grants the course, `charge.refunded` (in full) "
    "and `charge.dispute.created` end it, `customer.subscription.*` follow the subscription. A replayed event "
    "is answered 200 with `duplicate: true` and changes nothing."
    "\n\n" + _WEBHOOK_ERRORS
)

_PAYMOB_DOC = (
    "Paymob's transaction-processed callback. Its `hmac` query parameter is checked (HMAC-SHA512 over Paymob's "
    "documented fields, with `LMS_PAYMOB_HMAC_SECRET`). A successful transaction grants the course, a refunded "
    "or voided one ends it; a replay is answered 200 with `duplicate: true`."
    "\n\n" + _WEBHOOK_ERRORS
)

_MYFATOORAH_DOC = (
    "MyFatoorah's webhook (version 1). Its `MyFatoorah-Signature` header is checked (HMAC-SHA256 over the "
    "sorted `Data` fields, with `LMS_MYFATOORAH_WEBHOOK_SECRET`). A paid invoice grants the course, a refund "
    "ends it; a replay is answered 200 with `duplicate: true`."
    "\n\n" + _WEBHOOK_ERRORS
)


class PaymentsController(Controller):
    path = "/api/v1/payments"
    tags = ["payments"]
    dependencies = {"actor": Provide(provide_actor)}
    security = SIGNED_IN

    @post(
        "/create-payment-intent",
        status_code=201,
        summary="Start buying a course",
        responses=problems(401, 403, 404, 409, 422, 502, 503),
    )
    async def create_payment_intent(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[CreatePaymentIntent]
    ) -> PaymentIntentView:
        """A student starts buying a published paid course: a `pending` payment for the course's price (plus
        tax), and what the client needs to pay it: Stripe's `client_secret` for Stripe.js, or the provider's
        payment page (`payment_url`) for Paymob and MyFatoorah. The amount is the server's; asking again while
        the payment is pending returns the same checkout. The course is granted when the provider confirms.

        Errors: 401 without a valid access token; 403 `payments.students_only`; 404 `courses.not_found`; 409
        `payments.course_is_free`, `payments.already_enrolled`, `payments.checkout_in_progress` (a concurrent
        request is preparing it: ask again); 422 a body that does not match `CreatePaymentIntent` or a course
        not open; 502 `payments.provider_error` when the provider refused; 503 `payments.provider_unavailable`
        or `payments.provider_not_configured`."""
        return await lms.payments.create_payment_intent(actor, data)

    @get("/plans", summary="Subscription plans", responses=problems(401))
    async def list_plans(self, lms: NamedDependency[Lms], actor: NamedDependency[Actor]) -> list[PlanView]:
        """The subscription plans this server offers (name, price, currency, interval). Changes nothing.

        Errors: 401 without a valid access token."""
        return await lms.payments.list_plans(actor)

    @post(
        "/create-subscription",
        status_code=201,
        summary="Subscribe to a plan",
        responses=problems(401, 403, 409, 422, 502, 503),
    )
    async def create_subscription(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[CreateSubscription]
    ) -> SubscriptionCheckoutView:
        """A student subscribes to a plan (Stripe): the subscription starts `incomplete`, with the
        `client_secret` that confirms its first payment; it grants access to every published paid course once
        the provider reports it `active` (or `trial`).

        Errors: 401 without a valid access token; 403 `payments.students_only`; 409
        `payments.already_subscribed`; 422 `payments.unknown_plan`, `payments.subscriptions_not_supported`, or a
        body that does not match `CreateSubscription`; 502 `payments.provider_error`; 503
        `payments.provider_unavailable` or `payments.provider_not_configured`."""
        return await lms.payments.create_subscription(actor, data)

    @post(
        "/subscriptions/{subscription_id:uuid}/cancel",
        status_code=200,
        summary="Cancel a subscription",
        responses=problems(401, 404, 422, 502, 503),
    )
    async def cancel_subscription(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        subscription_id: FromPath[UUID],
        data: JSONBody[CancelSubscription],
    ) -> SubscriptionView:
        """Cancel one's own subscription (admins: anyone's): at the end of the paid period by default, access
        lasting until then; `at_period_end: false` ends it, and the access it gave, now.

        Errors: 401 without a valid access token; 404 `payments.subscription_not_found` (also for someone
        else's); 422 a body that does not match `CancelSubscription`; 502 `payments.provider_error`; 503
        `payments.provider_unavailable`."""
        return await lms.payments.cancel_subscription(actor, subscription_id, data)

    @get("/my-payments", summary="My payments", responses=problems(401, 422))
    async def my_payments(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> PaymentPage:
        """The caller's payments, newest first. Changes nothing.

        Errors: 401 without a valid access token; 422 a query parameter out of range."""
        return await lms.payments.my_payments(actor, ListMyPayments(page=page, page_size=page_size))

    @get("/my-subscriptions", summary="My subscriptions", responses=problems(401, 422))
    async def my_subscriptions(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> SubscriptionPage:
        """The caller's subscriptions, newest first, each saying whether it grants access now. Changes nothing.

        Errors: 401 without a valid access token; 422 a query parameter out of range."""
        return await lms.payments.my_subscriptions(actor, ListMySubscriptions(page=page, page_size=page_size))

    @get("/revenue/summary", summary="Revenue summary", responses=problems(401, 403, 422))
    async def revenue_summary(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
    ) -> RevenueSummary:
        """Admins: succeeded payments (gross), refunds and net between `since` (included) and `until`
        (excluded; default now, and a year before it), by currency, by provider and by month (UTC). Amounts of
        different currencies are never added together. Changes nothing.

        Errors: 401 without a valid access token; 403 `payments.admin_only`; 422
        `payments.invalid_date_range` or a malformed date."""
        return await lms.payments.revenue_summary(actor, RevenueQuery(since=since, until=until))

    @get("/{payment_id:uuid}", summary="One payment", responses=problems(401, 404))
    async def get_payment(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], payment_id: FromPath[UUID]
    ) -> PaymentView:
        """One payment: the caller's own, or any for admins. Changes nothing.

        Errors: 401 without a valid access token; 404 `payments.not_found` (also for someone else's)."""
        return await lms.payments.get_payment(actor, payment_id)


class PaymentWebhooksController(Controller):
    """Provider webhooks: anonymous, the provider's signature is the authentication."""

    path = "/api/v1/payments/webhooks"
    tags = ["payments"]

    @post(
        "/stripe",
        status_code=200,
        summary="Stripe webhook",
        responses=problems(400, 409, 422, 503),
        description=_STRIPE_DOC,
    )
    async def stripe_webhook(self, lms: NamedDependency[Lms], request: Request[Any, Any, Any]) -> WebhookReceipt:
        return await _receive(lms, Provider.STRIPE, request)

    @post(
        "/paymob",
        status_code=200,
        summary="Paymob webhook",
        responses=problems(400, 409, 422, 503),
        description=_PAYMOB_DOC,
    )
    async def paymob_webhook(self, lms: NamedDependency[Lms], request: Request[Any, Any, Any]) -> WebhookReceipt:
        return await _receive(lms, Provider.PAYMOB, request)

    @post(
        "/myfatoorah",
        status_code=200,
        summary="MyFatoorah webhook",
        responses=problems(400, 409, 422, 503),
        description=_MYFATOORAH_DOC,
    )
    async def myfatoorah_webhook(self, lms: NamedDependency[Lms], request: Request[Any, Any, Any]) -> WebhookReceipt:
        return await _receive(lms, Provider.MYFATOORAH, request)


async def _receive(lms: Lms, provider: Provider, request: Request[Any, Any, Any]) -> WebhookReceipt:
    body = await request.body()
    return await lms.payments.handle_webhook(provider, body, dict(request.headers), dict(request.query_params))
