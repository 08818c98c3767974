"""payments: purchases, subscriptions, provider events; enrolments' access source

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 21:02:55.219623
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lms_adapters.persistence.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_webhook_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('processing', 'processed', 'failed')", name=op.f("ck_payment_webhook_events_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_webhook_events")),
        sa.UniqueConstraint(
            "provider", "provider_event_id", name=op.f("uq_payment_webhook_events_provider_provider_event_id")
        ),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_subscription_id", sa.String(length=255), nullable=True),
        sa.Column("provider_customer_id", sa.String(length=255), nullable=True),
        sa.Column("plan_name", sa.String(length=100), nullable=False),
        sa.Column("plan_price_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("current_period_start", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("current_period_end", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("courses_accessed", sa.Integer(), nullable=False),
        sa.Column("total_usage", sa.Integer(), nullable=False),
        sa.Column(
            "subscription_metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("canceled_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('trial', 'active', 'past_due', 'canceled', 'incomplete')", name=op.f("ck_subscriptions_status")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_subscriptions_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint(
            "provider", "provider_subscription_id", name=op.f("uq_subscriptions_provider_provider_subscription_id")
        ),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            "uq_subscriptions_live_per_user",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('trial', 'active', 'past_due', 'incomplete')"),
            postgresql_where=sa.text("status IN ('trial', 'active', 'past_due', 'incomplete')"),
        )

    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=True),
        sa.Column("enrollment_id", sa.Uuid(), nullable=True),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_payment_id", sa.String(length=255), nullable=True),
        sa.Column("provider_customer_id", sa.String(length=255), nullable=True),
        sa.Column("provider_subscription_id", sa.String(length=255), nullable=True),
        sa.Column("provider_invoice_id", sa.String(length=255), nullable=True),
        sa.Column("payment_type", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("plan_name", sa.String(length=100), nullable=True),
        sa.Column("plan_price_id", sa.String(length=255), nullable=True),
        sa.Column(
            "payment_metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("failure_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("payment_type IN ('one_time', 'recurring', 'trial')", name=op.f("ck_payments_payment_type")),
        sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'refunded')", name=op.f("ck_payments_status")),
        sa.CheckConstraint(
            "total_minor = amount_minor + tax_minor AND amount_minor >= 0 AND tax_minor >= 0",
            name=op.f("ck_payments_amounts"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_payments_course_id_courses"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_payments_enrollment_id_enrollments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_payments_subscription_id_subscriptions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_payments_user_id_users"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("provider", "provider_payment_id", name=op.f("uq_payments_provider_provider_payment_id")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_status_created_at"), ["status", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_user_id_created_at"), ["user_id", "created_at"], unique=False)
        batch_op.create_index(
            "uq_payments_pending_per_course",
            ["user_id", "course_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending' AND payment_type = 'one_time'"),
            postgresql_where=sa.text("status = 'pending' AND payment_type = 'one_time'"),
        )

    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access_source", sa.String(length=20), server_default="free", nullable=False))
        batch_op.add_column(sa.Column("access_ref", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_enrollments_access_ref"), ["access_ref"], unique=False)
        batch_op.create_check_constraint("access_source", "access_source IN ('free', 'subscription', 'payment')")


def downgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_constraint("access_source", type_="check")
        batch_op.drop_index(batch_op.f("ix_enrollments_access_ref"))
        batch_op.drop_column("access_ref")
        batch_op.drop_column("access_source")

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_payments_pending_per_course",
            sqlite_where=sa.text("status = 'pending' AND payment_type = 'one_time'"),
            postgresql_where=sa.text("status = 'pending' AND payment_type = 'one_time'"),
        )
        batch_op.drop_index(batch_op.f("ix_payments_user_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_payments_status_created_at"))

    op.drop_table("payments")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_subscriptions_live_per_user",
            sqlite_where=sa.text("status IN ('trial', 'active', 'past_due', 'incomplete')"),
            postgresql_where=sa.text("status IN ('trial', 'active', 'past_due', 'incomplete')"),
        )

    op.drop_table("subscriptions")
    op.drop_table("payment_webhook_events")
