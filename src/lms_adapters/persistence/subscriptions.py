"""Subscriptions in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, bindparam, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.integrity import domain_error
from lms_adapters.persistence.paging import fetch_page
from lms_adapters.persistence.tables_learning import enrollments
from lms_adapters.persistence.tables_payments import subscriptions
from lms_core.payments.entities import (
    Provider,
    Subscription,
    SubscriptionId,
    SubscriptionStatus,
)

_LIVE = ("trial", "active", "past_due")

# Built once, the row passed as parameters (see `persistence/payments.py`).
_SUBSCRIPTION_COLUMNS = [column.name for column in subscriptions.columns if column.name not in ("id", "created_at")]
_INSERT_SUBSCRIPTION = insert(subscriptions)
_SAVE_SUBSCRIPTION = (
    update(subscriptions)
    .where(subscriptions.c.id == bindparam("subscription_id"))
    .values({name: bindparam(name) for name in _SUBSCRIPTION_COLUMNS})
)


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
