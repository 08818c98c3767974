"""Tables of the identity context: users, sessions, one-time secrets and the outbox."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text, Uuid

from lms_adapters.persistence.metadata import metadata
from lms_adapters.persistence.types import JsonDocument, UtcDateTime

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Stored lower-cased; the unique constraint therefore is case-insensitive.
    Column("email", String(255), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("full_name", String(255), nullable=False),
    Column("role", String(50), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("mfa_enabled", Boolean, nullable=False),
    Column("profile_metadata", JsonDocument, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("last_login_at", UtcDateTime, nullable=True),
    Column("email_verified_at", UtcDateTime, nullable=True),
    Column("token_version", Integer, nullable=False),
    # {"weekly_progress": bool, "reminders": bool}; NULL (every account before 0007) means all switched on.
    Column("email_preferences", JsonDocument, nullable=True),
    CheckConstraint("role IN ('admin', 'instructor', 'student')", name="role"),
    Index(None, "role"),
    Index(None, "created_at"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("token_jti", String(64), nullable=False, unique=True),
    Column("token_hash", String(128), nullable=False),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("replaced_by_id", Uuid, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

one_time_secrets = Table(
    "one_time_secrets",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("token_hash", String(128), nullable=True, unique=True),
    Column("code_hash", String(128), nullable=True),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "user_id", "purpose", "created_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_type", String(100), nullable=False),
    Column("payload", JsonDocument, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("available_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("dead", Boolean, nullable=False),
    # Who holds the message: the relay that queued it, then the task that runs it (see lms_core.shared.outbox).
    Column("claim_token", Uuid, nullable=True),
    Index(None, "dead", "available_at"),
)
