"""lms_core: the learning-management engine's domain, free of any framework.

The public API of the library is exactly two namespaces:

- `lms_core` (this module): the `Lms` facade, `Actor` and `Role`, the error hierarchy, `Page` and
  `PageRequest`, every module's commands, views, errors and events, the enumerations their fields use,
  and the ports an embedding application may implement (`Clock`, `Mailer`, `FileStorage`);
- `lms_adapters`: `open_lms`, which builds a ready `Lms`, and `Settings`.

Everything else (`lms_core.courses.service`, `lms_core.shared.outbox`, `lms_adapters.persistence`, ...)
is internal: it may be renamed, split or removed in any release. Import from these two namespaces only.

The names below are loaded on first use (PEP 562), so `import lms_core` stays cheap; type checkers
and editors see them through the stub beside this file (`__init__.pyi`).
"""

from __future__ import annotations

from typing import Any

# Where each public name is defined: `__getattr__` imports that module the first time one of its names is used.
_SOURCES: dict[str, str] = {
    "lms_core.auth.commands": (
        "ConfirmEmail ConfirmMfa DisableMfa ForgotPassword Login Logout MfaLogin PasswordGrant RefreshSession "
        "Register ResetPassword"
    ),
    "lms_core.auth.errors": (
        "AccountInactive EmailAlreadyVerified EmailNotVerified InvalidCredentials InvalidMfaCode InvalidOneTimeToken "
        "InvalidToken MfaAlreadyEnabled MfaNotEnabled MfaRequired NotAuthOperator RegistrationIsPrivate "
        "RoleNotAllowed"
    ),
    "lms_core.auth.events": "PasswordChanged UserRegistered",
    "lms_core.auth.views": "Acknowledgement AuthResponse ExpiredSecretsPurged LoginResponse TokenPair",
    "lms_core.certificates.commands": "IssueMissingCertificates ListMyCertificates RevokeCertificate",
    "lms_core.certificates.errors": (
        "CertificateAlreadyIssued CertificateAlreadyRevoked CertificateNotFound CertificateNumberTaken "
        "EnrollmentNotCompleted NotCertificateManager UnrenderableName"
    ),
    "lms_core.certificates.events": "CertificateIssued CertificateRevoked",
    "lms_core.certificates.views": (
        "CertificateFile CertificateStatusView CertificateVerification CertificateView IssueFailure IssueResult "
        "IssueSummary"
    ),
    "lms_core.courses.commands": (
        "CourseSort CreateCourse CreateLesson ListCourses ReorderLessons UpdateCourse UpdateLesson"
    ),
    "lms_core.courses.entities": "CourseStatus Difficulty LessonType",
    "lms_core.courses.errors": (
        "CannotPublishEmptyCourse CourseHasEnrollments CourseNotFound CourseStateConflict InstructorRoleRequired "
        "InvalidLesson InvalidReorder LessonHasChildren LessonNotFound ListingForbidden MetadataTooLarge "
        "NotCourseManager SlugTaken"
    ),
    "lms_core.courses.events": "CourseArchived CourseDeleted CoursePublished",
    "lms_core.courses.views": "CourseView InstructorSummary LessonView",
    "lms_core.emails.entities": "OutgoingEmail",
    "lms_core.emails.errors": "EmailDeliveryFailed UnknownEmailTemplate",
    "lms_core.emails.events": "EmailRequested",
    "lms_core.emails.ports": "Mailer",
    "lms_core.enrollments.commands": (
        "EnrollInCourse ListCourseEnrollments ListMyEnrollments SubmitReview UpdateProgress"
    ),
    "lms_core.enrollments.entities": "AccessSource EnrollmentStatus ProgressStatus",
    "lms_core.enrollments.errors": (
        "AlreadyEnrolled CourseNotOpen EnrollmentNotActive EnrollmentNotFound InvalidProgress LessonNotInCourse "
        "NotEnrollmentOwner PaymentRequired QuizNotPassed ReviewNotAllowed StudentRoleRequired"
    ),
    "lms_core.enrollments.events": "EnrollmentCompleted EnrollmentDropped StudentEnrolled",
    "lms_core.enrollments.views": (
        "CourseEnrollmentStats CourseEnrollmentView CourseSummary EnrollmentDetailView EnrollmentView "
        "LessonProgressResult LessonProgressView StudentSummary"
    ),
    "lms_core.facade": "Lms",
    "lms_core.files.commands": "ByteRange ListMyFiles UploadFile",
    "lms_core.files.entities": "FileType",
    "lms_core.files.errors": (
        "EmptyFile FileContentMissing FileNotFound FileTooLarge NotFileOwner PublishingNotAllowed RangeNotSatisfiable "
        "UnsupportedFileType"
    ),
    "lms_core.files.events": "FileDeleted FileUploaded",
    "lms_core.files.ports": "FileStorage",
    "lms_core.files.views": "FileDownload FileView",
    "lms_core.notifications.commands": "SendReminders SendWeeklyProgress Unsubscribe",
    "lms_core.notifications.entities": "MailingList",
    "lms_core.notifications.errors": "InvalidUnsubscribeToken NotNotificationsOperator",
    "lms_core.notifications.views": "JobEmail JobOutcome NotificationJobReport UnsubscribeView",
    "lms_core.payments.commands": (
        "CancelSubscription CreatePaymentIntent CreateSubscription ListMyPayments ListMySubscriptions "
        "ReconcilePayments RevenueQuery"
    ),
    "lms_core.payments.entities": "PaymentStatus PaymentType Provider SubscriptionStatus",
    "lms_core.payments.errors": (
        "AlreadyHasAccess AlreadySubscribed CheckoutInProgress CourseNotForSale InvalidDateRange "
        "InvalidWebhookSignature MalformedWebhook NotAPurchaser NotPaymentsAdmin PaymentNotFound PaymentProviderError "
        "PaymentProviderUnavailable ProviderNotConfigured SubscriptionNotFound SubscriptionsNotSupported UnknownPlan "
        "WebhookProcessingFailed"
    ),
    "lms_core.payments.events": "PaymentRefunded PaymentSucceeded SubscriptionChanged",
    "lms_core.payments.views": (
        "PaymentIntentView PaymentView PlanView ReconcileReport RevenueByMonth RevenueByProvider RevenueSummary "
        "RevenueTotal SubscriptionCheckoutView SubscriptionView WebhookReceipt"
    ),
    "lms_core.quizzes.commands": (
        "AddQuestion AnswerItem AnswerSheet CreateQuiz ExportGrades GradeAttempt GradePending ImportGrades "
        "ImportedGrade ListMyAttempts ManualGrade RegradeQuiz ReorderQuestions UpdateQuestion UpdateQuiz"
    ),
    "lms_core.quizzes.entities": "AttemptStatus QuestionType QuizType",
    "lms_core.quizzes.errors": (
        "ActiveEnrollmentRequired AttemptClosed AttemptInProgress AttemptNotFound DeadlinePassed InvalidAnswers "
        "InvalidGrade InvalidQuestion InvalidQuestionOrder InvalidQuiz NoAttemptsLeft NotAttemptOwner NotQuizManager "
        "QuestionNotFound QuestionsForLearnersOnly QuizAlreadyExists QuizHasNoQuestions QuizNotFound QuizNotOpen"
    ),
    "lms_core.quizzes.events": "QuizPassed",
    "lms_core.quizzes.views": (
        "AttemptQuestionView AttemptResultView AttemptTakingView AttemptView GivenAnswer GradeChangeView "
        "GradeImportReport GradeRecordView KeptQuestionView ManagedQuestionView PendingGradingReport "
        "QuestionOutcomeView QuestionView QuizView RegradeReport"
    ),
    "lms_core.shared.actor": "Actor Role",
    "lms_core.shared.clock": "Clock",
    "lms_core.shared.errors": (
        "BadGatewayError ConflictError ExternalServiceError InvalidInputError LmsError NotAuthenticatedError "
        "NotFoundError PaymentRequiredError PermissionDeniedError RateLimitedError ServiceUnavailableError"
    ),
    "lms_core.shared.events": "DomainEvent",
    "lms_core.shared.failed_events": (
        "FailedEventNotFound FailedEventView InvalidRetry NotDeliveryOperator RetryFailedEvents RetryReport"
    ),
    "lms_core.shared.health": "Health",
    "lms_core.shared.ids": "UserId",
    "lms_core.shared.pagination": "Page PageRequest",
    "lms_core.users.commands": "ChangeEmailPreferences CreateUser ListUsers UpdateMyProfile UpdateUser",
    "lms_core.users.errors": (
        "CannotChangeOwnAccess EmailAlreadyRegistered NotUserAdmin ProfileMetadataTooLarge UserNotFound WeakPassword"
    ),
    "lms_core.users.events": "UserDeactivated UserReactivated UserRoleChanged",
    "lms_core.users.views": "EmailPreferencesView UserView",
    "lms_core.webhooks.commands": (
        "CreateWebhookEndpoint ListWebhookDeliveries ListWebhookEndpoints RotateWebhookSecret UpdateWebhookEndpoint"
    ),
    "lms_core.webhooks.entities": "DeliveryStatus",
    "lms_core.webhooks.errors": (
        "ForbiddenWebhookDestination InvalidWebhookUrl NotWebhookAdmin UnknownWebhookEventType "
        "UnresolvableWebhookHost WebhookDeliveryFailed WebhookDeliveryNotDue WebhookDeliveryNotFound "
        "WebhookEndpointInactive WebhookEndpointNotFound"
    ),
    "lms_core.webhooks.events": "WebhookDeliveryDue",
    "lms_core.webhooks.views": "WebhookDeliveryView WebhookEndpointView WebhookSecretIssued",
}
_SOURCE_OF: dict[str, str] = {name: module for module, names in _SOURCES.items() for name in names.split()}

__all__ = sorted(_SOURCE_OF)


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
