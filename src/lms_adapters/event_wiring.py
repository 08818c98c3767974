"""How events travel: the catalogue the outbox reads them back with, the relay and the handlers each
module subscribes, the dispatcher that hands them to taskiq, and the webhook sender. Part of the
composition root (`bootstrap.py`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from lms_adapters.persistence.uow import SqlUnitOfWork
from lms_adapters.settings import Settings
from lms_adapters.tasks.dispatch import OutboxDispatcher
from lms_adapters.webhooks.guard import NetworkGuard
from lms_adapters.webhooks.sender import HttpWebhookSender
from lms_core.auth import events as auth_events
from lms_core.certificates import events as certificate_events
from lms_core.certificates.events import CertificateIssued
from lms_core.certificates.service import CertificateService
from lms_core.courses import events as course_events
from lms_core.emails import events as email_events
from lms_core.emails.events import EmailRequested
from lms_core.emails.service import EmailService
from lms_core.enrollments import events as enrollment_events
from lms_core.enrollments.events import EnrollmentCompleted, StudentEnrolled
from lms_core.files import events as file_events
from lms_core.notifications import events as notification_events
from lms_core.notifications.service import NotificationService
from lms_core.payments import events as payment_events
from lms_core.payments.events import PaymentSucceeded
from lms_core.quizzes import events as quiz_events
from lms_core.shared.clock import Clock
from lms_core.shared.events import EventCatalogue
from lms_core.shared.outbox import DeliveryRules, OutboxRelay
from lms_core.shared.outbox_ports import PayloadSealer
from lms_core.users import events as user_events
from lms_core.webhooks import events as webhook_events
from lms_core.webhooks.events import WebhookDeliveryDue
from lms_core.webhooks.ports import WebhookRules
from lms_core.webhooks.service import WebhookService

log = logging.getLogger("lms")


def event_catalogue() -> EventCatalogue:
    """Every event the modules record (each module's `events.EVENTS`): what the outbox can read back."""
    return EventCatalogue.of(
        *user_events.EVENTS,
        *auth_events.EVENTS,
        *course_events.EVENTS,
        *enrollment_events.EVENTS,
        *file_events.EVENTS,
        *quiz_events.EVENTS,
        *certificate_events.EVENTS,
        *email_events.EVENTS,
        *notification_events.EVENTS,
        *webhook_events.EVENTS,
        *payment_events.EVENTS,
    )


def payload_sealer(secret_key: str) -> PayloadSealer:
    """Outbox payloads that carry secrets are stored encrypted (see `emails.events.SEALED_EVENTS`)."""
    from lms_adapters.security.sealing import AesGcmPayloadSealer

    return AesGcmPayloadSealer(secret_key, (event.event_type for event in email_events.SEALED_EVENTS))


def delivery_rules_of(settings: Settings) -> DeliveryRules:
    return DeliveryRules(
        max_attempts=settings.outbox_max_attempts,
        claim_seconds=settings.outbox_claim_seconds,
        retry_base_seconds=settings.outbox_retry_base_seconds,
    )


def relay_with_handlers(
    uow: SqlUnitOfWork,
    clock: Clock,
    events: EventCatalogue,
    sealer: PayloadSealer,
    rules: DeliveryRules,
    emails: EmailService,
    certificates: CertificateService,
    notifications: NotificationService,
    webhooks: WebhookService,
) -> OutboxRelay:
    relay = OutboxRelay(uow=uow, clock=clock, events=events, sealer=sealer, rules=rules)
    relay.subscribe(EmailRequested, emails.deliver)
    relay.subscribe(EnrollmentCompleted, certificates.on_enrollment_completed)
    # Course e-mails: each handler records its `EmailRequested` once per event (keyed in sent_notifications).
    relay.subscribe(StudentEnrolled, notifications.on_student_enrolled)
    relay.subscribe(EnrollmentCompleted, notifications.on_enrollment_completed)
    relay.subscribe(CertificateIssued, notifications.on_certificate_issued)
    relay.subscribe(PaymentSucceeded, notifications.on_payment_succeeded)
    # Webhooks: each event endpoints may want fans out into deliveries; each delivery is one more event.
    for event_class in webhooks.event_classes:
        relay.subscribe(event_class, webhooks.fan_out)
    relay.subscribe(WebhookDeliveryDue, webhooks.attempt_delivery)
    return relay


async def outbox_dispatcher(
    settings: Settings, relay: OutboxRelay, uow: SqlUnitOfWork
) -> AsyncIterator[OutboxDispatcher | None]:
    """The relay loop of a serving process (docs/operations.md): with no `LMS_BROKER_URL` it runs the delivery
    tasks itself (taskiq's in-memory broker); with one, it only queues them for `lms worker` processes."""
    if not settings.outbox_worker:
        yield None
        return
    from lms_adapters.tasks.brokers import build_broker, register_delivery, uses_external_broker

    broker = build_broker(settings)
    task = register_delivery(broker, relay)
    runs_here = not uses_external_broker(settings)
    # A broker that is down at start-up is not fatal: events wait in the outbox until it is back.
    try:
        await broker.startup()
    except Exception as exc:
        log.warning("the task broker cannot be reached at start-up (%s); events wait in the outbox", exc)
    dispatcher = OutboxDispatcher(
        relay,
        broker,
        task,
        poll_seconds=settings.outbox_poll_seconds,
        batch_size=16 if runs_here else 500,
        runs_tasks_here=runs_here,
    )
    uow.on_outbox_write = dispatcher.kick
    await dispatcher.start()
    try:
        yield dispatcher
    finally:
        uow.on_outbox_write = None
        await dispatcher.stop()
        await broker.shutdown()


def webhook_rules_of(settings: Settings) -> WebhookRules:
    return WebhookRules(
        disable_after_days=settings.webhook_disable_after_days,
        secret_grace_seconds=settings.webhook_secret_grace_hours * 3600,
    )


async def open_webhook_sender(settings: Settings, guard: NetworkGuard) -> AsyncIterator[HttpWebhookSender]:
    sender = HttpWebhookSender(guard, timeout_seconds=settings.webhook_timeout_seconds)
    try:
        yield sender
    finally:
        await sender.aclose()
