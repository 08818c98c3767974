"""lms_core: the learning-management engine's domain, free of any framework.

The public API of the library is exactly two namespaces:

- `lms_core` (this module): the `Lms` facade, `Actor` and `Role`, the error hierarchy, `Page` and
  `PageRequest`, every module's commands, views, errors and events, the enumerations their fields use,
  and the ports an embedding application may implement (`Clock`, `Mailer`, `FileStorage`);
- `lms_adapters`: `open_lms`, which builds a ready `Lms`, and `Settings`.

Everything else (`lms_core.courses.service`, `lms_core.shared.outbox`, `lms_adapters.persistence`, ...)
is internal: it may be renamed, split or removed in any release. Import from these two namespaces only.

The names below are loaded on first use (PEP 562), so `import lms_core` stays cheap; type checkers
and editors see them through the `TYPE_CHECKING` imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lms_core.auth.commands import (
        ConfirmEmail,
        ConfirmMfa,
        DisableMfa,
        ForgotPassword,
        Login,
        Logout,
        MfaLogin,
        PasswordGrant,
        RefreshSession,
        Register,
        ResetPassword,
    )
    from lms_core.auth.errors import (
        AccountInactive,
        EmailAlreadyVerified,
        EmailNotVerified,
        InvalidCredentials,
        InvalidMfaCode,
        InvalidOneTimeToken,
        InvalidToken,
        MfaAlreadyEnabled,
        MfaNotEnabled,
        MfaRequired,
        NotAuthOperator,
        RegistrationIsPrivate,
        RoleNotAllowed,
    )
    from lms_core.auth.events import PasswordChanged, UserRegistered
    from lms_core.auth.views import Acknowledgement, AuthResponse, ExpiredSecretsPurged, LoginResponse, TokenPair
    from lms_core.certificates.commands import IssueMissingCertificates, ListMyCertificates, RevokeCertificate
    from lms_core.certificates.errors import (
        CertificateAlreadyIssued,
        CertificateAlreadyRevoked,
        CertificateNotFound,
        CertificateNumberTaken,
        EnrollmentNotCompleted,
        NotCertificateManager,
        UnrenderableName,
    )
    from lms_core.certificates.events import CertificateIssued, CertificateRevoked
    from lms_core.certificates.views import (
        CertificateFile,
        CertificateStatusView,
        CertificateVerification,
        CertificateView,
        IssueFailure,
        IssueResult,
        IssueSummary,
    )
    from lms_core.courses.commands import (
        CourseSort,
        CreateCourse,
        CreateLesson,
        ListCourses,
        ReorderLessons,
        UpdateCourse,
        UpdateLesson,
    )
    from lms_core.courses.entities import CourseStatus, Difficulty, LessonType
    from lms_core.courses.errors import (
        CannotPublishEmptyCourse,
        CourseHasEnrollments,
        CourseNotFound,
        CourseStateConflict,
        InstructorRoleRequired,
        InvalidLesson,
        InvalidReorder,
        LessonHasChildren,
        LessonNotFound,
        ListingForbidden,
        MetadataTooLarge,
        NotCourseManager,
        SlugTaken,
    )
    from lms_core.courses.events import CourseArchived, CourseDeleted, CoursePublished
    from lms_core.courses.views import CourseView, InstructorSummary, LessonView
    from lms_core.emails.entities import OutgoingEmail
    from lms_core.emails.errors import EmailDeliveryFailed, UnknownEmailTemplate
    from lms_core.emails.events import EmailRequested
    from lms_core.emails.ports import Mailer
    from lms_core.enrollments.commands import (
        EnrollInCourse,
        ListCourseEnrollments,
        ListMyEnrollments,
        SubmitReview,
        UpdateProgress,
    )
    from lms_core.enrollments.entities import EnrollmentStatus, ProgressStatus
    from lms_core.enrollments.errors import (
        AlreadyEnrolled,
        CourseNotOpen,
        EnrollmentNotActive,
        EnrollmentNotFound,
        InvalidProgress,
        LessonNotInCourse,
        NotEnrollmentOwner,
        PaymentRequired,
        QuizNotPassed,
        ReviewNotAllowed,
        StudentRoleRequired,
    )
    from lms_core.enrollments.events import EnrollmentCompleted, EnrollmentDropped, StudentEnrolled
    from lms_core.enrollments.views import (
        CourseEnrollmentStats,
        CourseEnrollmentView,
        CourseSummary,
        EnrollmentDetailView,
        EnrollmentView,
        LessonProgressResult,
        LessonProgressView,
        StudentSummary,
    )
    from lms_core.facade import Lms
    from lms_core.files.commands import ByteRange, ListMyFiles, UploadFile
    from lms_core.files.entities import FileType
    from lms_core.files.errors import (
        EmptyFile,
        FileContentMissing,
        FileNotFound,
        FileTooLarge,
        NotFileOwner,
        PublishingNotAllowed,
        RangeNotSatisfiable,
        UnsupportedFileType,
    )
    from lms_core.files.events import FileDeleted, FileUploaded
    from lms_core.files.ports import FileStorage
    from lms_core.files.views import FileDownload, FileView

    # Notifications: course e-mails, scheduled summaries and reminders, e-mail preferences, unsubscribing.
    from lms_core.notifications.commands import SendReminders, SendWeeklyProgress, Unsubscribe
    from lms_core.notifications.entities import MailingList
    from lms_core.notifications.errors import InvalidUnsubscribeToken, NotNotificationsOperator
    from lms_core.notifications.views import JobEmail, JobOutcome, NotificationJobReport, UnsubscribeView
    from lms_core.quizzes.commands import (
        AddQuestion,
        AnswerItem,
        AnswerSheet,
        CreateQuiz,
        ExportGrades,
        GradeAttempt,
        GradePending,
        ImportedGrade,
        ImportGrades,
        ListMyAttempts,
        ManualGrade,
        RegradeQuiz,
        ReorderQuestions,
        UpdateQuestion,
        UpdateQuiz,
    )
    from lms_core.quizzes.entities import AttemptStatus, QuestionType, QuizType
    from lms_core.quizzes.errors import (
        ActiveEnrollmentRequired,
        AttemptClosed,
        AttemptInProgress,
        AttemptNotFound,
        DeadlinePassed,
        InvalidAnswers,
        InvalidGrade,
        InvalidQuestion,
        InvalidQuestionOrder,
        InvalidQuiz,
        NoAttemptsLeft,
        NotAttemptOwner,
        NotQuizManager,
        QuestionNotFound,
        QuestionsForLearnersOnly,
        QuizAlreadyExists,
        QuizHasNoQuestions,
        QuizNotFound,
        QuizNotOpen,
    )
    from lms_core.quizzes.events import QuizPassed
    from lms_core.quizzes.views import (
        AttemptQuestionView,
        AttemptResultView,
        AttemptTakingView,
        AttemptView,
        GivenAnswer,
        GradeChangeView,
        GradeImportReport,
        GradeRecordView,
        KeptQuestionView,
        ManagedQuestionView,
        PendingGradingReport,
        QuestionOutcomeView,
        QuestionView,
        QuizView,
        RegradeReport,
    )
    from lms_core.shared.actor import Actor, Role
    from lms_core.shared.clock import Clock
    from lms_core.shared.errors import (
        ConflictError,
        ExternalServiceError,
        InvalidInputError,
        LmsError,
        NotAuthenticatedError,
        NotFoundError,
        PaymentRequiredError,
        PermissionDeniedError,
        RateLimitedError,
        ServiceUnavailableError,
    )
    from lms_core.shared.events import DomainEvent
    from lms_core.shared.failed_events import (
        FailedEventNotFound,
        FailedEventView,
        InvalidRetry,
        NotDeliveryOperator,
        RetryFailedEvents,
        RetryReport,
    )
    from lms_core.shared.health import Health
    from lms_core.shared.ids import UserId
    from lms_core.shared.pagination import Page, PageRequest
    from lms_core.users.commands import ChangeEmailPreferences, CreateUser, ListUsers, UpdateMyProfile, UpdateUser
    from lms_core.users.errors import (
        CannotChangeOwnAccess,
        EmailAlreadyRegistered,
        NotUserAdmin,
        ProfileMetadataTooLarge,
        UserNotFound,
        WeakPassword,
    )
    from lms_core.users.events import UserDeactivated, UserReactivated, UserRoleChanged
    from lms_core.users.views import EmailPreferencesView, UserView
    from lms_core.webhooks.commands import (
        CreateWebhookEndpoint,
        ListWebhookDeliveries,
        ListWebhookEndpoints,
        RotateWebhookSecret,
        UpdateWebhookEndpoint,
    )
    from lms_core.webhooks.entities import DeliveryStatus
    from lms_core.webhooks.errors import (
        ForbiddenWebhookDestination,
        InvalidWebhookUrl,
        NotWebhookAdmin,
        UnknownWebhookEventType,
        UnresolvableWebhookHost,
        WebhookDeliveryFailed,
        WebhookDeliveryNotDue,
        WebhookDeliveryNotFound,
        WebhookEndpointInactive,
        WebhookEndpointNotFound,
    )
    from lms_core.webhooks.events import WebhookDeliveryDue
    from lms_core.webhooks.views import WebhookDeliveryView, WebhookEndpointView, WebhookSecretIssued

# Where each public name is defined: `__getattr__` imports that module the first time one of its names is used.
_SOURCES: dict[str, str] = {
    "lms_core.facade": "Lms",
    "lms_core.shared.actor": "Actor Role",
    "lms_core.shared.ids": "UserId",
    "lms_core.shared.errors": (
        "LmsError NotFoundError ConflictError PermissionDeniedError NotAuthenticatedError InvalidInputError "
        "RateLimitedError PaymentRequiredError ExternalServiceError ServiceUnavailableError"
    ),
    "lms_core.shared.health": "Health",
    "lms_core.shared.pagination": "Page PageRequest",
    "lms_core.shared.events": "DomainEvent",
    "lms_core.shared.clock": "Clock",
    "lms_core.emails.entities": "OutgoingEmail",
    "lms_core.emails.ports": "Mailer",
    "lms_core.files.ports": "FileStorage",
    "lms_core.auth.commands": (
        "Register Login PasswordGrant MfaLogin RefreshSession Logout ForgotPassword ResetPassword "
        "ConfirmEmail ConfirmMfa DisableMfa"
    ),
    "lms_core.auth.views": "TokenPair AuthResponse LoginResponse Acknowledgement ExpiredSecretsPurged",
    "lms_core.auth.errors": (
        "InvalidCredentials InvalidToken AccountInactive InvalidOneTimeToken InvalidMfaCode MfaRequired "
        "MfaAlreadyEnabled MfaNotEnabled EmailAlreadyVerified RoleNotAllowed EmailNotVerified "
        "RegistrationIsPrivate NotAuthOperator"
    ),
    "lms_core.auth.events": "UserRegistered PasswordChanged",
    "lms_core.users.commands": "CreateUser UpdateUser UpdateMyProfile ListUsers",
    "lms_core.users.views": "UserView",
    "lms_core.users.errors": (
        "CannotChangeOwnAccess EmailAlreadyRegistered NotUserAdmin ProfileMetadataTooLarge UserNotFound WeakPassword"
    ),
    "lms_core.courses.entities": "CourseStatus Difficulty LessonType",
    "lms_core.courses.commands": (
        "CreateCourse UpdateCourse CourseSort ListCourses CreateLesson UpdateLesson ReorderLessons"
    ),
    "lms_core.courses.views": "InstructorSummary CourseView LessonView",
    "lms_core.courses.errors": (
        "CannotPublishEmptyCourse CourseHasEnrollments CourseNotFound CourseStateConflict "
        "InstructorRoleRequired InvalidLesson InvalidReorder LessonHasChildren LessonNotFound "
        "ListingForbidden MetadataTooLarge NotCourseManager SlugTaken"
    ),
    "lms_core.enrollments.entities": "EnrollmentStatus ProgressStatus",
    "lms_core.enrollments.commands": (
        "EnrollInCourse ListMyEnrollments UpdateProgress SubmitReview ListCourseEnrollments"
    ),
    "lms_core.enrollments.views": (
        "CourseSummary EnrollmentView LessonProgressView EnrollmentDetailView LessonProgressResult "
        "StudentSummary CourseEnrollmentView CourseEnrollmentStats"
    ),
    "lms_core.enrollments.errors": (
        "EnrollmentNotFound AlreadyEnrolled CourseNotOpen PaymentRequired NotEnrollmentOwner "
        "StudentRoleRequired EnrollmentNotActive LessonNotInCourse InvalidProgress QuizNotPassed "
        "ReviewNotAllowed"
    ),
    "lms_core.enrollments.events": "StudentEnrolled EnrollmentCompleted EnrollmentDropped",
    "lms_core.quizzes.entities": "AttemptStatus QuestionType QuizType",
    "lms_core.quizzes.commands": (
        "CreateQuiz UpdateQuiz AddQuestion UpdateQuestion ReorderQuestions AnswerItem AnswerSheet ManualGrade "
        "GradeAttempt ListMyAttempts RegradeQuiz GradePending ImportedGrade ImportGrades ExportGrades"
    ),
    "lms_core.quizzes.views": (
        "QuizView QuestionView ManagedQuestionView GivenAnswer AttemptQuestionView AttemptView "
        "AttemptTakingView QuestionOutcomeView AttemptResultView GradeChangeView KeptQuestionView "
        "RegradeReport PendingGradingReport GradeImportReport GradeRecordView"
    ),
    "lms_core.quizzes.errors": (
        "QuizNotFound QuestionNotFound AttemptNotFound InvalidQuiz InvalidQuestion InvalidAnswers "
        "QuizAlreadyExists QuizNotOpen NoAttemptsLeft AttemptClosed DeadlinePassed NotQuizManager "
        "NotAttemptOwner ActiveEnrollmentRequired QuizHasNoQuestions InvalidQuestionOrder InvalidGrade "
        "AttemptInProgress QuestionsForLearnersOnly"
    ),
    "lms_core.files.entities": "FileType",
    "lms_core.files.commands": "UploadFile ListMyFiles ByteRange",
    "lms_core.files.views": "FileView FileDownload",
    "lms_core.files.errors": (
        "FileTooLarge UnsupportedFileType RangeNotSatisfiable EmptyFile FileNotFound FileContentMissing "
        "NotFileOwner PublishingNotAllowed"
    ),
    "lms_core.certificates.commands": "ListMyCertificates RevokeCertificate IssueMissingCertificates",
    "lms_core.certificates.views": (
        "CertificateView CertificateVerification CertificateFile IssueResult IssueFailure IssueSummary "
        "CertificateStatusView"
    ),
    "lms_core.certificates.errors": (
        "CertificateNotFound EnrollmentNotCompleted CertificateAlreadyIssued CertificateNumberTaken "
        "CertificateAlreadyRevoked NotCertificateManager UnrenderableName"
    ),
    "lms_core.certificates.events": "CertificateIssued CertificateRevoked",
    "lms_core.emails.events": "EmailRequested",
    "lms_core.courses.events": "CourseArchived CourseDeleted CoursePublished",
    "lms_core.emails.errors": "EmailDeliveryFailed UnknownEmailTemplate",
    "lms_core.files.events": "FileDeleted FileUploaded",
    "lms_core.users.events": "UserDeactivated UserReactivated UserRoleChanged",
    "lms_core.quizzes.events": "QuizPassed",
    # Notifications: course e-mails, scheduled summaries and reminders, e-mail preferences, unsubscribing.
    "lms_core.notifications.commands": "SendWeeklyProgress SendReminders Unsubscribe",
    "lms_core.notifications.entities": "MailingList",
    "lms_core.notifications.errors": "InvalidUnsubscribeToken NotNotificationsOperator",
    "lms_core.notifications.views": "JobEmail JobOutcome NotificationJobReport UnsubscribeView",
    "lms_core.webhooks.commands": (
        "CreateWebhookEndpoint UpdateWebhookEndpoint RotateWebhookSecret ListWebhookEndpoints ListWebhookDeliveries"
    ),
    "lms_core.webhooks.entities": "DeliveryStatus",
    "lms_core.webhooks.views": "WebhookEndpointView WebhookSecretIssued WebhookDeliveryView",
    "lms_core.webhooks.errors": (
        "NotWebhookAdmin WebhookEndpointNotFound WebhookDeliveryNotFound InvalidWebhookUrl "
        "ForbiddenWebhookDestination UnresolvableWebhookHost UnknownWebhookEventType WebhookDeliveryFailed "
        "WebhookDeliveryNotDue WebhookEndpointInactive"
    ),
    "lms_core.webhooks.events": "WebhookDeliveryDue",
    "lms_core.shared.failed_events": (
        "FailedEventView RetryFailedEvents RetryReport NotDeliveryOperator FailedEventNotFound InvalidRetry"
    ),
}
# Names defined beside others in a module listed above.
_SOURCES["lms_core.users.commands"] += " ChangeEmailPreferences"
_SOURCES["lms_core.users.views"] += " EmailPreferencesView"
_SOURCE_OF: dict[str, str] = {name: module for module, names in _SOURCES.items() for name in names.split()}

# fmt: off
__all__ = [
    "AccountInactive", "Acknowledgement", "ActiveEnrollmentRequired", "Actor", "AddQuestion", "AlreadyEnrolled",
    "AnswerItem", "AnswerSheet", "AttemptClosed", "AttemptInProgress", "AttemptNotFound", "AttemptQuestionView",
    "AttemptResultView", "AttemptStatus", "AttemptTakingView", "AttemptView", "AuthResponse", "ByteRange",
    "CannotChangeOwnAccess", "CannotPublishEmptyCourse", "CertificateAlreadyIssued", "CertificateAlreadyRevoked",
    "CertificateFile", "CertificateIssued", "CertificateNotFound", "CertificateNumberTaken", "CertificateRevoked",
    "CertificateStatusView", "CertificateVerification", "CertificateView", "ChangeEmailPreferences", "Clock",
    "ConfirmEmail", "ConfirmMfa", "ConflictError", "CourseArchived", "CourseDeleted", "CourseEnrollmentStats",
    "CourseEnrollmentView", "CourseHasEnrollments", "CourseNotFound", "CourseNotOpen", "CoursePublished",
    "CourseSort", "CourseStateConflict", "CourseStatus", "CourseSummary", "CourseView", "CreateCourse",
    "CreateLesson", "CreateQuiz", "CreateUser", "CreateWebhookEndpoint", "DeadlinePassed", "DeliveryStatus",
    "Difficulty", "DisableMfa", "DomainEvent", "EmailAlreadyRegistered", "EmailAlreadyVerified",
    "EmailDeliveryFailed", "EmailNotVerified", "EmailPreferencesView", "EmailRequested", "EmptyFile",
    "EnrollInCourse", "EnrollmentCompleted", "EnrollmentDetailView", "EnrollmentDropped", "EnrollmentNotActive",
    "EnrollmentNotCompleted", "EnrollmentNotFound", "EnrollmentStatus", "EnrollmentView", "ExpiredSecretsPurged",
    "ExportGrades",
    "ExternalServiceError", "FailedEventNotFound", "FailedEventView", "FileContentMissing", "FileDeleted",
    "FileDownload", "FileNotFound", "FileStorage", "FileTooLarge", "FileType", "FileUploaded", "FileView",
    "ForbiddenWebhookDestination", "ForgotPassword", "GivenAnswer", "GradeAttempt", "GradeChangeView",
    "GradeImportReport", "GradePending", "GradeRecordView", "Health", "ImportGrades", "ImportedGrade",
    "InstructorRoleRequired", "InstructorSummary", "InvalidAnswers", "InvalidCredentials", "InvalidGrade",
    "InvalidInputError", "InvalidLesson", "InvalidMfaCode", "InvalidOneTimeToken", "InvalidProgress",
    "InvalidQuestion", "InvalidQuestionOrder", "InvalidQuiz", "InvalidReorder", "InvalidRetry", "InvalidToken",
    "InvalidUnsubscribeToken", "InvalidWebhookUrl", "IssueFailure", "IssueMissingCertificates", "IssueResult",
    "IssueSummary", "JobEmail", "JobOutcome", "KeptQuestionView", "LessonHasChildren", "LessonNotFound",
    "LessonNotInCourse", "LessonProgressResult", "LessonProgressView", "LessonType", "LessonView",
    "ListCourseEnrollments", "ListCourses", "ListMyAttempts", "ListMyCertificates", "ListMyEnrollments",
    "ListMyFiles", "ListUsers", "ListWebhookDeliveries", "ListWebhookEndpoints", "ListingForbidden", "Lms",
    "LmsError", "Login", "LoginResponse", "Logout", "Mailer", "MailingList", "ManagedQuestionView", "ManualGrade",
    "MetadataTooLarge", "MfaAlreadyEnabled", "MfaLogin", "MfaNotEnabled", "MfaRequired", "NoAttemptsLeft",
    "NotAttemptOwner", "NotAuthOperator", "NotAuthenticatedError", "NotCertificateManager", "NotCourseManager",
    "NotDeliveryOperator", "NotEnrollmentOwner", "NotFileOwner", "NotFoundError", "NotNotificationsOperator",
    "NotQuizManager", "NotUserAdmin", "NotWebhookAdmin", "NotificationJobReport", "OutgoingEmail", "Page",
    "PageRequest",
    "PasswordChanged", "PasswordGrant", "PaymentRequired", "PaymentRequiredError", "PendingGradingReport",
    "PermissionDeniedError", "ProfileMetadataTooLarge", "ProgressStatus", "PublishingNotAllowed",
    "QuestionNotFound", "QuestionOutcomeView", "QuestionType", "QuestionView", "QuestionsForLearnersOnly",
    "QuizAlreadyExists", "QuizHasNoQuestions", "QuizNotFound", "QuizNotOpen", "QuizNotPassed", "QuizPassed",
    "QuizType", "QuizView", "RangeNotSatisfiable", "RateLimitedError", "RefreshSession", "Register",
    "RegistrationIsPrivate", "RegradeQuiz", "RegradeReport", "ReorderLessons", "ReorderQuestions", "ResetPassword",
    "RetryFailedEvents", "RetryReport", "ReviewNotAllowed", "RevokeCertificate", "Role", "RoleNotAllowed",
    "RotateWebhookSecret", "SendReminders", "SendWeeklyProgress", "ServiceUnavailableError", "SlugTaken",
    "StudentEnrolled", "StudentRoleRequired", "StudentSummary", "SubmitReview", "TokenPair", "UnknownEmailTemplate",
    "UnknownWebhookEventType", "UnrenderableName", "UnresolvableWebhookHost", "Unsubscribe", "UnsubscribeView",
    "UnsupportedFileType", "UpdateCourse", "UpdateLesson", "UpdateMyProfile", "UpdateProgress", "UpdateQuestion",
    "UpdateQuiz", "UpdateUser", "UpdateWebhookEndpoint", "UploadFile", "UserDeactivated", "UserId", "UserNotFound",
    "UserReactivated", "UserRegistered", "UserRoleChanged", "UserView", "WeakPassword", "WebhookDeliveryDue",
    "WebhookDeliveryFailed", "WebhookDeliveryNotDue", "WebhookDeliveryNotFound", "WebhookDeliveryView",
    "WebhookEndpointInactive", "WebhookEndpointNotFound", "WebhookEndpointView", "WebhookSecretIssued",
]
# fmt: on


def __getattr__(name: str) -> Any:
    try:
        module = _SOURCE_OF[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
