"""The OpenAPI document describes every operation in words and states the rules the server enforces."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from httpx import AsyncClient

import lms_core
from lms_core.courses.commands import PRICE_PATTERN
from lms_core.users.entities import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from lms_http.openapi import REQUEST_EXAMPLES
from tests.http.helpers import PASSWORD, assert_problem, bearer, register
from tests.support.flows import login_tokens

COMPONENT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}
# Declared on every operation and explained once, in the document's own description.
UNIVERSAL_STATUSES = {"400", "413"}

Document = dict[str, Any]


@pytest.fixture
async def document(client: AsyncClient) -> Document:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    body: Document = response.json()
    return body


def operations(document: Document) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def resolve(document: Document, schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        resolved: dict[str, Any] = document["components"]["schemas"][name]
        return resolved
    for alternative in schema.get("oneOf", []):
        if "$ref" in alternative:
            return resolve(document, alternative)
    return schema


def request_schema_names(document: Document) -> set[str]:
    """Every component a request body refers to, directly or nested (`AnswerSheet` -> `AnswerItem`)."""
    names: set[str] = set()
    pending = [
        media["schema"]
        for _, _, operation in operations(document)
        for media in operation.get("requestBody", {}).get("content", {}).values()
    ]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.removeprefix("#/components/schemas/")
                if name not in names:
                    names.add(name)
                    pending.append(document["components"]["schemas"][name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return names


async def test_every_operation_has_a_summary_and_a_description_naming_its_errors(document: Document) -> None:
    found = operations(document)
    assert len(found) > 60
    lacking = []
    for method, path, operation in found:
        summary = operation.get("summary", "")
        description = operation.get("description", "")
        # A summary in words, not Litestar's default made from the handler's name (`CreateCourse`).
        if " " not in summary.strip():
            lacking.append((method, path, "summary", summary))
        if len(description.split()) < 8:
            lacking.append((method, path, "description", description))
        errors = {status for status in operation["responses"] if int(status) >= 400} - UNIVERSAL_STATUSES
        unexplained = sorted(status for status in errors if not re.search(rf"\b{status}\b", description))
        if unexplained:
            lacking.append((method, path, "errors not explained", unexplained))
    assert not lacking, lacking


async def test_summaries_are_distinct(document: Document) -> None:
    summaries = [operation["summary"] for _, _, operation in operations(document)]
    assert len(summaries) == len(set(summaries)), sorted(s for s in summaries if summaries.count(s) > 1)


async def test_every_request_body_has_an_example(document: Document) -> None:
    missing = []
    for method, path, operation in operations(document):
        if "requestBody" not in operation:
            continue
        for media_type, media in operation["requestBody"]["content"].items():
            schema = resolve(document, media["schema"])
            if not (media.get("example") or media.get("examples") or schema.get("examples")):
                missing.append((method, path, media_type))
    assert not missing, missing


def test_every_request_example_is_accepted_by_the_servers_decoder() -> None:
    assert len(REQUEST_EXAMPLES) >= 30
    for command, example in REQUEST_EXAMPLES.items():
        decoded = msgspec.convert(example, command, strict=False)
        assert msgspec.to_builtins(decoded), command.__name__


async def test_component_names_are_plain_type_names(document: Document) -> None:
    names = list(document["components"]["schemas"])
    assert [name for name in names if not COMPONENT_NAME.fullmatch(name)] == []
    assert {"CoursePage", "UserPage", "EnrollmentPage", "CourseEnrollmentPage", "FilePage", "CertificatePage"} <= set(
        names
    )
    assert "AttemptPage" in names
    course_page = document["components"]["schemas"]["CoursePage"]
    assert course_page["title"] == "CoursePage"
    assert course_page["properties"]["items"]["items"] == {"$ref": "#/components/schemas/CourseView"}
    catalogue = document["paths"]["/api/v1/courses"]["get"]["responses"]["200"]["content"]["application/json"]
    assert catalogue["schema"] == {"$ref": "#/components/schemas/CoursePage"}


async def test_operation_ids_are_the_handlers_names(document: Document) -> None:
    ids = {(method, path): operation["operationId"] for method, path, operation in operations(document)}
    assert ids[("post", "/api/v1/courses")] == "createCourse"
    assert ids[("get", "/api/v1/files/download/{file_id}")] == "downloadFile"
    assert ids[("get", "/api/v1/certificates/{certificate_id}/download")] == "downloadCertificate"
    assert len(set(ids.values())) == len(ids)


async def test_downloads_declare_their_real_media_types(document: Document) -> None:
    binary = {"type": "string", "format": "binary"}
    certificate = document["paths"]["/api/v1/certificates/{certificate_id}/download"]["get"]["responses"]
    assert certificate["200"]["content"] == {"application/pdf": {"schema": binary}}
    # A file comes with its own Content-Type: `application/octet-stream` first (generators read it as bytes),
    # then any type, both binary.
    file = document["paths"]["/api/v1/files/download/{file_id}"]["get"]["responses"]
    for status in ("200", "206"):
        content = file[status]["content"]
        assert list(content) == ["application/octet-stream", "*/*"]
        assert content["application/octet-stream"] == content["*/*"] == {"schema": binary}
    schemaless = [
        (method, path, status, media_type)
        for method, path, operation in operations(document)
        for status, response in operation["responses"].items()
        for media_type, media in response.get("content", {}).items()
        if not media.get("schema")
    ]
    assert schemaless == []


async def test_request_schemas_forbid_unknown_fields_as_the_structs_do(document: Document) -> None:
    schemas = document["components"]["schemas"]
    names = request_schema_names(document)
    assert {"Register", "AnswerSheet", "AnswerItem", "ManualGrade", "PasswordGrant"} <= names
    for name in sorted(names):
        struct = getattr(lms_core, name, None)
        if not (isinstance(struct, type) and issubclass(struct, msgspec.Struct)):
            continue  # enums such as `Role`
        info = msgspec.inspect.type_info(struct)
        assert isinstance(info, msgspec.inspect.StructType)
        if info.forbid_unknown_fields:
            assert schemas[name].get("additionalProperties") is False, name
        else:
            assert "additionalProperties" not in schemas[name], name
    # The OAuth2 form is the one request struct that tolerates extra fields (OAuth2 clients send some).
    assert "additionalProperties" not in schemas["PasswordGrant"]


async def test_an_unknown_field_is_refused_as_the_schema_says(lms: lms_core.Lms, client: AsyncClient) -> None:
    body = {"email": "ada@example.com", "password": PASSWORD, "full_name": "Ada", "nickname": "ada"}
    problem = assert_problem(await client.post("/api/v1/auth/register", json=body), 422, "request.validation_failed")
    assert "nickname" in str(problem["errors"])


@pytest.mark.parametrize(("schema", "field"), [("Register", "password"), ("CreateUser", "password")])
async def test_new_password_fields_state_the_password_policy(document: Document, schema: str, field: str) -> None:
    prop = document["components"]["schemas"][schema]["properties"][field]
    assert (prop["minLength"], prop["maxLength"]) == (MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH)
    assert "most common passwords" in prop["description"]
    assert "consecutive characters" in prop["description"]


async def test_the_reset_password_field_states_the_policy_and_sign_in_does_not(document: Document) -> None:
    schemas = document["components"]["schemas"]
    new = schemas["ResetPassword"]["properties"]["new_password"]
    assert (new["minLength"], new["maxLength"]) == (MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH)
    assert "most common passwords" in new["description"]
    # Signing in takes whatever password the account has: the policy is not a sign-in rule.
    assert schemas["Login"]["properties"]["password"]["minLength"] == 1


async def test_a_short_password_is_refused_as_the_documented_minimum_says(client: AsyncClient) -> None:
    body = {"email": "ada@example.com", "password": "Xq7#pL2!v", "full_name": "Ada Lovelace"}
    assert len(body["password"]) == MIN_PASSWORD_LENGTH - 1
    problem = assert_problem(await client.post("/api/v1/auth/register", json=body), 422, "users.weak_password")
    assert problem["details"] == {"field": "password", "reason": "too_short"}
    body["password"] += "k"
    assert (await client.post("/api/v1/auth/register", json=body)).status_code == 201


@pytest.mark.parametrize("schema", ["CreateCourse", "UpdateCourse"])
async def test_price_is_a_decimal_string_with_its_pattern(document: Document, schema: str) -> None:
    price = document["components"]["schemas"][schema]["properties"]["price"]
    assert price["pattern"] == PRICE_PATTERN
    assert "decimal string" in price["description"]
    kinds = {price.get("type")} | {arm.get("type") for arm in price.get("oneOf", [])}
    assert "string" in kinds
    assert kinds <= {"string", None}
    pattern = re.compile(price["pattern"])
    assert all(pattern.fullmatch(value) for value in ["0", "49.99", "99999999.99", "12.345"])
    assert not any(pattern.fullmatch(value) for value in ["-1", "1e3", "49.999.1", "", "123456789"])


async def test_prices_the_pattern_accepts_are_stored_as_sent(lms: lms_core.Lms, client: AsyncClient) -> None:
    await register(client, "teacher@example.com", role="instructor")
    access, _ = await login_tokens(lms, "teacher@example.com")
    headers = bearer(access)
    for price in ["0", "49.99", "99999999.99"]:
        created = await client.post("/api/v1/courses", json={"title": f"P {price}", "price": price}, headers=headers)
        assert created.status_code == 201, created.text
        assert Decimal(created.json()["price"]) == Decimal(price)
