"""Tables of payments: purchases and subscriptions, and the provider events received about them.

Money is stored in integer minor units of its currency (see FIELD-NOTES: SQLite's Numeric loses digits).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from lms_adapters.persistence.metadata import metadata
from lms_adapters.persistence.types import JsonDocument, UtcDateTime

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False),
    Column("provider", String(20), nullable=False),
    # Known once the provider has created it (the row is written first, so a double submit finds it).
    Column("provider_subscription_id", String(255), nullable=True),
    Column("provider_customer_id", String(255), nullable=True),
    Column("plan_name", String(100), nullable=False),
    Column("plan_price_id", String(255), nullable=False),
    Column("status", String(20), nullable=False),
    Column("current_period_start", UtcDateTime, nullable=True),
    Column("current_period_end", UtcDateTime, nullable=True),
    Column("cancel_at_period_end", Boolean, nullable=False),
    Column("courses_accessed", Integer, nullable=False),
    Column("total_usage", Integer, nullable=False),
    Column("subscription_metadata", JsonDocument, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("canceled_at", UtcDateTime, nullable=True),
    CheckConstraint("status IN ('trial', 'active', 'past_due', 'canceled', 'incomplete')", name="status"),
    UniqueConstraint("provider", "provider_subscription_id"),
    # One live subscription per learner: two concurrent sign-ups cannot both create one.
    Index(
        "uq_subscriptions_live_per_user",
        "user_id",
        unique=True,
        sqlite_where=text("status IN ('trial', 'active', 'past_due', 'incomplete')"),
        postgresql_where=text("status IN ('trial', 'active', 'past_due', 'incomplete')"),
    ),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False),
    Column("course_id", Uuid, ForeignKey("courses.id", ondelete="RESTRICT"), nullable=True),
    Column("enrollment_id", Uuid, ForeignKey("enrollments.id", ondelete="SET NULL"), nullable=True),
    Column("subscription_id", Uuid, ForeignKey("subscriptions.id", ondelete="SET NULL"), nullable=True),
    Column("provider", String(20), nullable=False),
    Column("provider_payment_id", String(255), nullable=True),
    Column("provider_customer_id", String(255), nullable=True),
    Column("provider_subscription_id", String(255), nullable=True),
    Column("provider_invoice_id", String(255), nullable=True),
    Column("payment_type", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("tax_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),
    Column("plan_name", String(100), nullable=True),
    Column("plan_price_id", String(255), nullable=True),
    Column("payment_metadata", JsonDocument, nullable=False),
    Column("failure_reason", String(500), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("processed_at", UtcDateTime, nullable=True),
    Column("refunded_at", UtcDateTime, nullable=True),
    CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'refunded')", name="status"),
    CheckConstraint("payment_type IN ('one_time', 'recurring', 'trial')", name="payment_type"),
    CheckConstraint("total_minor = amount_minor + tax_minor AND amount_minor >= 0 AND tax_minor >= 0", name="amounts"),
    UniqueConstraint("provider", "provider_payment_id"),
    # One checkout at a time per learner and course: a double submit finds the first one.
    Index(
        "uq_payments_pending_per_course",
        "user_id",
        "course_id",
        unique=True,
        sqlite_where=text("status = 'pending' AND payment_type = 'one_time'"),
        postgresql_where=text("status = 'pending' AND payment_type = 'one_time'"),
    ),
    Index(None, "user_id", "created_at"),
    Index(None, "status", "created_at"),
)

payment_webhook_events = Table(
    "payment_webhook_events",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("provider", String(20), nullable=False),
    Column("provider_event_id", String(255), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("payload", Text, nullable=False),
    Column("error_message", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("processed_at", UtcDateTime, nullable=True),
    CheckConstraint("status IN ('processing', 'processed', 'failed')", name="status"),
    # A replayed or concurrent duplicate event is stored once, so it has exactly one effect.
    UniqueConstraint("provider", "provider_event_id"),
)
