"""The composition root: the only place where adapters are chosen and wired to the core."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_adapters import configured
from lms_adapters.caching.memory import InProcessCache
from lms_adapters.event_wiring import (
    delivery_rules_of,
    event_catalogue,
    open_webhook_sender,
    outbox_dispatcher,
    payload_sealer,
    relay_with_handlers,
    webhook_rules_of,
)
from lms_adapters.health import DatabaseProbe, RedisProbe
from lms_adapters.links import ApiLinks
from lms_adapters.mail.files import FileMailer
from lms_adapters.mail.rendering import JinjaEmailRenderer
from lms_adapters.mail.smtp import SmtpMailer
from lms_adapters.mail.unsubscribe import HmacUnsubscribeTokens, NotificationLinks
from lms_adapters.payments.tax import RateTaxPolicy
from lms_adapters.payments.wiring import default_provider, open_payment_gateways, subscription_plans
from lms_adapters.pdf import build_renderer
from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.uow import SqlUnitOfWork
from lms_adapters.security.memory import InProcessDenylist, InProcessRateLimiter
from lms_adapters.security.passwords import Argon2PasswordHasher
from lms_adapters.security.tokens import HmacSecretGenerator, JwtAccessTokenCodec
from lms_adapters.settings import Settings
from lms_adapters.storage.fsspec_storage import FsspecFileStorage
from lms_adapters.webhooks.guard import NetworkGuard
from lms_adapters.webhooks.secret_box import AesGcmSecretBox
from lms_core.auth.ports import AccessTokenDenylist, RateLimiter
from lms_core.auth.service import AuthService, RefreshSessionRevoker
from lms_core.certificates.service import CertificateService
from lms_core.courses.ports import CatalogueCache
from lms_core.courses.service import CourseService
from lms_core.emails.ports import Mailer
from lms_core.emails.service import EmailService
from lms_core.enrollments.completion import LessonCompletion
from lms_core.enrollments.service import EnrollmentService
from lms_core.facade import Lms
from lms_core.files.ports import FileStorage
from lms_core.files.service import FileService
from lms_core.notifications.service import NotificationService
from lms_core.payments.service import PaymentService
from lms_core.payments.subscription_access import SubscriptionEntitlements
from lms_core.quizzes.gate import QuizCompletionGate
from lms_core.quizzes.leaving import AttemptsClosedOnDrop
from lms_core.quizzes.service import QuizService
from lms_core.shared.clock import Clock, SystemClock
from lms_core.shared.health import HealthService
from lms_core.shared.ids import UserId
from lms_core.shared.ports import HealthProbe
from lms_core.users.ports import UserCache
from lms_core.users.service import UserService
from lms_core.webhooks.service import WebhookService


async def _engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _redis(settings: Settings) -> AsyncIterator[Any]:
    if not settings.redis_url:
        yield None
        return
    from redis.asyncio import Redis

    client = Redis.from_url(settings.redis_url)
    try:
        yield client
    finally:
        await client.aclose()


def _health(engine: AsyncEngine, redis: Any) -> HealthService:
    probes: list[HealthProbe] = [DatabaseProbe(engine)]
    if redis is not None:
        probes.append(RedisProbe(redis))
    return HealthService(probes=probes)


def _hasher(settings: Settings) -> Argon2PasswordHasher:
    return Argon2PasswordHasher.fast_for_tests() if settings.password_hashing == "fast" else Argon2PasswordHasher()


def _mailer(settings: Settings) -> Mailer:
    if settings.smtp_url:
        return SmtpMailer.from_url(settings.smtp_url)
    return FileMailer(settings.mail_dir)


def _denylist(redis: Any, clock: Clock) -> AccessTokenDenylist:
    if redis is None:
        return InProcessDenylist(clock)
    from lms_adapters.security.redis import RedisDenylist

    return RedisDenylist(redis, clock)


def _rate_limiter(redis: Any, clock: Clock) -> RateLimiter:
    if redis is None:
        return InProcessRateLimiter(clock)
    from lms_adapters.security.redis import RedisRateLimiter

    return RedisRateLimiter(redis, clock)


async def _user_cache(redis: Any) -> AsyncIterator[UserCache]:
    async for cache in _shared_cache(redis, "lms:cache:users", decode_key=lambda text: UserId(UUID(text))):
        yield cache


async def _catalogue_cache(redis: Any) -> AsyncIterator[CatalogueCache]:
    async for cache in _shared_cache(redis, "lms:cache:catalogue", decode_key=None):
        yield cache


async def _shared_cache(redis: Any, channel: str, *, decode_key: Callable[[str], Any] | None) -> AsyncIterator[Any]:
    """An in-process cache; with Redis, one whose invalidations reach every server process."""
    if redis is None:
        yield InProcessCache()
        return
    from lms_adapters.caching.redis import RedisBroadcastCache

    cache: RedisBroadcastCache[Any, Any] = RedisBroadcastCache(redis, channel, decode_key=decode_key)
    await cache.start()
    try:
        yield cache
    finally:
        await cache.stop()


def _storage(settings: Settings) -> FsspecFileStorage:
    return FsspecFileStorage(settings.storage_url, **settings.storage_options)


class Container(containers.DeclarativeContainer):
    """The object graph. Override `clock`, `mailer` or `storage` to embed the engine with your own."""

    settings = providers.Dependency(instance_of=Settings)
    clock = providers.Singleton(SystemClock)
    mailer = providers.Singleton(_mailer, settings)

    engine = providers.Resource(_engine, settings)
    redis = providers.Resource(_redis, settings)

    secret_key = providers.Callable(lambda s: s.require_secret_key(), settings)
    sealer = providers.Singleton(payload_sealer, secret_key)
    uow = providers.Singleton(SqlUnitOfWork, engine, clock=clock, sealer=sealer)
    hasher = providers.Singleton(_hasher, settings)
    codec = providers.Singleton(JwtAccessTokenCodec, secret_key)
    secrets = providers.Singleton(HmacSecretGenerator, secret_key)
    denylist = providers.Singleton(_denylist, redis, clock)
    rate_limiter = providers.Singleton(_rate_limiter, redis, clock)
    user_cache = providers.Resource(_user_cache, redis)
    catalogue_cache = providers.Resource(_catalogue_cache, redis)
    auth_settings = providers.Singleton(configured.auth_settings, settings)
    registration_rules = providers.Singleton(configured.registration_rules, settings)

    renderer = providers.Singleton(JinjaEmailRenderer, public_base_url=settings.provided.public_base_url)
    emails = providers.Singleton(EmailService, renderer=renderer, mailer=mailer, sender=settings.provided.mail_from)
    users = providers.Singleton(
        UserService,
        uow=uow,
        clock=clock,
        hasher=hasher,
        cache=user_cache,
        sessions=providers.Singleton(RefreshSessionRevoker),
    )
    auth = providers.Singleton(
        AuthService,
        uow=uow,
        clock=clock,
        hasher=hasher,
        codec=codec,
        secrets=secrets,
        denylist=denylist,
        rate_limiter=rate_limiter,
        cache=user_cache,
        users=users,
        settings=auth_settings,
        registration=registration_rules,
    )
    # The one path by which lessons get completed: learners' reports, passed quizzes and lesson changes.
    lesson_completion = providers.Singleton(LessonCompletion)
    courses = providers.Singleton(
        CourseService,
        uow=uow,
        clock=clock,
        catalogue_cache=catalogue_cache,
        lesson_changes=lesson_completion,
    )
    enrollments = providers.Singleton(
        EnrollmentService,
        uow=uow,
        clock=clock,
        completion=lesson_completion,
        quiz_gate=providers.Singleton(QuizCompletionGate),
        catalogue_cache=catalogue_cache,
        open_attempts=providers.Singleton(AttemptsClosedOnDrop, completion=lesson_completion),
        subscriptions=providers.Singleton(SubscriptionEntitlements),
    )
    quizzes = providers.Singleton(QuizService, uow=uow, clock=clock, completion=lesson_completion)
    # One object store (LMS_STORAGE_URL) for uploaded files and certificate PDFs.
    storage = providers.Singleton(_storage, settings)
    links = providers.Singleton(ApiLinks, settings.provided.public_base_url)
    files = providers.Singleton(
        FileService,
        uow=uow,
        clock=clock,
        storage=storage,
        limits=providers.Singleton(configured.upload_limits, settings),
        links=links,
        downloads=providers.Singleton(configured.download_options, settings),
        publishing=providers.Singleton(configured.publishing_rules, settings),
    )
    certificate_renderer = providers.Singleton(
        build_renderer,
        settings.provided.certificate_renderer,
        settings.provided.certificate_font,
        providers.Callable(configured.certificate_style, settings),
    )
    certificates = providers.Singleton(
        CertificateService,
        uow=uow,
        clock=clock,
        storage=storage,
        renderer=certificate_renderer,
        links=links,
        rate_limiter=rate_limiter,
        verify_limit=providers.Callable(configured.certificate_verify_limit, settings),
    )
    # Notifications: course e-mails after learning events, weekly summaries and reminders, unsubscribing.
    notification_links = providers.Singleton(NotificationLinks, settings.provided.public_base_url)
    unsubscribe_tokens = providers.Singleton(HmacUnsubscribeTokens, secret_key)
    notifications = providers.Singleton(
        NotificationService, uow=uow, clock=clock, links=notification_links, tokens=unsubscribe_tokens, users=users
    )
    # Outbound webhooks: the SSRF guard checks URLs when registered and again at every connection.
    webhook_guard = providers.Singleton(NetworkGuard, allow_private=settings.provided.webhook_allow_private_networks)
    webhook_sender = providers.Resource(open_webhook_sender, settings, webhook_guard)
    webhooks = providers.Singleton(
        WebhookService,
        uow=uow,
        clock=clock,
        secrets=providers.Singleton(AesGcmSecretBox, secret_key),
        guard=webhook_guard,
        sender=webhook_sender,
        rules=providers.Singleton(webhook_rules_of, settings),
    )
    # Payments: the providers whose keys are set; access is granted and ended by the enrolments' one rule.
    payment_gateways = providers.Resource(open_payment_gateways, settings)
    payments = providers.Singleton(
        PaymentService,
        uow=uow,
        clock=clock,
        access=enrollments.provided.access,
        gateways=payment_gateways,
        default_provider=providers.Callable(default_provider, settings),
        tax=providers.Singleton(RateTaxPolicy.from_setting, settings.provided.tax_rates),
        plans=providers.Callable(subscription_plans, settings),
    )
    events = providers.Singleton(event_catalogue)
    delivery_rules = providers.Singleton(delivery_rules_of, settings)
    relay = providers.Singleton(
        relay_with_handlers, uow, clock, events, sealer, delivery_rules, emails, certificates, notifications, webhooks
    )
    outbox_worker = providers.Resource(outbox_dispatcher, settings, relay, uow)

    health = providers.Singleton(_health, engine, redis)

    lms = providers.Singleton(
        Lms,
        auth=auth,
        users=users,
        courses=courses,
        enrollments=enrollments,
        files=files,
        quizzes=quizzes,
        certificates=certificates,
        emails=emails,
        notifications=notifications,
        webhooks=webhooks,
        payments=payments,
        outbox=relay,
        clock=clock,
        health=health,
    )


async def _resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


@asynccontextmanager
async def open_lms(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    mailer: Mailer | None = None,
    storage: FileStorage | None = None,
    migrate: bool = False,
) -> AsyncIterator[Lms]:
    """A ready `Lms` for the given settings (default: from `LMS_*` variables); disposes everything on exit.

    `migrate=True` brings the database schema up to date first (what `lms db upgrade` does).
    """
    settings = settings or Settings.from_env()
    settings.require_secret_key()
    settings.self_registration_roles()  # an admin (or unknown) self-registration role stops the start
    if migrate:
        from lms_adapters.persistence.migrate import upgrade_database

        await upgrade_database(settings.database_url)
    container = Container(settings=settings)
    if clock is not None:
        container.clock.override(providers.Object(clock))
    if mailer is not None:
        container.mailer.override(providers.Object(mailer))
    if storage is not None:
        container.storage.override(providers.Object(storage))
    try:
        await _resolve(container.init_resources())
        yield await _resolve(container.lms())
    finally:
        await _resolve(container.shutdown_resources())
