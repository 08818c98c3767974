"""The SQL unit of work: one connection and transaction per `begin()`, repositories bound to it."""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import cached_property

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from lms_adapters.persistence.attempts import SqlAttemptRepository, SqlGradeAuditRepository
from lms_adapters.persistence.auth_tokens import SqlOneTimeTokenRepository, SqlRefreshTokenRepository
from lms_adapters.persistence.certificates import SqlCertificateRepository
from lms_adapters.persistence.courses import SqlCourseRepository
from lms_adapters.persistence.engine import WRITE_OPTION
from lms_adapters.persistence.enrollments import SqlEnrollmentRepository
from lms_adapters.persistence.files import SqlFileRepository
from lms_adapters.persistence.grading_batch import SqlGradingBatchStore
from lms_adapters.persistence.integrity import domain_error
from lms_adapters.persistence.lesson_progress import SqlLessonProgressRepository
from lms_adapters.persistence.lessons import SqlLessonRepository
from lms_adapters.persistence.notifications import SqlSentNotificationRepository
from lms_adapters.persistence.outbox import SqlOutboxRepository
from lms_adapters.persistence.payment_events import SqlPaymentWebhookEventRepository
from lms_adapters.persistence.payments import SqlPaymentRepository
from lms_adapters.persistence.quizzes import SqlQuestionRepository, SqlQuizRepository
from lms_adapters.persistence.subscriptions import SqlSubscriptionRepository
from lms_adapters.persistence.users import SqlUserRepository
from lms_adapters.persistence.webhooks import SqlWebhookRepository
from lms_core.shared.clock import Clock
from lms_core.shared.errors import ServiceUnavailableError
from lms_core.shared.outbox_ports import PayloadSealer

log = logging.getLogger("lms.persistence")

AfterCommit = Callable[[], Awaitable[None] | None]


class SqlTransaction:
    def __init__(
        self,
        connection: AsyncConnection,
        clock: Clock,
        on_outbox_write: Callable[[], None] | None,
        sealer: PayloadSealer | None = None,
    ) -> None:
        self._connection = connection
        self._clock = clock
        self._after_commit: list[AfterCommit] = []
        self._committed = False
        self._on_outbox_write = on_outbox_write
        self._sealer = sealer

    @cached_property
    def users(self) -> SqlUserRepository:
        return SqlUserRepository(self._connection)

    @cached_property
    def refresh_tokens(self) -> SqlRefreshTokenRepository:
        return SqlRefreshTokenRepository(self._connection)

    @cached_property
    def one_time_tokens(self) -> SqlOneTimeTokenRepository:
        return SqlOneTimeTokenRepository(self._connection)

    @cached_property
    def courses(self) -> SqlCourseRepository:
        return SqlCourseRepository(self._connection)

    @cached_property
    def lessons(self) -> SqlLessonRepository:
        return SqlLessonRepository(self._connection)

    @cached_property
    def enrollments(self) -> SqlEnrollmentRepository:
        return SqlEnrollmentRepository(self._connection)

    @cached_property
    def lesson_progress(self) -> SqlLessonProgressRepository:
        return SqlLessonProgressRepository(self._connection)

    @cached_property
    def quizzes(self) -> SqlQuizRepository:

        return SqlQuizRepository(self._connection)

    @cached_property
    def quiz_questions(self) -> SqlQuestionRepository:

        return SqlQuestionRepository(self._connection)

    @cached_property
    def quiz_attempts(self) -> SqlAttemptRepository:

        return SqlAttemptRepository(self._connection)

    @cached_property
    def grade_audit(self) -> SqlGradeAuditRepository:

        return SqlGradeAuditRepository(self._connection)

    @cached_property
    def grading_batch(self) -> SqlGradingBatchStore:

        return SqlGradingBatchStore(self._connection)

    @cached_property
    def files(self) -> SqlFileRepository:

        return SqlFileRepository(self._connection)

    @cached_property
    def certificates(self) -> SqlCertificateRepository:

        return SqlCertificateRepository(self._connection)

    @cached_property
    def notifications(self) -> SqlSentNotificationRepository:
        return SqlSentNotificationRepository(self._connection)

    @cached_property
    def webhooks(self) -> SqlWebhookRepository:
        return SqlWebhookRepository(self._connection)

    @cached_property
    def payments(self) -> SqlPaymentRepository:
        return SqlPaymentRepository(self._connection)

    @cached_property
    def subscriptions(self) -> SqlSubscriptionRepository:
        return SqlSubscriptionRepository(self._connection)

    @cached_property
    def payment_webhook_events(self) -> SqlPaymentWebhookEventRepository:
        return SqlPaymentWebhookEventRepository(self._connection)

    @cached_property
    def outbox(self) -> SqlOutboxRepository:
        return SqlOutboxRepository(self._connection, self._clock, on_write=self._outbox_written, sealer=self._sealer)

    def _outbox_written(self) -> None:
        # Wake the relay after commit only when events were added: claiming and deleting events
        # (what the relay itself does) must not wake it again, or it would spin.
        if self._on_outbox_write is not None and self._on_outbox_write not in self._after_commit:
            self.after_commit(self._on_outbox_write)

    def after_commit(self, callback: AfterCommit) -> None:
        self._after_commit.append(callback)

    async def commit(self) -> None:
        try:
            await self._connection.commit()
        except IntegrityError as exc:  # deferred constraints surface here
            raise domain_error(exc) from exc
        self._committed = True

    async def run_after_commit(self) -> None:
        if not self._committed:
            return
        for callback in self._after_commit:
            try:
                result = callback()
                if inspect.isawaitable(result):
                    await result
            except Exception:  # the change is committed; a failing follow-up must not undo the answer
                log.exception("after-commit callback failed")


class SqlUnitOfWork:
    """Implements the core's `UnitOfWork` on an `AsyncEngine`. Holds no per-request state."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        clock: Clock,
        on_outbox_write: Callable[[], None] | None = None,
        sealer: PayloadSealer | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.on_outbox_write = on_outbox_write
        self._sealer = sealer

    @asynccontextmanager
    async def begin(self, *, write: bool = True) -> AsyncIterator[SqlTransaction]:
        connection = await self._connect()
        try:
            if self._engine.dialect.name == "sqlite":
                await connection.execution_options(**{WRITE_OPTION: write})
            await connection.begin()
            tx = SqlTransaction(connection, self._clock, self.on_outbox_write, self._sealer)
            try:
                yield tx
            except IntegrityError as exc:
                await connection.rollback()
                raise domain_error(exc) from exc
            except BaseException:
                await connection.rollback()
                raise
            else:
                if connection.in_transaction():
                    await connection.rollback()
        except DBAPIError as exc:
            if exc.connection_invalidated:  # the server went away during the transaction
                raise _unavailable(exc) from None
            raise
        finally:
            await connection.close()
        await tx.run_after_commit()

    async def _connect(self) -> AsyncConnection:
        """A connection of the pool, or `ServiceUnavailableError` when the database cannot be reached.

        Refused connections and timeouts surface as the driver's own errors (asyncpg raises `OSError`),
        as `DBAPIError` (SQLite's "unable to open database file") or as the pool's timeout.
        """
        connection = self._engine.connect()
        try:
            await connection.start()
        except (OSError, TimeoutError, PoolTimeoutError, DBAPIError) as exc:
            raise _unavailable(exc) from None
        return connection


def _unavailable(exc: BaseException) -> ServiceUnavailableError:
    # The driver's own words without the statement: what an operator needs, and no parameters.
    reason = getattr(exc, "orig", None) or exc
    log.warning("the database cannot be reached: %s: %s", type(reason).__name__, reason)
    return ServiceUnavailableError("the database cannot be reached; try again shortly", code="service.unavailable")
