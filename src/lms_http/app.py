"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from lms_adapters.settings import Settings
from lms_core import Lms
from lms_http.bodies import require_body
from lms_http.body_timeout import BodyTimeoutMiddleware
from lms_http.client_address import STATE_KEY, ClientAddresses
from lms_http.cors import cors_config
from lms_http.errors import EXCEPTION_HANDLERS, JsonBodyRequest
from lms_http.openapi import ApiSchemaPlugin, openapi_config
from lms_http.pages import ISSUER_STATE_KEY, PAGE_ROUTES
from lms_http.routes.attempts import AttemptsController
from lms_http.routes.auth import AuthController
from lms_http.routes.certificates import CertificatesController
from lms_http.routes.courses import CoursesController, LessonsController
from lms_http.routes.enrollments import EnrollmentsController
from lms_http.routes.files import FilesController
from lms_http.routes.health import HEALTH_ROUTES
from lms_http.routes.notifications import NotificationsController
from lms_http.routes.payments import PaymentsController, PaymentWebhooksController
from lms_http.routes.quizzes import CourseQuizzesController, QuizQuestionsController
from lms_http.routes.users import UsersController
from lms_http.routes.webhooks import WebhooksController
from lms_http.security_headers import add_security_headers

MAX_BODY_BYTES = 1024 * 1024


def create_app(
    lms: Lms | None = None,
    *,
    lifespan_lms: Callable[[], AbstractAsyncContextManager[Lms]] | None = None,
    settings: Settings | None = None,
) -> Litestar:
    """The HTTP API over a ready `Lms`, or over one opened for the app's lifetime by `lifespan_lms`.

    `settings` gives the HTTP options (CORS, body timeout, trusted proxies); the defaults without it."""
    if (lms is None) == (lifespan_lms is None):
        raise ValueError("pass either a ready Lms or a lifespan factory")
    holder: dict[str, Lms] = {}
    if lms is not None:
        holder["lms"] = lms

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        if lifespan_lms is None:
            yield
            return
        async with lifespan_lms() as opened:
            holder["lms"] = opened
            yield

    http_settings = settings or Settings()

    def provide_lms() -> Lms:
        return holder["lms"]

    return Litestar(
        route_handlers=[
            AuthController,
            UsersController,
            CoursesController,
            LessonsController,
            EnrollmentsController,
            FilesController,
            CertificatesController,
            CourseQuizzesController,
            QuizQuestionsController,
            AttemptsController,
            NotificationsController,
            WebhooksController,
            PaymentsController,
            PaymentWebhooksController,
            *HEALTH_ROUTES,
            *PAGE_ROUTES,
        ],
        dependencies={"lms": Provide(provide_lms, sync_to_thread=False)},
        state=State(
            {
                STATE_KEY: ClientAddresses(http_settings.trusted_proxy_networks()),
                ISSUER_STATE_KEY: http_settings.certificate_issuer,
            }
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        request_class=JsonBodyRequest,
        lifespan=[lifespan],
        # Logging is configured by the process (`lms serve` honours LMS_LOG_LEVEL), not by Litestar.
        logging_config=None,
        request_max_body_size=MAX_BODY_BYTES,
        before_send=[add_security_headers],
        cors_config=cors_config(http_settings),
        middleware=[BodyTimeoutMiddleware(http_settings.http_body_timeout_seconds)],
        before_request=require_body,
        plugins=[ApiSchemaPlugin()],
        openapi_config=openapi_config(),
    )
