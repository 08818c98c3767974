"""Every users endpoint of spec section 2 over HTTP, with the authorization matrix."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from lms_core import Lms
from tests.http.helpers import PASSWORD, assert_problem, bearer, register
from tests.support.flows import create_admin, login_tokens

Client = AsyncClient


@pytest.fixture
async def tokens(client: Client, lms: Lms) -> dict[str, str]:
    await create_admin(lms, "admin@example.com")
    admin_access, _ = await login_tokens(lms, "admin@example.com")
    student = await register(client, "student@example.com")
    instructor = await register(client, "instructor@example.com", role="instructor")
    return {
        "admin": admin_access,
        "student": student["access_token"],
        "instructor": instructor["access_token"],
        "student_id": student["user"]["id"],
    }


async def test_admin_endpoints_refuse_non_admins(client: Client, tokens: dict[str, str]) -> None:
    target = tokens["student_id"]
    for who in ("student", "instructor"):
        auth = bearer(tokens[who])
        assert_problem(await client.get("/api/v1/users", headers=auth), 403, "users.admin_only")
        assert_problem(
            await client.post(
                "/api/v1/users", json={"email": "n@example.com", "password": PASSWORD, "full_name": "N"}, headers=auth
            ),
            403,
            "users.admin_only",
        )
        assert_problem(await client.get(f"/api/v1/users/{target}", headers=auth), 403, "users.admin_only")
        assert_problem(
            await client.patch(f"/api/v1/users/{target}", json={"role": "admin"}, headers=auth), 403, "users.admin_only"
        )
    for method, path in [("GET", "/api/v1/users"), ("GET", f"/api/v1/users/{target}"), ("GET", "/api/v1/users/me")]:
        assert_problem(await client.request(method, path), 401, "auth.not_authenticated")


async def test_admin_manages_users(client: Client, tokens: dict[str, str]) -> None:
    auth = bearer(tokens["admin"])
    created = await client.post(
        "/api/v1/users",
        json={"email": "Made@Example.com", "password": PASSWORD, "full_name": "Made", "role": "instructor"},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    user: dict[str, Any] = created.json()
    assert user["role"] == "instructor"
    assert "password_hash" not in user
    fetched = await client.get(f"/api/v1/users/{user['id']}", headers=auth)
    assert fetched.json()["email"] == "made@example.com"
    patched = await client.patch(
        f"/api/v1/users/{user['id']}", json={"is_active": False, "full_name": "Made Later"}, headers=auth
    )
    assert patched.status_code == 200
    assert patched.json()["is_active"] is False
    listing = await client.get("/api/v1/users", params={"role": "student", "page_size": 1}, headers=auth)
    assert listing.status_code == 200
    page = listing.json()
    assert set(page) == {"items", "total", "page", "page_size"}
    assert page["total"] == 1
    assert page["page_size"] == 1
    searched = await client.get("/api/v1/users", params={"q": "made"}, headers=auth)
    assert [u["email"] for u in searched.json()["items"]] == ["made@example.com"]


async def test_bad_ids_and_queries(client: Client, tokens: dict[str, str]) -> None:
    auth = bearer(tokens["admin"])
    assert_problem(await client.get("/api/v1/users/not-a-uuid", headers=auth), 404, "request.not_found")
    assert_problem(
        await client.get("/api/v1/users/01890000-0000-7000-8000-000000000000", headers=auth), 404, "users.not_found"
    )
    assert_problem(
        await client.get("/api/v1/users", params={"page_size": 1000}, headers=auth), 422, "request.validation_failed"
    )
    assert_problem(
        await client.get("/api/v1/users", params={"role": "wizard"}, headers=auth), 422, "request.validation_failed"
    )
    assert_problem(
        await client.patch(f"/api/v1/users/{tokens['student_id']}", json={"role": "wizard"}, headers=auth),
        422,
        "request.validation_failed",
    )


async def test_deactivation_cuts_the_users_live_token(client: Client, tokens: dict[str, str]) -> None:
    student_auth = bearer(tokens["student"])
    assert (await client.get("/api/v1/users/me", headers=student_auth)).status_code == 200
    response = await client.patch(
        f"/api/v1/users/{tokens['student_id']}", json={"is_active": False}, headers=bearer(tokens["admin"])
    )
    assert response.status_code == 200
    assert_problem(await client.get("/api/v1/users/me", headers=student_auth), 401, "auth.invalid_token")
    assert_problem(await client.get("/api/v1/auth/me", headers=student_auth), 401, "auth.invalid_token")


async def test_me_profile(client: Client, tokens: dict[str, str]) -> None:
    auth = bearer(tokens["student"])
    response = await client.patch(
        "/api/v1/users/me", json={"full_name": "New Name", "profile_metadata": {"lang": "ar"}}, headers=auth
    )
    assert response.status_code == 200
    assert response.json()["profile_metadata"] == {"lang": "ar"}
    own_role = await client.patch("/api/v1/users/me", json={"role": "admin"}, headers=auth)
    assert_problem(own_role, 422, "request.validation_failed")
    too_big = await client.patch("/api/v1/users/me", json={"profile_metadata": {"x": "y" * 20_000}}, headers=auth)
    assert_problem(too_big, 422, "users.profile_metadata_too_large")
    assert (await client.get("/api/v1/users/me", headers=auth)).json()["full_name"] == "New Name"


async def test_admin_cannot_demote_or_deactivate_self(client: Client, tokens: dict[str, str], lms: Lms) -> None:
    auth = bearer(tokens["admin"])
    me = (await client.get("/api/v1/users/me", headers=auth)).json()
    response = await client.patch(f"/api/v1/users/{me['id']}", json={"role": "student"}, headers=auth)
    assert_problem(response, 403, "users.cannot_change_own_access")
    response = await client.patch(f"/api/v1/users/{me['id']}", json={"is_active": False}, headers=auth)
    assert_problem(response, 403, "users.cannot_change_own_access")
    stored = (await client.get(f"/api/v1/users/{me['id']}", headers=auth)).json()
    assert (stored["role"], stored["is_active"]) == ("admin", True)


async def test_admin_changes_another_admin(client: Client, tokens: dict[str, str], lms: Lms) -> None:
    other = await create_admin(lms, "second-admin@example.com")
    other_access, _ = await login_tokens(lms, "second-admin@example.com")
    auth = bearer(tokens["admin"])
    demoted = await client.patch(f"/api/v1/users/{other.user_id}", json={"role": "instructor"}, headers=auth)
    assert demoted.status_code == 200, demoted.text
    assert (demoted.json()["id"], demoted.json()["role"]) == (str(other.user_id), "instructor")
    deactivated = await client.patch(f"/api/v1/users/{other.user_id}", json={"is_active": False}, headers=auth)
    assert deactivated.status_code == 200, deactivated.text
    stored = (await client.get(f"/api/v1/users/{other.user_id}", headers=auth)).json()
    assert (stored["role"], stored["is_active"]) == ("instructor", False)
    # The deactivated admin's session ends with the account.
    assert_problem(await client.get("/api/v1/users/me", headers=bearer(other_access)), 401, "auth.invalid_token")
