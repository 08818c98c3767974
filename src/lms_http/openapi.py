"""What the OpenAPI document says beyond Litestar's defaults: the rules the server enforces on request
bodies, clean component names, short operation ids, and an example of every request body.

- A command that forbids unknown fields is documented with `additionalProperties: false`.
- A struct's docstring is its component's description.
- A component named with `schema_component_key` (the paged lists, see `paging.py`) has that name as its
  title too, instead of `Page[CourseView]`.
- Every request body struct has an example (`REQUEST_EXAMPLES`), which `tests/http/test_openapi.py` decodes
  with the server's own decoder, so an example never drifts from what the server accepts.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.openapi.spec.enums import OpenAPIFormat
from litestar.params import KwargDefinition
from litestar.types.internal_types import PathParameterDefinition

from lms_core import (
    AddQuestion,
    AnswerSheet,
    CancelSubscription,
    ConfirmEmail,
    ConfirmMfa,
    CreateCourse,
    CreateLesson,
    CreatePaymentIntent,
    CreateQuiz,
    CreateSubscription,
    CreateUser,
    CreateWebhookEndpoint,
    DisableMfa,
    EnrollInCourse,
    ForgotPassword,
    GradeAttempt,
    Login,
    Logout,
    MfaLogin,
    PasswordGrant,
    RefreshSession,
    Register,
    ReorderLessons,
    ReorderQuestions,
    ResetPassword,
    RevokeCertificate,
    RotateWebhookSecret,
    SubmitReview,
    UpdateCourse,
    UpdateLesson,
    UpdateMyProfile,
    UpdateProgress,
    UpdateQuestion,
    UpdateQuiz,
    UpdateUser,
    UpdateWebhookEndpoint,
)
from lms_http.docs_assets import DOCS_PATH, LocalSwaggerRenderPlugin, docs_router

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.handlers import HTTPRouteHandler
    from litestar.openapi.spec import Schema
    from litestar.types import Method
    from litestar.typing import FieldDefinition

_COURSE = "0190f5a2-7c4e-7d2a-9b1e-3f2a1c0d4e51"
_LESSON = "0190f5a2-8a10-7b3c-8d4e-5f6a7b8c9d01"
_QUESTION = "0190f5a3-1b2c-7d3e-9f40-a1b2c3d4e5f6"
_SECOND_QUESTION = "0190f5a3-1b2c-7d3e-9f40-a1b2c3d4e5f7"
_NEW_PASSWORD = "correct horse battery staple"

# One realistic body per request struct: what a client would send.
REQUEST_EXAMPLES: dict[type[msgspec.Struct], dict[str, Any]] = {
    Register: {"email": "ada@example.com", "password": _NEW_PASSWORD, "full_name": "Ada Lovelace", "role": "student"},
    Login: {"email": "ada@example.com", "password": _NEW_PASSWORD},
    PasswordGrant: {"grant_type": "password", "username": "ada@example.com", "password": _NEW_PASSWORD},
    MfaLogin: {"mfa_token": "mfa-token-from-the-login-answer", "code": "493817"},
    RefreshSession: {"refresh_token": "refresh-token-from-the-login-answer"},
    Logout: {"refresh_token": "refresh-token-from-the-login-answer"},
    ForgotPassword: {"email": "ada@example.com"},
    ResetPassword: {"token": "token-from-the-e-mailed-link", "new_password": "a new and long passphrase"},
    ConfirmEmail: {"token": "token-from-the-e-mailed-link"},
    ConfirmMfa: {"code": "493817"},
    DisableMfa: {"password": _NEW_PASSWORD},
    CreateUser: {
        "email": "grace@example.com",
        "password": _NEW_PASSWORD,
        "full_name": "Grace Hopper",
        "role": "instructor",
        "is_active": True,
    },
    UpdateUser: {"role": "instructor", "is_active": True},
    UpdateMyProfile: {"full_name": "Ada King", "profile_metadata": {"bio": "Mathematician"}},
    CreateCourse: {
        "title": "Introduction to Python",
        "description": "Variables, functions and modules, with exercises.",
        "category": "programming",
        "difficulty_level": "beginner",
        "estimated_duration_minutes": 600,
        "price": "49.99",
        "currency": "USD",
    },
    UpdateCourse: {"title": "Python for Beginners", "price": "39.99"},
    CreateLesson: {
        "title": "Variables",
        "lesson_type": "text",
        "content": "A variable names a value.",
        "duration_minutes": 15,
        "is_preview": True,
    },
    UpdateLesson: {"title": "Variables and types", "duration_minutes": 20},
    ReorderLessons: {"lesson_ids": [_LESSON, "0190f5a2-8a10-7b3c-8d4e-5f6a7b8c9d02"]},
    EnrollInCourse: {"course_id": _COURSE},
    UpdateProgress: {"time_spent_seconds": 120, "last_position_seconds": 340, "completion_percentage": "60"},
    SubmitReview: {"rating": 5, "review": "Clear and well paced."},
    RevokeCertificate: {"reason": "Issued to the wrong person."},
    CreateQuiz: {"lesson_id": _LESSON, "title": "Variables quiz", "passing_score": 70, "max_attempts": 3},
    UpdateQuiz: {"passing_score": 80, "time_limit_minutes": 30},
    AddQuestion: {
        "question_type": "multiple_choice",
        "question_text": "Which of these is a valid variable name?",
        "points": "2",
        "options": ["total_count", "2nd_total", "total-count"],
        "correct_answers": ["total_count"],
        "explanation": "Names start with a letter or an underscore and hold no hyphens.",
    },
    UpdateQuestion: {"points": "3", "explanation": "Python names cannot start with a digit."},
    ReorderQuestions: {"question_ids": [_SECOND_QUESTION, _QUESTION]},
    AnswerSheet: {
        "answers": [
            {"question_id": _QUESTION, "answer": ["total_count"]},
            {"question_id": _SECOND_QUESTION, "answer": True},
        ]
    },
    GradeAttempt: {"grades": [{"question_id": _QUESTION, "points": "1.5", "feedback": "Right idea, no example."}]},
    CreateWebhookEndpoint: {
        "url": "https://crm.example.com/hooks/lms",
        "event_types": ["enrollments.student_enrolled", "enrollments.completed"],
        "description": "CRM sync",
    },
    UpdateWebhookEndpoint: {"is_active": True, "event_types": ["certificates.issued"]},
    RotateWebhookSecret: {"grace_seconds": 86400},
    CreatePaymentIntent: {"course_id": _COURSE, "provider": "stripe"},
    CreateSubscription: {"plan_name": "Monthly"},
    CancelSubscription: {"at_period_end": True},
}


# Raw bytes of a download, documented as such (`type: string, format: binary`) so that generated clients
# keep the response as bytes instead of dropping it.
BinaryContent = Annotated[bytes, KwargDefinition(format=OpenAPIFormat.BINARY)]


def component_name(name: str) -> KwargDefinition:
    """`Annotated` metadata naming a type's schema component (a generic's default name shows its module
    path, `Page_lms_core.courses.views.CourseView_`)."""
    return KwargDefinition(schema_component_key=name)


class ApiSchemaPlugin(StructSchemaPlugin):
    """Litestar's msgspec struct schemas, with the rules and documentation Litestar leaves out."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        struct_type = field_definition.origin or field_definition.annotation
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schema.additional_properties = False
        kwarg_definition = field_definition.kwarg_definition
        if isinstance(kwarg_definition, KwargDefinition) and kwarg_definition.schema_component_key:
            schema.title = kwarg_definition.schema_component_key
        if schema.description is None and struct_type.__doc__:
            schema.description = inspect.cleandoc(struct_type.__doc__)
        if (example := REQUEST_EXAMPLES.get(struct_type)) is not None:
            schema.examples = [example]
        return schema


def operation_id(
    route_handler: HTTPRouteHandler, _method: Method, _path_components: list[str | PathParameterDefinition]
) -> str:
    """The handler's name in camelCase (`createCourse`): short names for generated clients' functions.
    Litestar refuses duplicates when it builds the document, so handler names stay unique."""
    first, *rest = route_handler.handler_name.split("_")
    return first + "".join(word.title() for word in rest)


API_DESCRIPTION = """\
Learning-management engine: accounts and sign-in, courses and lessons, enrolments and progress, quizzes
and attempts, certificates and files.

Send `Authorization: Bearer <access token>` (from `/api/v1/auth/login` or `/api/v1/auth/token`) to the
operations that name `BearerAuth`.

Every error is `application/problem+json` (RFC 9457) with a stable `code` for programs. Any operation can
answer 400 `request.malformed` (a body that is not valid JSON, or a malformed header) and 413 (a body over
1 MiB, uploads aside). Operations with a body answer 422 `request.body_required` when it is missing or
empty (the problem names the body's schema and its required fields), and 422 `request.validation_failed`
when it does not match its schema; request schemas forbid unknown fields (`additionalProperties: false`).
"""


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="LMS API",
        version="0.1.0",
        description=API_DESCRIPTION,
        path=DOCS_PATH,
        render_plugins=[LocalSwaggerRenderPlugin()],
        openapi_router=docs_router(),
        use_handler_docstrings=True,
        operation_id_creator=operation_id,
        components=Components(
            security_schemes={
                "BearerAuth": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
            }
        ),
    )
