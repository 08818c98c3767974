"""The payments service: buying courses, subscriptions, provider webhooks, revenue and reconciliation."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

import msgspec

from lms_core.enrollments.access import CourseAccess
from lms_core.payments._checkout import CheckoutUseCases, Gateways
from lms_core.payments._transitions import APPLIED, PaymentTransitions
from lms_core.payments.commands import (
    CancelSubscription,
    CreatePaymentIntent,
    CreateSubscription,
    ListMyPayments,
    ListMySubscriptions,
    ReconcilePayments,
    RevenueQuery,
)
from lms_core.payments.entities import (
    PaymentStatus,
    PaymentWebhookEvent,
    Provider,
    SubscriptionStatus,
    WebhookEventStatus,
)
from lms_core.payments.errors import (
    InvalidDateRange,
    MalformedWebhook,
    PaymentNotFound,
    SubscriptionNotFound,
    WebhookProcessingFailed,
)
from lms_core.payments.policy import can_see, require_payments_admin, require_purchaser
from lms_core.payments.ports import (
    GatewayEvent,
    GatewayEventKind,
    PaymentGateway,
    PaymentState,
    RevenueRow,
    SubscriptionPlan,
    TaxPolicy,
)
from lms_core.payments.views import (
    PaymentIntentView,
    PaymentView,
    PlanView,
    ReconcileReport,
    RevenueByMonth,
    RevenueByProvider,
    RevenueSummary,
    RevenueTotal,
    SubscriptionCheckoutView,
    SubscriptionView,
    WebhookReceipt,
)
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.errors import LmsError
from lms_core.shared.ids import new_id
from lms_core.shared.money import Money
from lms_core.shared.pagination import Page
from lms_core.shared.ports import JobProgress, UnitOfWork

log = logging.getLogger("lms.payments")

_KIND_OF_STATUS = {
    PaymentStatus.SUCCEEDED: GatewayEventKind.PAYMENT_SUCCEEDED,
    PaymentStatus.FAILED: GatewayEventKind.PAYMENT_FAILED,
    PaymentStatus.REFUNDED: GatewayEventKind.PAYMENT_REFUNDED,
}


class PaymentService:
    """Purchases, subscriptions, provider webhooks, revenue.

    Rules:
    - students buy published paid courses they do not already have, and subscribe to configured plans;
      the amount always comes from the course (plus `TaxPolicy`'s tax), never from the client;
    - a payment moves only on what its provider reports, verified: a webhook whose signature the
      gateway checked, or the provider's answer to reconciliation. Success grants the course through
      `CourseAccess` in the same transaction and records `PaymentSucceeded` (the receipt e-mail); a
      refund or chargeback ends that access (the enrolment `expired`, its certificate kept) and
      records `PaymentRefunded`; a subscription that stops granting access ends what it granted;
    - every provider event is stored once per (provider, event id): a replayed or concurrent duplicate
      has one effect; an event whose processing failed is stored `failed` with its error, answered
      non-2xx so that the provider sends it again, and processed again when it does;
    - learners see their own payments and subscriptions; revenue and reconciliation are for admins.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        access: CourseAccess,
        gateways: Mapping[Provider, PaymentGateway],
        default_provider: Provider,
        tax: TaxPolicy,
        plans: list[SubscriptionPlan],
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._gateways = Gateways(gateways, default_provider)
        self._transitions = PaymentTransitions(access=access)
        self._checkout = CheckoutUseCases(uow=uow, clock=clock, gateways=self._gateways, tax=tax, plans=plans)

    # -- buying ---------------------------------------------------------------------------------

    async def create_payment_intent(self, actor: Actor, command: CreatePaymentIntent) -> PaymentIntentView:
        """Start buying a course: a `pending` payment and what the client needs to pay it. Asking again
        while it is pending returns the same checkout."""
        return await self._checkout.start_purchase(require_purchaser(actor), command.course_id, command.provider)

    async def list_plans(self, actor: Actor) -> list[PlanView]:
        """The subscription plans on offer (anyone signed in)."""
        actor.require_user()
        return [PlanView.of(plan) for plan in self._checkout.plans]

    async def create_subscription(self, actor: Actor, command: CreateSubscription) -> SubscriptionCheckoutView:
        """Subscribe to a plan: an `incomplete` subscription until the provider confirms the first payment."""
        return await self._checkout.start_subscription(require_purchaser(actor), command.plan_name, command.provider)

    async def cancel_subscription(
        self, actor: Actor, subscription_id: UUID, command: CancelSubscription
    ) -> SubscriptionView:
        """Cancel one's own subscription at the provider: at the end of the paid period (access lasts until
        then), or at once (access ends now)."""
        actor.require_user()
        async with self._uow.begin(write=False) as tx:
            subscription = await tx.subscriptions.get(subscription_id)
        if subscription is None or not can_see(actor, subscription.user_id):
            raise SubscriptionNotFound("no such subscription", details={"subscription_id": str(subscription_id)})
        if subscription.provider_subscription_id is None or subscription.status is SubscriptionStatus.CANCELED:
            return SubscriptionView.of(subscription, self._clock.now())
        gateway = self._gateways.get(subscription.provider)
        state = await gateway.cancel_subscription(
            subscription.provider_subscription_id, at_period_end=command.at_period_end
        )
        now = self._clock.now()
        async with self._uow.begin() as tx:
            stored = await tx.subscriptions.get(subscription_id, for_update=True)
            assert stored is not None
            await self._transitions.update_subscription(tx, stored, state, now)
            await tx.commit()
        return SubscriptionView.of(stored, now)

    # -- what learners see ----------------------------------------------------------------------

    async def my_payments(self, actor: Actor, query: ListMyPayments) -> Page[PaymentView]:
        user_id = actor.require_user()
        async with self._uow.begin(write=False) as tx:
            items, total = await tx.payments.list_for_user(user_id, offset=query.offset, limit=query.limit)
        return query.page_of([PaymentView.of(payment) for payment in items], total)

    async def my_subscriptions(self, actor: Actor, query: ListMySubscriptions) -> Page[SubscriptionView]:
        user_id = actor.require_user()
        now = self._clock.now()
        async with self._uow.begin(write=False) as tx:
            items, total = await tx.subscriptions.list_for_user(user_id, offset=query.offset, limit=query.limit)
        return query.page_of([SubscriptionView.of(subscription, now) for subscription in items], total)

    async def get_payment(self, actor: Actor, payment_id: UUID) -> PaymentView:
        """One payment: its owner's, or any for admins; anyone else is told it does not exist."""
        actor.require_user()
        async with self._uow.begin(write=False) as tx:
            payment = await tx.payments.get(payment_id)
        if payment is None or not can_see(actor, payment.user_id):
            raise PaymentNotFound("no such payment", details={"payment_id": str(payment_id)})
        return PaymentView.of(payment)

    # -- provider webhooks ----------------------------------------------------------------------

    async def handle_webhook(
        self, provider: Provider, body: bytes, headers: Mapping[str, str], query: Mapping[str, str]
    ) -> WebhookReceipt:
        """Verify and apply one provider webhook (anonymous: the signature is the authentication).

        A bad or missing signature raises `InvalidWebhookSignature` and stores nothing. A verified event
        is stored and applied in one transaction; a duplicate of a processed event changes nothing."""
        gateway = self._gateways.get(provider)
        now = self._clock.now()
        event = gateway.parse_webhook(body, {k.lower(): v for k, v in headers.items()}, query, now=now)
        if event.kind is GatewayEventKind.REFUND_REPORTED:
            event = await self._checked_refund(gateway, event)
        # Stored as processed: it is, if this transaction commits; if applying it fails, everything rolls
        # back and the event is stored again as failed.
        record = PaymentWebhookEvent(
            id=new_id(),
            provider=provider,
            provider_event_id=event.provider_event_id,
            event_type=event.event_type,
            status=WebhookEventStatus.PROCESSED,
            payload=body.decode("utf-8", errors="replace"),
            error_message=None,
            created_at=now,
            processed_at=now,
        )
        try:
            async with self._uow.begin() as tx:
                if not await tx.payment_webhook_events.add_if_absent(record):
                    stored = await tx.payment_webhook_events.get(provider, event.provider_event_id, for_update=True)
                    if stored is None or stored.status is not WebhookEventStatus.FAILED:
                        return WebhookReceipt(
                            received=True, duplicate=True, event_type=event.event_type, outcome="duplicate"
                        )
                    # It failed before and the provider sent it again: apply it again.
                    await tx.payment_webhook_events.mark(
                        provider, event.provider_event_id, status=WebhookEventStatus.PROCESSED, error=None, at=now
                    )
                outcome = await self._transitions.apply(tx, provider, event, now)
                await tx.commit()
        except LmsError as exc:
            await self._record_failed_event(record, f"{exc.code}: {exc.message}")
            raise WebhookProcessingFailed(
                "the event was received but could not be applied; it is recorded and will be retried",
                details={"provider_event_id": event.provider_event_id, "reason": exc.message},
            ) from exc
        if outcome != APPLIED:
            log.info("%s event %s (%s): %s", provider.value, event.provider_event_id, event.event_type, outcome)
        return WebhookReceipt(received=True, duplicate=False, event_type=event.event_type, outcome=outcome)

    async def _checked_refund(self, gateway: PaymentGateway, event: GatewayEvent) -> GatewayEvent:
        """A refund the event cannot show to be full: the provider says whether the payment is refunded in full
        (then it is applied as a refund) or not (then the event changes nothing)."""
        if event.provider_payment_id is None:
            raise MalformedWebhook("a refund event without the payment it refunds")
        state = await gateway.fetch_payment(event.provider_payment_id)
        kind = GatewayEventKind.PAYMENT_REFUNDED if state.status is PaymentStatus.REFUNDED else GatewayEventKind.IGNORED
        return msgspec.structs.replace(event, kind=kind)

    async def _record_failed_event(self, record: PaymentWebhookEvent, error: str) -> None:
        """Keep the event (its processing was rolled back) as `failed` with the error."""
        async with self._uow.begin() as tx:
            await tx.payment_webhook_events.add_if_absent(record)  # unless an earlier delivery stored it
            await tx.payment_webhook_events.mark(
                record.provider,
                record.provider_event_id,
                status=WebhookEventStatus.FAILED,
                error=error[:2000],
                at=self._clock.now(),
            )
            await tx.commit()

    # -- reconciliation -------------------------------------------------------------------------

    async def reconcile(
        self, actor: Actor, command: ReconcilePayments, *, progress: JobProgress | None = None
    ) -> ReconcileReport:
        """Ask each provider about the payments still pending after `older_than_seconds` and apply what it
        says, exactly as its webhook would (whichever comes first wins; the other finds nothing to do).
        Subscriptions whose paid period is over after a cancellation lose what they granted."""
        require_payments_admin(actor)
        now = self._clock.now()
        cutoff = now - timedelta(seconds=command.older_than_seconds)
        async with self._uow.begin(write=False) as tx:
            pending = list(await tx.payments.pending_older_than(cutoff, limit=command.limit))
        counts: dict[str, int] = defaultdict(int)
        if progress is not None:
            progress.started(len(pending))
        for payment in pending:
            if progress is not None:
                progress.advanced()
            if payment.provider_payment_id is None:
                counts["still_pending"] += 1
                continue
            try:
                state = await self._gateways.get(payment.provider).fetch_payment(payment.provider_payment_id)
            except LmsError as exc:  # unreachable, refusing, or not configured: the payment stays pending
                log.warning("could not ask %s about payment %s: %s", payment.provider.value, payment.id, exc)
                counts["errors"] += 1
                continue
            counts[await self._apply_state(payment.provider, state)] += 1
        await self._end_lapsed_subscriptions(now)
        return ReconcileReport(
            checked=len(pending),
            succeeded=counts["succeeded"],
            failed=counts["failed"],
            refunded=counts["refunded"],
            still_pending=counts["still_pending"],
            errors=counts["errors"],
        )

    async def _apply_state(self, provider: Provider, state: PaymentState) -> str:
        kind = _KIND_OF_STATUS.get(state.status)
        if kind is None:
            return "still_pending"
        event = GatewayEvent(
            provider_event_id=f"reconcile:{state.provider_payment_id}",
            event_type="reconcile",
            kind=kind,
            provider_payment_id=state.provider_payment_id,
            amount=state.amount,
            failure_reason=state.failure_reason,
        )
        async with self._uow.begin() as tx:
            outcome = await self._transitions.apply(tx, provider, event, self._clock.now())
            await tx.commit()
        return state.status.value if outcome == APPLIED else "still_pending"

    async def _end_lapsed_subscriptions(self, now: datetime) -> None:
        async with self._uow.begin() as tx:
            for subscription in await tx.subscriptions.lapsed(now):
                await self._transitions.end_lapsed(tx, subscription, now)
            await tx.commit()

    # -- revenue --------------------------------------------------------------------------------

    async def revenue_summary(self, actor: Actor, query: RevenueQuery) -> RevenueSummary:
        """Gross (succeeded payments, by when they succeeded), refunds (by when they were refunded) and net,
        by currency, by provider and currency, and by month and currency. Admins only."""
        require_payments_admin(actor)
        for name, moment in (("since", query.since), ("until", query.until)):
            if moment is not None and moment.utcoffset() is None:
                # An instant without its offset could be any of 26 hours' worth of instants.
                raise InvalidDateRange(f"`{name}` needs a time zone offset", details={name: moment.isoformat()})
        until = query.until or self._clock.now()
        since = query.since or until - timedelta(days=365)
        if since >= until:
            raise InvalidDateRange("`since` must be before `until`", details={"since": str(since), "until": str(until)})
        async with self._uow.begin(write=False) as tx:
            rows = list(await tx.payments.revenue(since=since, until=until))
        return summarise(rows, since=since, until=until)


def summarise(rows: list[RevenueRow], *, since: datetime, until: datetime) -> RevenueSummary:
    """Fold the repository's (currency, provider, month) rows into the summary, in exact minor units."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    providers: dict[tuple[Provider, str], list[int]] = defaultdict(lambda: [0, 0])
    months: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        total = totals[row.currency]
        total[0] += row.gross_minor
        total[1] += row.refunded_minor
        total[2] += row.payments
        total[3] += row.refunds
        for bucket in (providers[(row.provider, row.currency)], months[(row.month, row.currency)]):
            bucket[0] += row.gross_minor
            bucket[1] += row.refunded_minor

    def amount(minor: int, currency: str) -> Decimal:
        return Money.from_minor(minor, currency).amount

    return RevenueSummary(
        since=since,
        until=until,
        totals=[
            RevenueTotal(
                currency=currency,
                gross=amount(gross, currency),
                refunded=amount(refunded, currency),
                net=amount(gross - refunded, currency),
                payments=count,
                refunds=refund_count,
            )
            for currency, (gross, refunded, count, refund_count) in sorted(totals.items())
        ],
        by_provider=[
            RevenueByProvider(
                provider=provider,
                currency=currency,
                gross=amount(gross, currency),
                refunded=amount(refunded, currency),
                net=amount(gross - refunded, currency),
            )
            for (provider, currency), (gross, refunded) in sorted(providers.items())
        ],
        by_month=[
            RevenueByMonth(
                month=month,
                currency=currency,
                gross=amount(gross, currency),
                refunded=amount(refunded, currency),
                net=amount(gross - refunded, currency),
            )
            for (month, currency), (gross, refunded) in sorted(months.items())
        ],
    )
