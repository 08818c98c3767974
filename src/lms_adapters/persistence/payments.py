"""Payments in SQL: purchases and the revenue read from them. Money goes in as integer minor units."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.integrity import domain_error
from lms_adapters.persistence.paging import fetch_page
from lms_adapters.persistence.tables_payments import payments
from lms_core.payments.entities import (
    Payment,
    PaymentId,
    PaymentStatus,
    PaymentType,
    Provider,
    SubscriptionId,
)
from lms_core.payments.ports import RevenueRow
from lms_core.shared.money import Money

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
