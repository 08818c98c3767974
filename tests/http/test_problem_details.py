"""Every failure is application/problem+json with a stable code, and never a 500 for bad input."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.http.helpers import PASSWORD, assert_problem, register

Client = AsyncClient


async def test_malformed_json_is_400(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=b'{"email": "a@b.c", "password": ', headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "request.malformed")


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a@example.com"},
        {"email": 42, "password": "x" * 12},
        {"email": "a@example.com", "password": "x" * 12, "unexpected": True},
        [],
        "text",
    ],
)
async def test_wrong_shapes_are_422_with_field_errors(client: Client, body: object) -> None:
    response = await client.post("/api/v1/auth/login", json=body)
    problem = assert_problem(response, 422, "request.validation_failed")
    assert problem.get("errors")


async def test_invalid_email_and_role_values_are_422(client: Client) -> None:
    bad_email = await client.post(
        "/api/v1/auth/register", json={"email": "not-an-email", "password": PASSWORD, "full_name": "X"}
    )
    assert_problem(bad_email, 422, "request.validation_failed")
    bad_role = await client.post(
        "/api/v1/auth/register",
        json={"email": "ok@example.com", "password": PASSWORD, "full_name": "X", "role": "wizard"},
    )
    assert_problem(bad_role, 422, "request.validation_failed")


async def test_duplicate_registration_is_409_and_writes_nothing(client: Client) -> None:
    await register(client, "dup@example.com")
    response = await client.post(
        "/api/v1/auth/register", json={"email": "DUP@example.com", "password": PASSWORD, "full_name": "Other"}
    )
    assert_problem(response, 409, "users.email_taken")


async def test_unknown_route_and_method_are_problems(client: Client) -> None:
    assert_problem(await client.get("/api/v1/nowhere"), 404, "request.not_found")
    assert_problem(await client.delete("/api/v1/auth/me"), 405, "request.method_not_allowed")


async def test_oversized_body_is_413(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        content=b'{"email": "' + b"a" * (2 * 1024 * 1024) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 413, "request.http_413")


async def test_openapi_document_lists_every_spec_path(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/token",
        "/api/v1/auth/login/mfa",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/forgot-password",
        "/api/v1/auth/reset-password",
        "/api/v1/auth/verify-email/request",
        "/api/v1/auth/verify-email/confirm",
        "/api/v1/auth/mfa/enable/request",
        "/api/v1/auth/mfa/enable/confirm",
        "/api/v1/auth/mfa/disable",
        "/api/v1/auth/me",
        "/api/v1/users",
        "/api/v1/users/me",
        "/api/v1/users/{user_id}",
    ]
    for path in expected:
        assert path in paths, path
    assert "401" in paths["/api/v1/users/{user_id}"]["patch"]["responses"]
