"""The `Lms` facade: one attribute per module service."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    # Only for the annotations: the composition root imports and builds the services, so that
    # `from lms_core import Lms` does not load every module of the engine.
    from lms_core.auth.service import AuthService
    from lms_core.certificates.service import CertificateService
    from lms_core.courses.service import CourseService
    from lms_core.emails.service import EmailService
    from lms_core.enrollments.service import EnrollmentService
    from lms_core.files.service import FileService
    from lms_core.notifications.service import NotificationService
    from lms_core.payments.service import PaymentService
    from lms_core.quizzes.service import QuizService
    from lms_core.shared.clock import Clock
    from lms_core.shared.health import HealthService
    from lms_core.shared.outbox import OutboxRelay
    from lms_core.users.service import UserService
    from lms_core.webhooks.service import WebhookService


class Lms:
    """The engine as an embedding application, the HTTP API and the CLI see it.

    Built by `lms_adapters.open_lms`. Every use case is an async method of one of these services,
    taking the calling `Actor` first; `outbox` delivers recorded events (`await lms.outbox.drain()`).
    The attributes are read-only.

    A plain class rather than a dataclass on purpose: its annotations name the services, which are
    imported for type checkers only, and tools that resolve a dataclass's annotations at run time
    (msgspec, hence Litestar's dependency checks) would otherwise have to import every module.
    """

    __slots__ = (
        "auth",
        "certificates",
        "clock",
        "courses",
        "emails",
        "enrollments",
        "files",
        "health",
        "notifications",
        "outbox",
        "payments",
        "quizzes",
        "users",
        "webhooks",
    )

    auth: AuthService
    users: UserService
    courses: CourseService
    enrollments: EnrollmentService
    files: FileService
    quizzes: QuizService
    certificates: CertificateService
    emails: EmailService
    notifications: NotificationService
    webhooks: WebhookService
    payments: PaymentService
    outbox: OutboxRelay
    clock: Clock
    health: HealthService

    def __init__(
        self,
        *,
        auth: AuthService,
        users: UserService,
        courses: CourseService,
        enrollments: EnrollmentService,
        files: FileService,
        quizzes: QuizService,
        certificates: CertificateService,
        emails: EmailService,
        notifications: NotificationService,
        webhooks: WebhookService,
        payments: PaymentService,
        outbox: OutboxRelay,
        clock: Clock,
        health: HealthService,
    ) -> None:
        services = {
            "auth": auth,
            "users": users,
            "courses": courses,
            "enrollments": enrollments,
            "files": files,
            "quizzes": quizzes,
            "certificates": certificates,
            "emails": emails,
            "notifications": notifications,
            "webhooks": webhooks,
            "payments": payments,
            "outbox": outbox,
            "clock": clock,
            "health": health,
        }
        for name, service in services.items():
            object.__setattr__(self, name, service)

    def replace(self, **services: object) -> Lms:
        """A copy with some services swapped, e.g. one wrapped or built with a test double."""
        unknown = services.keys() - set(self.__slots__)
        if unknown:
            raise TypeError(f"Lms has no service named {', '.join(sorted(unknown))}")
        copy = object.__new__(Lms)
        for name in self.__slots__:
            object.__setattr__(copy, name, services.get(name, getattr(self, name)))
        return copy

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"Lms is read-only; use replace({name}=...) for a copy with another {name}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("Lms is read-only")

    def __repr__(self) -> str:
        return f"Lms({', '.join(f'{name}={type(getattr(self, name)).__name__}' for name in self.__slots__)})"
