"""What a provider's report does to payments, subscriptions and access: one path for webhooks and for
reconciliation, so that whichever comes first wins and the other finds nothing left to do."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from lms_core.courses.access import load_course
from lms_core.enrollments.access import CourseAccess
from lms_core.enrollments.entities import AccessSource
from lms_core.payments.entities import Payment, Provider, Subscription, SubscriptionStatus
from lms_core.payments.errors import MalformedWebhook
from lms_core.payments.events import PaymentRefunded, PaymentSucceeded, SubscriptionChanged
from lms_core.payments.ports import GatewayEvent, GatewayEventKind, SubscriptionState
from lms_core.shared.ids import UserId
from lms_core.shared.ports import Transaction

# Outcomes, as stored on the provider event and answered to the provider.
APPLIED = "applied"
NOTHING_TO_DO = "nothing_to_do"
IGNORED = "ignored"
UNKNOWN_PAYMENT = "unknown_payment"


class PaymentTransitions:
    def __init__(self, *, access: CourseAccess) -> None:
        self._access = access

    async def apply(self, tx: Transaction, provider: Provider, event: GatewayEvent, now: datetime) -> str:
        """Apply a verified event of `provider` in `tx`; the outcome."""
        if event.kind is GatewayEventKind.IGNORED:
            return IGNORED
        if event.kind is GatewayEventKind.SUBSCRIPTION_CHANGED:
            if event.subscription is None:
                raise MalformedWebhook("a subscription event without its subscription")
            return await self.subscription_changed(tx, provider, event.subscription, now)
        payment = await self._find_payment(tx, provider, event)
        if payment is None:
            return UNKNOWN_PAYMENT
        if event.kind is GatewayEventKind.PAYMENT_SUCCEEDED:
            if event.amount is not None and event.amount != payment.total_amount:
                raise MalformedWebhook(
                    "the provider reports another amount than this payment's total",
                    details={"reported": str(event.amount.amount), "currency": event.amount.currency},
                )
            return await self.succeed(tx, payment, now)
        if event.kind is GatewayEventKind.PAYMENT_FAILED:
            changed = payment.fail(event.failure_reason or "the provider declined the payment", now)
            if changed:
                await tx.payments.save(payment)
            return APPLIED if changed else NOTHING_TO_DO
        return await self.refund(tx, payment, now, chargeback=event.kind is GatewayEventKind.CHARGEBACK)

    async def succeed(self, tx: Transaction, payment: Payment, now: datetime) -> str:
        """Succeeded: the course is granted in the same transaction, and the receipt recorded."""
        if not payment.succeed(now):
            return NOTHING_TO_DO
        if payment.course_id is not None:
            course = await load_course(tx, payment.course_id, for_update=True)
            payment.enrollment_id = await self._access.grant(
                tx,
                course=course,
                student_id=UserId(payment.user_id),
                source=AccessSource.PAYMENT,
                ref=payment.id,
                now=now,
            )
        await tx.payments.save(payment)
        await tx.outbox.add(
            PaymentSucceeded(
                payment_id=payment.id,
                user_id=payment.user_id,
                course_id=payment.course_id,
                enrollment_id=payment.enrollment_id,
                provider=payment.provider.value,
                amount=str(payment.amount.amount),
                tax_amount=str(payment.tax_amount.amount),
                total_amount=str(payment.total_amount.amount),
                currency=payment.total_amount.currency,
            )
        )
        return APPLIED

    async def refund(self, tx: Transaction, payment: Payment, now: datetime, *, chargeback: bool) -> str:
        """Refunded (or charged back): the access it bought ends in the same transaction."""
        if not payment.refund(now):
            return NOTHING_TO_DO
        await self._access.end(tx, source=AccessSource.PAYMENT, ref=payment.id, now=now)
        await tx.payments.save(payment)
        await tx.outbox.add(
            PaymentRefunded(
                payment_id=payment.id,
                user_id=payment.user_id,
                course_id=payment.course_id,
                enrollment_id=payment.enrollment_id,
                provider=payment.provider.value,
                total_amount=str(payment.total_amount.amount),
                currency=payment.total_amount.currency,
                chargeback=chargeback,
            )
        )
        return APPLIED

    async def subscription_changed(
        self, tx: Transaction, provider: Provider, state: SubscriptionState, now: datetime
    ) -> str:
        subscription = await self._find_subscription(tx, provider, state)
        if subscription is None:
            return UNKNOWN_PAYMENT
        return await self.update_subscription(tx, subscription, state, now)

    async def update_subscription(
        self, tx: Transaction, subscription: Subscription, state: SubscriptionState, now: datetime
    ) -> str:
        if subscription.status is SubscriptionStatus.CANCELED and state.status is not SubscriptionStatus.CANCELED:
            # A provider never revives a canceled subscription (a new one is made instead): a live status
            # reported after the end is an event delayed in transit, and would reopen the courses.
            return NOTHING_TO_DO
        before = (
            subscription.status,
            subscription.current_period_start,
            subscription.current_period_end,
            subscription.cancel_at_period_end,
        )
        granted = subscription.grants_access(now)
        subscription.status = state.status
        subscription.provider_subscription_id = state.provider_subscription_id
        subscription.provider_customer_id = state.provider_customer_id or subscription.provider_customer_id
        subscription.current_period_start = state.current_period_start or subscription.current_period_start
        subscription.current_period_end = state.current_period_end or subscription.current_period_end
        subscription.cancel_at_period_end = state.cancel_at_period_end
        if state.canceled_at is not None:
            subscription.canceled_at = state.canceled_at
        after = (
            subscription.status,
            subscription.current_period_start,
            subscription.current_period_end,
            subscription.cancel_at_period_end,
        )
        if after == before:
            return NOTHING_TO_DO
        subscription.updated_at = now
        grants = subscription.grants_access(now)
        await tx.subscriptions.save(subscription)
        if granted and not grants:
            await self._access.end(tx, source=AccessSource.SUBSCRIPTION, ref=subscription.id, now=now)
        await tx.outbox.add(
            SubscriptionChanged(
                subscription_id=subscription.id,
                user_id=subscription.user_id,
                plan_name=subscription.plan_name,
                status=subscription.status.value,
                previous_status=before[0].value,
                grants_access=grants,
            )
        )
        return APPLIED

    async def end_lapsed(self, tx: Transaction, subscription: Subscription, now: datetime) -> bool:
        """A subscription whose access lapsed (canceled, and its paid period is over): end what it granted."""
        if subscription.grants_access(now):
            return False
        return bool(await self._access.end(tx, source=AccessSource.SUBSCRIPTION, ref=subscription.id, now=now))

    async def _find_payment(self, tx: Transaction, provider: Provider, event: GatewayEvent) -> Payment | None:
        payment = None
        if event.provider_payment_id is not None:
            payment = await tx.payments.find_by_provider_id(provider, event.provider_payment_id, for_update=True)
        if payment is None and event.our_payment_id is not None:
            payment = await tx.payments.get(event.our_payment_id, for_update=True)
            if payment is not None and (
                payment.provider is not provider or payment.provider_payment_id not in (None, event.provider_payment_id)
            ):
                return None  # our id, but another provider's payment: not this one
        return payment

    async def _find_subscription(
        self, tx: Transaction, provider: Provider, state: SubscriptionState
    ) -> Subscription | None:
        found = await tx.subscriptions.find_by_provider_id(provider, state.provider_subscription_id, for_update=True)
        if found is None and (ours := state.metadata.get("lms_subscription_id")):
            try:
                found = await tx.subscriptions.get(UUID(ours), for_update=True)
            except ValueError:
                return None
            if found is not None and found.provider is not provider:
                return None
        return found
