"""Payments, subscriptions and provider events in SQL. Money goes in as integer minor units."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, bindparam, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.integrity import domain_error
from lms_adapters.persistence.paging import fetch_page
from lms_adapters.persistence.tables_learning import enrollments
from lms_adapters.persistence.tables_payments import payment_webhook_events, payments, subscriptions
from lms_core.payments.entities import (
    Payment,
    PaymentId,
    PaymentStatus,
    PaymentType,
    PaymentWebhookEvent,
    Provider,
    Subscription,
    SubscriptionId,
    SubscriptionStatus,
    WebhookEventStatus,
)
from lms_core.payments.ports import RevenueRow
from lms_core.shared.money import Money

_LIVE = ("trial", "active", "past_due")

# Statements built once, their values passed as parameters: building `insert().values(row)` or
# `update().values(row)` for every payment costs more CPU than running it (a new statement, and every value
# coerced and walked for the cache key).
_PAYMENT_COLUMNS = [column.name for column in payments.columns if column.name not in ("id", "created_at")]
_INSERT_PAYMENT = insert(payments)
_SAVE_PAYMENT = (
    update(payments)
    .where(payments.c.id == bindparam("payment_id"))
    .values({name: bindparam(name) for name in _PAYMENT_COLUMNS})
)
_SUBSCRIPTION_COLUMNS = [column.name for column in subscriptions.columns if column.name not in ("id", "created_at")]
_INSERT_SUBSCRIPTION = insert(subscriptions)
_SAVE_SUBSCRIPTION = (
    update(subscriptions)
    .where(subscriptions.c.id == bindparam("subscription_id"))
    .values({name: bindparam(name) for name in _SUBSCRIPTION_COLUMNS})
)
_MARK_EVENT = (
    update(payment_webhook_events)
    .where(
        payment_webhook_events.c.provider == bindparam("event_provider"),
        payment_webhook_events.c.provider_event_id == bindparam("event_id"),
    )
    .values(
        status=bindparam("status"), error_message=bindparam("error_message"), processed_at=bindparam("processed_at")
    )
)

# Reading a payment by either id, plain or locked (the key): every webhook does one.
_by_id = select(payments).where(payments.c.id == bindparam("payment_id"))
_BY_ID = {False: _by_id, True: _by_id.with_for_update()}
_by_provider_id = select(payments).where(
    payments.c.provider == bindparam("provider"), payments.c.provider_payment_id == bindparam("provider_payment_id")
)
_BY_PROVIDER_ID = {False: _by_provider_id, True: _by_provider_id.with_for_update()}


def _to_payment(m: Any) -> Payment:
    currency = m["currency"]
    return Payment(
        id=PaymentId(m["id"]),
        user_id=m["user_id"],
        course_id=m["course_id"],
        enrollment_id=m["enrollment_id"],
        subscription_id=None if m["subscription_id"] is None else SubscriptionId(m["subscription_id"]),
        provider=Provider(m["provider"]),
        provider_payment_id=m["provider_payment_id"],
        provider_customer_id=m["provider_customer_id"],
        provider_subscription_id=m["provider_subscription_id"],
        provider_invoice_id=m["provider_invoice_id"],
        payment_type=PaymentType(m["payment_type"]),
        amount=Money.from_minor(m["amount_minor"], currency),
        tax_amount=Money.from_minor(m["tax_minor"], currency),
        total_amount=Money.from_minor(m["total_minor"], currency),
        status=PaymentStatus(m["status"]),
        plan_name=m["plan_name"],
        plan_price_id=m["plan_price_id"],
        metadata=dict(m["payment_metadata"]),
        failure_reason=m["failure_reason"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        processed_at=m["processed_at"],
        refunded_at=m["refunded_at"],
    )


def _payment_values(payment: Payment) -> dict[str, Any]:
    return {
        "user_id": payment.user_id,
        "course_id": payment.course_id,
        "enrollment_id": payment.enrollment_id,
        "subscription_id": payment.subscription_id,
        "provider": payment.provider.value,
        "provider_payment_id": payment.provider_payment_id,
        "provider_customer_id": payment.provider_customer_id,
        "provider_subscription_id": payment.provider_subscription_id,
        "provider_invoice_id": payment.provider_invoice_id,
        "payment_type": payment.payment_type.value,
        "currency": payment.total_amount.currency,
        "amount_minor": payment.amount.to_minor(),
        "tax_minor": payment.tax_amount.to_minor(),
        "total_minor": payment.total_amount.to_minor(),
        "status": payment.status.value,
        "plan_name": payment.plan_name,
        "plan_price_id": payment.plan_price_id,
        "payment_metadata": payment.metadata,
        "failure_reason": payment.failure_reason,
        "updated_at": payment.updated_at,
        "processed_at": payment.processed_at,
        "refunded_at": payment.refunded_at,
    }


def _to_subscription(m: Any) -> Subscription:
    return Subscription(
        id=SubscriptionId(m["id"]),
        user_id=m["user_id"],
        provider=Provider(m["provider"]),
        provider_subscription_id=m["provider_subscription_id"],
        provider_customer_id=m["provider_customer_id"],
        plan_name=m["plan_name"],
        plan_price_id=m["plan_price_id"],
        status=SubscriptionStatus(m["status"]),
        current_period_start=m["current_period_start"],
        current_period_end=m["current_period_end"],
        cancel_at_period_end=m["cancel_at_period_end"],
        courses_accessed=m["courses_accessed"],
        total_usage=m["total_usage"],
        metadata=dict(m["subscription_metadata"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        canceled_at=m["canceled_at"],
    )


def _subscription_values(subscription: Subscription) -> dict[str, Any]:
    return {
        "user_id": subscription.user_id,
        "provider": subscription.provider.value,
        "provider_subscription_id": subscription.provider_subscription_id,
        "provider_customer_id": subscription.provider_customer_id,
        "plan_name": subscription.plan_name,
        "plan_price_id": subscription.plan_price_id,
        "status": subscription.status.value,
        "current_period_start": subscription.current_period_start,
        "current_period_end": subscription.current_period_end,
        "cancel_at_period_end": subscription.cancel_at_period_end,
        "courses_accessed": subscription.courses_accessed,
        "total_usage": subscription.total_usage,
        "subscription_metadata": subscription.metadata,
        "updated_at": subscription.updated_at,
        "canceled_at": subscription.canceled_at,
    }


class SqlPaymentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, payment: Payment) -> None:
        values = {**_payment_values(payment), "id": payment.id, "created_at": payment.created_at}
        try:
            await self._c.execute(_INSERT_PAYMENT, values)
        except IntegrityError as exc:  # the one-pending-checkout index: a concurrent request won
            raise domain_error(exc) from exc

    async def get(self, payment_id: UUID, *, for_update: bool = False) -> Payment | None:
        row = (await self._c.execute(_BY_ID[for_update], {"payment_id": payment_id})).first()
        return None if row is None else _to_payment(row._mapping)

    async def find_by_provider_id(
        self, provider: Provider, provider_payment_id: str, *, for_update: bool = False
    ) -> Payment | None:
        query = _BY_PROVIDER_ID[for_update]
        params = {"provider": provider.value, "provider_payment_id": provider_payment_id}
        row = (await self._c.execute(query, params)).first()
        return None if row is None else _to_payment(row._mapping)

    async def save(self, payment: Payment) -> None:
        await self._c.execute(_SAVE_PAYMENT, {**_payment_values(payment), "payment_id": payment.id})

    async def pending_for(self, user_id: UUID, course_id: UUID) -> Payment | None:
        query = select(payments).where(
            payments.c.user_id == user_id,
            payments.c.course_id == course_id,
            payments.c.status == PaymentStatus.PENDING.value,
            payments.c.payment_type == PaymentType.ONE_TIME.value,
        )
        return await self._one(query, True)

    async def list_for_user(self, user_id: UUID, *, offset: int, limit: int) -> tuple[Sequence[Payment], int]:
        rows, total = await fetch_page(
            self._c,
            select(payments).order_by(payments.c.created_at.desc(), payments.c.id.desc()),
            table=payments,
            conditions=[payments.c.user_id == user_id],
            offset=offset,
            limit=limit,
        )
        return [_to_payment(row._mapping) for row in rows], total

    async def pending_older_than(self, cutoff: datetime, *, limit: int) -> Sequence[Payment]:
        rows = await self._c.execute(
            select(payments)
            .where(payments.c.status == PaymentStatus.PENDING.value, payments.c.created_at <= cutoff)
            .order_by(payments.c.created_at, payments.c.id)
            .limit(limit)
        )
        return [_to_payment(row._mapping) for row in rows]

    async def revenue(self, *, since: datetime, until: datetime) -> Sequence[RevenueRow]:
        # Gross by the month a payment succeeded (refunded payments had succeeded first), refunds by the
        # month they were refunded: a refund in May of an April sale nets May, as an accountant would.
        gross = await self._grouped(payments.c.processed_at, since, until, ("succeeded", "refunded"))
        refunded = await self._grouped(payments.c.refunded_at, since, until, ("refunded",))
        keys = sorted(set(gross) | set(refunded))
        return [
            RevenueRow(
                currency=currency,
                provider=Provider(provider),
                month=month,
                gross_minor=gross.get((currency, provider, month), (0, 0))[0],
                refunded_minor=refunded.get((currency, provider, month), (0, 0))[0],
                payments=gross.get((currency, provider, month), (0, 0))[1],
                refunds=refunded.get((currency, provider, month), (0, 0))[1],
            )
            for currency, provider, month in keys
        ]

    async def _grouped(
        self, moment: Any, since: datetime, until: datetime, statuses: tuple[str, ...]
    ) -> dict[tuple[str, str, str], tuple[int, int]]:
        rows = await self._c.execute(
            select(payments.c.currency, payments.c.provider, moment, payments.c.total_minor).where(
                payments.c.status.in_(statuses), moment >= since, moment < until
            )
        )
        grouped: dict[tuple[str, str, str], tuple[int, int]] = {}
        for currency, provider, at, total in rows:
            # The month is taken in Python from the UTC-aware value (SQLite stores text, PostgreSQL a
            # timestamp: one rule for both).
            key = (currency, provider, at.strftime("%Y-%m"))
            amount, count = grouped.get(key, (0, 0))
            grouped[key] = (amount + int(total), count + 1)
        return grouped

    async def _one(self, query: Select[Any], for_update: bool) -> Payment | None:
        if for_update:
            query = query.with_for_update()
        row = (await self._c.execute(query)).first()
        return None if row is None else _to_payment(row._mapping)


class SqlSubscriptionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, subscription: Subscription) -> None:
        values = {**_subscription_values(subscription), "id": subscription.id, "created_at": subscription.created_at}
        try:
            await self._c.execute(_INSERT_SUBSCRIPTION, values)
        except IntegrityError as exc:  # the one-live-subscription index
            raise domain_error(exc) from exc

    async def get(self, subscription_id: UUID, *, for_update: bool = False) -> Subscription | None:
        return await self._one(select(subscriptions).where(subscriptions.c.id == subscription_id), for_update)

    async def find_by_provider_id(
        self, provider: Provider, provider_subscription_id: str, *, for_update: bool = False
    ) -> Subscription | None:
        query = select(subscriptions).where(
            subscriptions.c.provider == provider.value,
            subscriptions.c.provider_subscription_id == provider_subscription_id,
        )
        return await self._one(query, for_update)

    async def save(self, subscription: Subscription) -> None:
        await self._c.execute(
            _SAVE_SUBSCRIPTION, {**_subscription_values(subscription), "subscription_id": subscription.id}
        )

    async def list_for_user(self, user_id: UUID, *, offset: int, limit: int) -> tuple[Sequence[Subscription], int]:
        rows, total = await fetch_page(
            self._c,
            select(subscriptions).order_by(subscriptions.c.created_at.desc(), subscriptions.c.id.desc()),
            table=subscriptions,
            conditions=[subscriptions.c.user_id == user_id],
            offset=offset,
            limit=limit,
        )
        return [_to_subscription(row._mapping) for row in rows], total

    async def granting_for(self, user_id: UUID, now: datetime, *, for_update: bool = False) -> Subscription | None:
        query = (
            select(subscriptions)
            .where(subscriptions.c.user_id == user_id, subscriptions.c.status.in_((*_LIVE, "canceled")))
            .order_by(subscriptions.c.created_at.desc())
        )
        if for_update:
            query = query.with_for_update()
        for row in await self._c.execute(query):
            subscription = _to_subscription(row._mapping)
            if subscription.grants_access(now):
                return subscription
        return None

    async def lapsed(self, now: datetime) -> Sequence[Subscription]:
        still_granting = (
            select(literal(1))
            .select_from(enrollments)
            .where(
                enrollments.c.access_source == "subscription",
                enrollments.c.access_ref == subscriptions.c.id,
                # Dropped ones too: ending a grant expires them as well (`CourseAccess.end`).
                enrollments.c.status.in_(("active", "completed", "dropped")),
            )
            .exists()
        )
        rows = await self._c.execute(
            select(subscriptions).where(
                # Canceled, or still live at the provider but set to end with its period (Stripe keeps such
                # a subscription `active` until the period is over, and may report the end late or never).
                or_(
                    subscriptions.c.status == SubscriptionStatus.CANCELED.value,
                    and_(subscriptions.c.status.in_(_LIVE), subscriptions.c.cancel_at_period_end.is_(True)),
                ),
                subscriptions.c.current_period_end.is_not(None),
                subscriptions.c.current_period_end <= now,
                still_granting,
            )
        )
        return [_to_subscription(row._mapping) for row in rows]

    async def _one(self, query: Select[Any], for_update: bool) -> Subscription | None:
        if for_update:
            query = query.with_for_update()
        row = (await self._c.execute(query)).first()
        return None if row is None else _to_subscription(row._mapping)


class SqlPaymentWebhookEventRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add_if_absent(self, event: PaymentWebhookEvent) -> bool:
        values = {
            "id": event.id,
            "provider": event.provider.value,
            "provider_event_id": event.provider_event_id,
            "event_type": event.event_type,
            "status": event.status.value,
            "payload": event.payload,
            "error_message": event.error_message,
            "created_at": event.created_at,
            "processed_at": event.processed_at,
        }
        # The unique (provider, event id) pair decides, whatever the races: on PostgreSQL a concurrent
        # duplicate waits here until the first one's transaction ends, then finds it.
        result = await self._c.execute(_insert_event_if_absent(self._c.dialect.name), values)
        return bool(result.rowcount == 1)

    async def get(
        self, provider: Provider, provider_event_id: str, *, for_update: bool = False
    ) -> PaymentWebhookEvent | None:
        query = select(payment_webhook_events).where(
            payment_webhook_events.c.provider == provider.value,
            payment_webhook_events.c.provider_event_id == provider_event_id,
        )
        if for_update:
            query = query.with_for_update()
        row = (await self._c.execute(query)).first()
        if row is None:
            return None
        m = row._mapping
        return PaymentWebhookEvent(
            id=m["id"],
            provider=Provider(m["provider"]),
            provider_event_id=m["provider_event_id"],
            event_type=m["event_type"],
            status=WebhookEventStatus(m["status"]),
            payload=m["payload"],
            error_message=m["error_message"],
            created_at=m["created_at"],
            processed_at=m["processed_at"],
        )

    async def mark(
        self, provider: Provider, provider_event_id: str, *, status: WebhookEventStatus, error: str | None, at: datetime
    ) -> None:
        await self._c.execute(
            _MARK_EVENT,
            {
                "event_provider": provider.value,
                "event_id": provider_event_id,
                "status": status.value,
                "error_message": error,
                "processed_at": at if status is WebhookEventStatus.PROCESSED else None,
            },
        )


@cache
def _insert_event_if_absent(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the dialect's own words, built once per dialect."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as insert_ignoring
    else:
        from sqlalchemy.dialects.sqlite import insert as insert_ignoring  # type: ignore[assignment]
    return insert_ignoring(payment_webhook_events).on_conflict_do_nothing(
        index_elements=["provider", "provider_event_id"]
    )
