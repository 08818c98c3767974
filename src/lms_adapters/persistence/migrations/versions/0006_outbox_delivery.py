"""outbox delivery: claim tokens and the handlers that already ran for an event

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms_adapters.persistence.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claim_token", sa.Uuid(), nullable=True))
    op.create_table(
        "outbox_handlers",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("handler", sa.String(length=300), nullable=False),
        sa.Column("handled_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["outbox.id"], name=op.f("fk_outbox_handlers_message_id_outbox"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("message_id", "handler", name=op.f("pk_outbox_handlers")),
    )


def downgrade() -> None:
    op.drop_table("outbox_handlers")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claim_token")
