"""Query parameters of every paginated list, with the core's bounds and defaults, and the paged answers
under the names the API document gives them (`CoursePage`, not `Page[CourseView]` with its module path)."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

from lms_core import Page
from lms_core.certificates.views import CertificateView
from lms_core.courses.views import CourseView
from lms_core.enrollments.views import CourseEnrollmentView, EnrollmentView
from lms_core.files.views import FileView
from lms_core.payments.views import PaymentView, SubscriptionView
from lms_core.quizzes.views import AttemptView
from lms_core.shared.pagination import MAX_PAGE, MAX_PAGE_SIZE
from lms_core.users.views import UserView
from lms_core.webhooks.views import WebhookDeliveryView, WebhookEndpointView
from lms_http.openapi import component_name

PageQuery = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="page number, from 1")]
PageSizeQuery = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description="items per page")]

CertificatePage = Annotated[Page[CertificateView], component_name("CertificatePage")]
CoursePage = Annotated[Page[CourseView], component_name("CoursePage")]
CourseEnrollmentPage = Annotated[Page[CourseEnrollmentView], component_name("CourseEnrollmentPage")]
EnrollmentPage = Annotated[Page[EnrollmentView], component_name("EnrollmentPage")]
FilePage = Annotated[Page[FileView], component_name("FilePage")]
PaymentPage = Annotated[Page[PaymentView], component_name("PaymentPage")]
SubscriptionPage = Annotated[Page[SubscriptionView], component_name("SubscriptionPage")]
AttemptPage = Annotated[Page[AttemptView], component_name("AttemptPage")]
UserPage = Annotated[Page[UserView], component_name("UserPage")]
WebhookEndpointPage = Annotated[Page[WebhookEndpointView], component_name("WebhookEndpointPage")]
WebhookDeliveryPage = Annotated[Page[WebhookDeliveryView], component_name("WebhookDeliveryPage")]
