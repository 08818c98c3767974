"""A request that needs a body and sends none is told so in words.

Without this, Litestar reports a missing body as a missing `data` argument (`{"message": "'data'"}`),
which names the handler's parameter, not anything the client can act on.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response
from litestar.enums import RequestEncodingType
from litestar.params import BodyKwarg
from litestar.typing import FieldDefinition

from lms_http.errors import Problem, problem_response
from lms_http.pages import is_page_path

BODY_REQUIRED = "request.body_required"


async def require_body(request: Request[Any, Any, Any]) -> Response[Problem] | None:
    """A 422 `request.body_required` problem when the route takes a required body and the request has an
    empty one; None (carry on) otherwise. The body read here is cached for the handler's own parsing."""
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data is None or data.is_optional or data.has_default or is_page_path(request.url.path):
        # The pages for people answer an empty form with a page of their own, not a problem document.
        return None
    if await request.body():
        return None
    media_type = _media_type(data)
    schema = data.annotation
    required = _required_fields(schema)
    return problem_response(
        request,
        422,
        BODY_REQUIRED,
        _explain(media_type, schema.__name__, required),
        details={"media_type": media_type, "schema": schema.__name__, "required_fields": required},
    )


def _media_type(data: FieldDefinition) -> str:
    kwarg_definition = data.kwarg_definition
    if isinstance(kwarg_definition, BodyKwarg) and kwarg_definition.media_type:
        media_type = kwarg_definition.media_type
        return media_type.value if isinstance(media_type, RequestEncodingType) else media_type
    return RequestEncodingType.JSON.value


def _required_fields(schema: Any) -> list[str]:
    if not (isinstance(schema, type) and issubclass(schema, msgspec.Struct)):
        return []
    return sorted(field.encode_name for field in msgspec.structs.fields(schema) if field.required)


def _explain(media_type: str, schema: str, required: list[str]) -> str:
    kind = "a JSON" if media_type == RequestEncodingType.JSON else f"an {media_type}"
    if not required:
        fields = "none of its fields is required (send {} to change nothing)"
    elif len(required) == 1:
        fields = f"its required field is `{required[0]}`"
    else:
        fields = "its required fields are " + ", ".join(f"`{name}`" for name in required)
    article = "an" if schema[:1] in set("AEIOU") else "a"
    return f"this request needs {kind} body and it is empty: send {article} {schema} object; {fields}"
