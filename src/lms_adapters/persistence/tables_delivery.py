"""Tables of event delivery: which handlers already ran for an outbox event still being delivered."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, Uuid

from lms_adapters.persistence.metadata import metadata
from lms_adapters.persistence.types import UtcDateTime

# One row per handler that succeeded for an event not yet fully delivered: a redelivered event skips
# them. Rows leave with the event (the foreign key cascades when the delivered event is deleted).
outbox_handlers = Table(
    "outbox_handlers",
    metadata,
    Column("message_id", Uuid, ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True),
    Column("handler", String(300), primary_key=True),
    Column("handled_at", UtcDateTime, nullable=False),
)
