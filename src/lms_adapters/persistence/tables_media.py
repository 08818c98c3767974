"""Tables of uploaded files and certificates.

A certificate row exists only once its PDF is stored; a file row only once its object is stored.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, Uuid

from lms_adapters.persistence.metadata import metadata
from lms_adapters.persistence.types import UtcDateTime

uploaded_files = Table(
    "uploaded_files",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("uploader_id", Uuid, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False),
    # The stored name (`<uuid>.<ext>`); the client's name is kept only as `original_filename`.
    Column("filename", String(255), nullable=False, unique=True),
    Column("original_filename", String(255), nullable=False),
    Column("storage_path", String(1024), nullable=False, unique=True),
    Column("storage_provider", String(20), nullable=False),
    Column("folder", String(100), nullable=False),
    Column("file_type", String(20), nullable=False),
    Column("mime_type", String(100), nullable=False),
    Column("file_size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("is_public", Boolean, nullable=False),
    Column("course_id", Uuid, ForeignKey("courses.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("file_type IN ('image', 'video', 'document', 'other')", name="file_type"),
    Index(None, "uploader_id", "created_at"),
    Index(None, "course_id"),
)

certificates = Table(
    "certificates",
    metadata,
    Column("id", Uuid, primary_key=True),
    # At most one certificate per enrolment, whatever races happen.
    Column("enrollment_id", Uuid, ForeignKey("enrollments.id", ondelete="RESTRICT"), nullable=False, unique=True),
    Column("student_id", Uuid, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False),
    Column("course_id", Uuid, ForeignKey("courses.id", ondelete="RESTRICT"), nullable=False),
    Column("certificate_number", String(50), nullable=False, unique=True),
    Column("pdf_path", String(1024), nullable=False),
    # What the certificate says, as it was when issued.
    Column("student_name", String(255), nullable=False),
    Column("course_title", String(255), nullable=False),
    Column("instructor_name", String(255), nullable=False),
    Column("completion_date", UtcDateTime, nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("renderer", String(20), nullable=False),
    Column("is_revoked", Boolean, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("revoked_reason", Text, nullable=True),
    Column("revoked_by", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Index(None, "student_id", "issued_at"),
    Index(None, "course_id"),
)

# Why a completed enrolment's certificate could not be issued (a name no certificate font draws): one row
# per enrolment, the latest reason, deleted when the certificate is issued.
certificate_issue_failures = Table(
    "certificate_issue_failures",
    metadata,
    Column("enrollment_id", Uuid, ForeignKey("enrollments.id", ondelete="CASCADE"), primary_key=True),
    Column("code", String(100), nullable=False),
    Column("reason", Text, nullable=False),
    Column("field", String(50), nullable=True),
    Column("failed_at", UtcDateTime, nullable=False),
)
