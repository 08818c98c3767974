"""Every table of the engine, gathered on one `MetaData` (what Alembic and the tests compare)."""

from __future__ import annotations

from lms_adapters.persistence.metadata import metadata
from lms_adapters.persistence.tables_assessment import grade_audit, quiz_attempts, quiz_questions, quizzes
from lms_adapters.persistence.tables_delivery import outbox_handlers
from lms_adapters.persistence.tables_identity import one_time_secrets, outbox, refresh_tokens, users
from lms_adapters.persistence.tables_learning import courses, enrollments, lesson_progress, lessons
from lms_adapters.persistence.tables_media import certificate_issue_failures, certificates, uploaded_files
from lms_adapters.persistence.tables_notifications import sent_notifications
from lms_adapters.persistence.tables_payments import payment_webhook_events, payments, subscriptions
from lms_adapters.persistence.tables_webhooks import webhook_deliveries, webhook_endpoints

__all__ = [
    "certificate_issue_failures",
    "certificates",
    "courses",
    "enrollments",
    "grade_audit",
    "lesson_progress",
    "lessons",
    "metadata",
    "one_time_secrets",
    "outbox",
    "outbox_handlers",
    "payment_webhook_events",
    "payments",
    "quiz_attempts",
    "quiz_questions",
    "quizzes",
    "refresh_tokens",
    "sent_notifications",
    "subscriptions",
    "uploaded_files",
    "users",
    "webhook_deliveries",
    "webhook_endpoints",
]
