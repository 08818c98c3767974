"""The payments module's answer to the enrolments' `SubscriptionAccess` port."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from lms_core.shared.ports import Transaction


class SubscriptionEntitlements:
    """A learner's subscription opens paid courses while it grants access (`Subscription.grants_access`)."""

    async def granting_subscription(self, tx: Transaction, student_id: UUID, now: datetime) -> UUID | None:
        subscription = await tx.subscriptions.granting_for(student_id, now, for_update=True)
        return None if subscription is None else subscription.id

    async def record_course_access(self, tx: Transaction, subscription_id: UUID) -> None:
        subscription = await tx.subscriptions.get(subscription_id, for_update=True)
        if subscription is None:
            raise LookupError(f"subscription {subscription_id} vanished within its transaction")
        subscription.courses_accessed += 1
        subscription.total_usage += 1
        await tx.subscriptions.save(subscription)
