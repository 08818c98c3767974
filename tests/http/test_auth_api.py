"""Every auth endpoint of spec section 1 over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from lms_core import Lms
from tests.http.helpers import PASSWORD, assert_problem, bearer, register
from tests.support.doubles import RecordingMailer

Client = AsyncClient


async def test_register_login_me_refresh_logout(client: Client) -> None:
    body = await register(client, "Web@Example.com")
    assert body["user"]["email"] == "web@example.com"
    assert "password_hash" not in body["user"]
    assert body["token_type"] == "bearer"

    login = await client.post("/api/v1/auth/login", json={"email": "web@example.com", "password": PASSWORD})
    assert login.status_code == 200
    tokens = login.json()
    assert tokens["mfa_required"] is False

    me = await client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == "web@example.com"

    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    pair = refreshed.json()

    out = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]}, headers=bearer(pair["access_token"])
    )
    assert out.status_code == 200
    assert_problem(await client.get("/api/v1/auth/me", headers=bearer(pair["access_token"])), 401, "auth.invalid_token")
    again = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert_problem(again, 401, "auth.invalid_token")


async def test_oauth2_token_endpoint_takes_a_form(client: Client) -> None:
    await register(client, "form@example.com")
    response = await client.post(
        "/api/v1/auth/token", data={"username": "form@example.com", "password": PASSWORD, "grant_type": "password"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "bearer"
    wrong = await client.post("/api/v1/auth/token", data={"username": "form@example.com", "password": "nope nope nope"})
    assert_problem(wrong, 401, "auth.invalid_credentials")


async def test_no_user_enumeration(client: Client) -> None:
    await register(client, "known@example.com")
    wrong = await client.post("/api/v1/auth/login", json={"email": "known@example.com", "password": "bad password!"})
    unknown = await client.post(
        "/api/v1/auth/login", json={"email": "unknown@example.com", "password": "bad password!"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert _without_instance(wrong.json()) == _without_instance(unknown.json())
    forgot_known = await client.post("/api/v1/auth/forgot-password", json={"email": "known@example.com"})
    forgot_unknown = await client.post("/api/v1/auth/forgot-password", json={"email": "unknown@example.com"})
    assert forgot_known.status_code == forgot_unknown.status_code == 202
    assert forgot_known.json() == forgot_unknown.json()


async def test_password_reset_and_email_verification_over_http(
    client: Client, lms: Lms, mailer: RecordingMailer
) -> None:
    body = await register(client, "reset@example.com")
    await lms.outbox.drain()
    verify_token = mailer.last_token("reset@example.com")
    confirmed = await client.post("/api/v1/auth/verify-email/confirm", json={"token": verify_token})
    assert confirmed.status_code == 200
    assert confirmed.json()["email_verified_at"] is not None
    assert_problem(
        await client.post("/api/v1/auth/verify-email/request", headers=bearer(body["access_token"])),
        422,
        "auth.email_already_verified",
    )

    assert (await client.post("/api/v1/auth/forgot-password", json={"email": "reset@example.com"})).status_code == 202
    await lms.outbox.drain()
    token = mailer.last_token("reset@example.com")
    weak = await client.post("/api/v1/auth/reset-password", json={"token": token, "new_password": "short"})
    assert_problem(weak, 422, "users.weak_password")
    ok = await client.post("/api/v1/auth/reset-password", json={"token": token, "new_password": "a fresh passphrase"})
    assert ok.status_code == 200
    reused = await client.post("/api/v1/auth/reset-password", json={"token": token, "new_password": "another phrase!"})
    assert_problem(reused, 422, "auth.invalid_or_expired_token")
    assert_problem(await client.get("/api/v1/auth/me", headers=bearer(body["access_token"])), 401, "auth.invalid_token")


async def test_verification_request_sends_a_new_link(client: Client, lms: Lms, mailer: RecordingMailer) -> None:
    body = await register(client, "again@example.com")
    response = await client.post("/api/v1/auth/verify-email/request", headers=bearer(body["access_token"]))
    assert response.status_code == 202
    await lms.outbox.drain()
    assert len([m for m in mailer.to("again@example.com") if "verify-email?token=" in m.text]) == 2


async def test_mfa_over_http(client: Client, lms: Lms, mailer: RecordingMailer) -> None:
    body = await register(client, "mfa@example.com")
    auth = bearer(body["access_token"])
    assert (await client.post("/api/v1/auth/mfa/enable/request", headers=auth)).status_code == 202
    await lms.outbox.drain()
    bad = await client.post("/api/v1/auth/mfa/enable/confirm", json={"code": "12345"}, headers=auth)
    assert_problem(bad, 422, "request.validation_failed")
    wrong_code = _another_code(mailer.last_code("mfa@example.com"))
    refused = await client.post("/api/v1/auth/mfa/enable/confirm", json={"code": wrong_code}, headers=auth)
    assert_problem(refused, 401, "auth.invalid_mfa_code")
    assert refused.json()["details"] == {"tries_left": 4}
    enabled = await client.post(
        "/api/v1/auth/mfa/enable/confirm", json={"code": mailer.last_code("mfa@example.com")}, headers=auth
    )
    assert enabled.status_code == 200
    assert enabled.json()["mfa_enabled"] is True

    first = await client.post("/api/v1/auth/login", json={"email": "mfa@example.com", "password": PASSWORD})
    assert first.status_code == 200
    assert first.json().keys() == {"mfa_required", "mfa_token"}
    assert first.json()["mfa_required"] is True
    await lms.outbox.drain()
    guess = await client.post(
        "/api/v1/auth/login/mfa",
        json={"mfa_token": first.json()["mfa_token"], "code": _another_code(mailer.last_code("mfa@example.com"))},
    )
    # A wrong code is a failed sign-in, answered like a wrong password.
    assert_problem(guess, 401, "auth.invalid_mfa_code")
    assert guess.headers["www-authenticate"] == 'Bearer realm="lms"'
    assert "access_token" not in guess.json()
    second = await client.post(
        "/api/v1/auth/login/mfa",
        json={"mfa_token": first.json()["mfa_token"], "code": mailer.last_code("mfa@example.com")},
    )
    assert second.status_code == 200
    new_auth = bearer(second.json()["access_token"])
    wrong = await client.post("/api/v1/auth/mfa/disable", json={"password": "wrong password"}, headers=new_auth)
    assert_problem(wrong, 401, "auth.invalid_credentials")
    off = await client.post("/api/v1/auth/mfa/disable", json={"password": PASSWORD}, headers=new_auth)
    assert off.status_code == 200
    assert off.json()["mfa_enabled"] is False


def _another_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_rate_limit_gives_429_with_retry_after(client: Client) -> None:
    for _ in range(5):
        response = await client.post("/api/v1/auth/login", json={"email": "x@example.com", "password": "whatever!!"})
        assert_problem(response, 401, "auth.invalid_credentials")
    limited = await client.post("/api/v1/auth/login", json={"email": "x@example.com", "password": "whatever!!"})
    body = assert_problem(limited, 429, "auth.rate_limited")
    assert limited.headers["retry-after"] == "1"
    assert body["details"] == {"retry_after_seconds": 1}


@pytest.mark.parametrize(
    ("path", "headers", "code"),
    [
        ("/api/v1/auth/me", {}, "auth.not_authenticated"),
        ("/api/v1/auth/me", {"Authorization": "Basic abc"}, "auth.invalid_token"),
        ("/api/v1/auth/me", {"Authorization": "Bearer not.a.jwt"}, "auth.invalid_token"),
        ("/api/v1/users/me", {"Authorization": "Bearer "}, "auth.invalid_token"),
    ],
)
async def test_missing_or_bad_credentials_are_401_problems(
    client: Client, path: str, headers: dict[str, str], code: str
) -> None:
    response = await client.get(path, headers=headers)
    assert_problem(response, 401, code)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_self_registration_as_admin_is_forbidden(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "root@example.com", "password": PASSWORD, "full_name": "Root", "role": "admin"},
    )
    assert_problem(response, 403, "users.role_not_allowed")


async def test_logout_without_a_body_denylists_the_access_token(client: Client) -> None:
    body = await register(client, "nobody-body@example.com")
    response = await client.post("/api/v1/auth/logout", headers=bearer(body["access_token"]))
    assert response.status_code == 200, response.text
    assert_problem(await client.get("/api/v1/auth/me", headers=bearer(body["access_token"])), 401, "auth.invalid_token")
    # The refresh token was not named, so it still works: logging out one device keeps the others.
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert refreshed.status_code == 200


def _without_instance(problem: dict[str, Any]) -> dict[str, Any]:
    """A problem body without `instance`, the one field that names the request."""
    return {key: value for key, value in problem.items() if key != "instance"}


async def test_mfa_routes_declare_the_401_of_a_wrong_code(client: Client) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path in ("/api/v1/auth/login/mfa", "/api/v1/auth/mfa/enable/confirm"):
        responses = paths[path]["post"]["responses"]
        assert "401" in responses
        assert "application/problem+json" in responses["401"]["content"]
