"""notifications: the e-mails already sent, and each account's optional e-mail preferences

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lms_adapters.persistence.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sent_notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("sent_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sent_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_notifications")),
        sa.UniqueConstraint("kind", "subject_id", "period", name=op.f("uq_sent_notifications_kind_subject_id_period")),
    )
    op.create_index(op.f("ix_sent_notifications_user_id"), "sent_notifications", ["user_id"], unique=False)
    op.create_index(
        op.f("ix_sent_notifications_kind_subject_id_sent_at"),
        "sent_notifications",
        ["kind", "subject_id", "sent_at"],
        unique=False,
    )
    # NULL means every optional e-mail switched on: the accounts that exist keep receiving them.
    op.add_column(
        "users",
        sa.Column(
            "email_preferences",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_preferences")
    op.drop_index(op.f("ix_sent_notifications_kind_subject_id_sent_at"), table_name="sent_notifications")
    op.drop_index(op.f("ix_sent_notifications_user_id"), table_name="sent_notifications")
    op.drop_table("sent_notifications")
