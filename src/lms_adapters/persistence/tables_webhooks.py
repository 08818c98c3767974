"""Tables of outbound webhooks: the endpoints admins register and the deliveries of events to them."""

from __future__ import annotations

from sqlalchemy import (
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
)

from lms_adapters.persistence.metadata import metadata
from lms_adapters.persistence.types import JsonDocument, UtcDateTime

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("url", String(2048), nullable=False),
    # A JSON list of event type names; endpoints are few, so they are matched in Python.
    Column("event_types", JsonDocument, nullable=False),
    Column("description", String(500), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("owner_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    # Sealed (AES-GCM under a key derived from LMS_SECRET_KEY): never the secret itself.
    Column("sealed_secret", Text, nullable=False),
    Column("sealed_previous_secret", Text, nullable=True),
    Column("previous_secret_expires_at", UtcDateTime, nullable=True),
    Column("failing_since", UtcDateTime, nullable=True),
    Column("disabled_at", UtcDateTime, nullable=True),
    Column("disabled_reason", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("endpoint_id", Uuid, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("event_type", String(100), nullable=False),
    # The exact JSON body, the same on every attempt (signatures cover it byte for byte).
    Column("body", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_attempt_at", UtcDateTime, nullable=True),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    # One delivery per endpoint and event, however often the event is handed over.
    UniqueConstraint("endpoint_id", "event_id"),
    CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
    Index(None, "endpoint_id", "created_at"),
)
