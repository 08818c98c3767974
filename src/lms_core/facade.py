"""The `Lms` facade: one attribute per module service."""

from __future__ import annotations

from dataclasses import dataclass

from lms_core.auth.service import AuthService
from lms_core.certificates.service import CertificateService
from lms_core.courses.service import CourseService
from lms_core.emails.service import EmailService
from lms_core.enrollments.service import EnrollmentService
from lms_core.files.service import FileService
from lms_core.quizzes.service import QuizService
from lms_core.shared.clock import Clock
from lms_core.shared.outbox import OutboxRelay
from lms_core.users.service import UserService


@dataclass(frozen=True, slots=True)
class Lms:
    """The engine as an embedding application, the HTTP API and the CLI see it."""

    auth: AuthService
    users: UserService
    courses: CourseService
    enrollments: EnrollmentService
    files: FileService
    quizzes: QuizService
    certificates: CertificateService
    emails: EmailService
    outbox: OutboxRelay
    clock: Clock
