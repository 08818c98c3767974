"""Starting a purchase or a subscription at a provider.

A checkout is written before the provider is called and completed after, in two short transactions,
never holding a database transaction across a network call. The first write is guarded by a partial
unique index (one pending purchase per learner and course, one live subscription per learner), so a
double submit finds the first checkout instead of charging twice; the provider also receives our id as
its idempotency key or reference. A provider that fails leaves the row `failed` (purchase) or
`incomplete` and canceled (subscription) with the reason, and the caller a 502 or 503.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from lms_core.courses.access import load_course
from lms_core.enrollments.policy import require_open_for_enrolment
from lms_core.payments.entities import (
    Payment,
    PaymentId,
    PaymentStatus,
    PaymentType,
    Provider,
    Subscription,
    SubscriptionId,
    SubscriptionStatus,
)
from lms_core.payments.errors import (
    AlreadyHasAccess,
    AlreadySubscribed,
    CheckoutInProgress,
    CourseNotForSale,
    PaymentProviderError,
    PaymentProviderUnavailable,
    ProviderNotConfigured,
    SubscriptionsNotSupported,
    UnknownPlan,
)
from lms_core.payments.ports import (
    Checkout,
    CheckoutRequest,
    PaymentGateway,
    SubscriptionPlan,
    SubscriptionRequest,
    TaxPolicy,
)
from lms_core.payments.views import (
    PaymentIntentView,
    PaymentView,
    SubscriptionCheckoutView,
    SubscriptionView,
)
from lms_core.shared.clock import Clock
from lms_core.shared.errors import ConflictError
from lms_core.shared.ids import UserId, new_id
from lms_core.shared.ports import Transaction, UnitOfWork

# What a pending purchase keeps of its checkout, so that asking again returns the same one.
_CHECKOUT_KEYS = ("client_secret", "payment_url")


class Gateways:
    """The configured providers, and the default one."""

    def __init__(self, gateways: Mapping[Provider, PaymentGateway], default: Provider) -> None:
        self._gateways = dict(gateways)
        self.default = default

    def get(self, provider: Provider | None) -> PaymentGateway:
        chosen = provider or self.default
        gateway = self._gateways.get(chosen)
        if gateway is None:
            raise ProviderNotConfigured(
                f"payments through {chosen.value} are not configured on this server",
                details={"provider": chosen.value, "configured": sorted(p.value for p in self._gateways)},
            )
        return gateway

    def configured(self) -> list[Provider]:
        return sorted(self._gateways)


class CheckoutUseCases:
    def __init__(
        self, *, uow: UnitOfWork, clock: Clock, gateways: Gateways, tax: TaxPolicy, plans: list[SubscriptionPlan]
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._gateways = gateways
        self._tax = tax
        self._plans = {plan.name: plan for plan in plans}

    @property
    def plans(self) -> list[SubscriptionPlan]:
        return list(self._plans.values())

    async def start_purchase(self, user_id: UserId, course_id: UUID, provider: Provider | None) -> PaymentIntentView:
        gateway = self._gateways.get(provider)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            course = await load_course(tx, course_id)
            require_open_for_enrolment(course)
            if course.is_free:
                raise CourseNotForSale(
                    "this course is free: enrol in it directly", details={"course_id": str(course.id)}
                )
            if await tx.enrollments.is_learner(user_id, course.id):
                raise AlreadyHasAccess("you already have this course", details={"course_id": str(course.id)})
            user = await tx.users.get(user_id)
            assert user is not None  # the caller is signed in
            pending = await tx.payments.pending_for(user_id, course.id)
            tax = self._tax.tax_for(course.price)
            total = course.price + tax
            if pending is not None:
                reusable = pending.provider is gateway.provider and pending.total_amount == total
                if reusable and pending.provider_payment_id is not None:
                    return _intent(pending)
                if reusable:
                    raise CheckoutInProgress(
                        "a checkout for this course is being prepared; ask again in a moment",
                        details={"payment_id": str(pending.id)},
                    )
                # Another provider or another price: the old checkout is dropped for a new one.
                pending.fail("replaced by a new checkout", now)
                await tx.payments.save(pending)
            payment = Payment(
                id=PaymentId(new_id()),
                user_id=user_id,
                course_id=course.id,
                enrollment_id=None,
                subscription_id=None,
                provider=gateway.provider,
                provider_payment_id=None,
                provider_customer_id=await _known_customer(tx, user_id, gateway.provider),
                provider_subscription_id=None,
                provider_invoice_id=None,
                payment_type=PaymentType.ONE_TIME,
                amount=course.price,
                tax_amount=tax,
                total_amount=total,
                status=PaymentStatus.PENDING,
                plan_name=None,
                plan_price_id=None,
                metadata={"course_title": course.title},
                created_at=now,
                updated_at=now,
            )
            try:
                await tx.payments.add(payment)
            except ConflictError:  # a concurrent request inserted the pending checkout first
                raise CheckoutInProgress(
                    "a checkout for this course is being prepared; ask again in a moment",
                    details={"course_id": str(course.id)},
                ) from None
            await tx.commit()
        request = CheckoutRequest(
            payment_id=payment.id,
            total=total,
            description=course.title,
            customer_email=user.email,
            customer_name=user.full_name,
            provider_customer_id=payment.provider_customer_id,
        )
        try:
            checkout = await gateway.create_checkout(request)
        except (PaymentProviderUnavailable, PaymentProviderError) as exc:
            await self._record_failure(payment.id, exc.message)
            raise
        async with self._uow.begin() as tx:
            stored = await tx.payments.get(payment.id, for_update=True)
            assert stored is not None
            _attach(stored, checkout)
            stored.updated_at = self._clock.now()
            await tx.payments.save(stored)
            await tx.commit()
        return _intent(stored)

    async def start_subscription(
        self, user_id: UserId, plan_name: str, provider: Provider | None
    ) -> SubscriptionCheckoutView:
        plan = self._plans.get(plan_name)
        if plan is None:
            raise UnknownPlan("no such plan", details={"plan_name": plan_name, "plans": sorted(self._plans)})
        gateway = self._gateways.get(provider or plan.provider)
        if not gateway.supports_subscriptions:
            raise SubscriptionsNotSupported(
                f"{gateway.provider.value} takes one-time payments only here; subscribe through Stripe",
                details={"provider": gateway.provider.value},
            )
        now = self._clock.now()
        async with self._uow.begin() as tx:
            user = await tx.users.get(user_id)
            assert user is not None
            subscription = Subscription(
                id=SubscriptionId(new_id()),
                user_id=user_id,
                provider=gateway.provider,
                provider_subscription_id=None,
                provider_customer_id=await _known_customer(tx, user_id, gateway.provider),
                plan_name=plan.name,
                plan_price_id=plan.price_id,
                status=SubscriptionStatus.INCOMPLETE,
                current_period_start=None,
                current_period_end=None,
                created_at=now,
                updated_at=now,
            )
            try:
                await tx.subscriptions.add(subscription)
            except ConflictError:
                raise AlreadySubscribed("you already have a subscription; cancel it before starting another") from None
            await tx.commit()
        request = SubscriptionRequest(
            subscription_id=subscription.id,
            price_id=plan.price_id,
            customer_email=user.email,
            customer_name=user.full_name,
            provider_customer_id=subscription.provider_customer_id,
        )
        try:
            started = await gateway.create_subscription(request)
        except (PaymentProviderUnavailable, PaymentProviderError) as exc:
            async with self._uow.begin() as tx:
                stored = await tx.subscriptions.get(subscription.id, for_update=True)
                assert stored is not None
                stored.status = SubscriptionStatus.CANCELED
                stored.canceled_at = self._clock.now()
                stored.metadata = {**stored.metadata, "failure_reason": exc.message[:500]}
                await tx.subscriptions.save(stored)
                await tx.commit()
            raise
        async with self._uow.begin() as tx:
            stored = await tx.subscriptions.get(subscription.id, for_update=True)
            assert stored is not None
            state = started.state
            stored.provider_subscription_id = state.provider_subscription_id
            stored.provider_customer_id = state.provider_customer_id or stored.provider_customer_id
            # Until the provider confirms payment by webhook, a new subscription stays as the provider said.
            stored.status = state.status
            stored.current_period_start = state.current_period_start
            stored.current_period_end = state.current_period_end
            stored.updated_at = self._clock.now()
            await tx.subscriptions.save(stored)
            await tx.commit()
        return SubscriptionCheckoutView(
            subscription=SubscriptionView.of(stored, self._clock.now()), client_secret=started.client_secret
        )

    async def _record_failure(self, payment_id: PaymentId, reason: str) -> None:
        async with self._uow.begin() as tx:
            stored = await tx.payments.get(payment_id, for_update=True)
            if stored is not None and stored.provider_payment_id is None and stored.fail(reason, self._clock.now()):
                await tx.payments.save(stored)
            await tx.commit()


async def _known_customer(tx: Transaction, user_id: UserId, provider: Provider) -> str | None:
    """The provider's customer id from this user's recent payments, so that a provider sees one customer."""
    payments, _ = await tx.payments.list_for_user(user_id, offset=0, limit=20)
    for payment in payments:
        if payment.provider is provider and payment.provider_customer_id:
            return payment.provider_customer_id
    return None


def _attach(payment: Payment, checkout: Checkout) -> None:
    payment.provider_payment_id = checkout.provider_payment_id
    payment.provider_customer_id = checkout.provider_customer_id or payment.provider_customer_id
    kept: dict[str, Any] = {key: getattr(checkout, key) for key in _CHECKOUT_KEYS if getattr(checkout, key)}
    payment.metadata = {**payment.metadata, "checkout": kept}


def _intent(payment: Payment) -> PaymentIntentView:
    checkout = payment.metadata.get("checkout", {})
    return PaymentIntentView(
        payment=PaymentView.of(payment),
        client_secret=checkout.get("client_secret"),
        payment_url=checkout.get("payment_url"),
    )
