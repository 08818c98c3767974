"""Tables of the notifications context: the e-mails already sent, each once."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, UniqueConstraint, Uuid

from lms_adapters.persistence.metadata import metadata
from lms_adapters.persistence.types import UtcDateTime

# One row per e-mail decided on, written in the transaction that records its `EmailRequested`: the unique
# key is what makes a redelivered event or a second (or concurrent) run of a job send nothing twice.
sent_notifications = Table(
    "sent_notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(40), nullable=False),
    # What the e-mail is about: an enrolment, a certificate or (weekly summaries) the user.
    Column("subject_id", Uuid, nullable=False),
    # The occasion: an ISO week, the start of an inactivity or of an enrolment; "" for one-off e-mails.
    Column("period", String(64), nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("sent_at", UtcDateTime, nullable=False),
    UniqueConstraint("kind", "subject_id", "period"),
    Index(None, "user_id"),
    Index(None, "kind", "subject_id", "sent_at"),
)
