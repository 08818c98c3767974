"""The password policy (NIST SP 800-63B) on every route that sets a password: register, admin create, reset."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from lms_core import Actor, ListUsers, Lms
from tests.http.helpers import PASSWORD, assert_problem, bearer, register
from tests.support.doubles import RecordingMailer
from tests.support.flows import create_admin, login_tokens

Client = AsyncClient

# Each bad password of the issue, with the reason the 422 gives for it.
BAD_PASSWORDS = [
    ("aaaaaaaaaa", "repetitive"),
    ("1234567890", "sequential"),
    ("password12", "common"),
    (" " * 10, "repetitive"),
    ("\u0000" * 10, "control_characters"),
    ("alice.smith2024", "personal"),
    ("short", "too_short"),
]


def assert_weak(response: object, reason: str) -> None:
    body = assert_problem(response, 422, "users.weak_password")  # type: ignore[arg-type]
    assert body["details"] == {"field": "password", "reason": reason}


async def stored_emails(lms: Lms) -> set[str]:
    page = await lms.users.list_users(Actor.system(), ListUsers(page_size=100))
    return {user.email for user in page.items}


@pytest.mark.parametrize(("password", "reason"), BAD_PASSWORDS)
async def test_register_refuses_weak_passwords(client: Client, lms: Lms, password: str, reason: str) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "alice.smith@example.com", "password": password, "full_name": "Alice Smith"},
    )
    assert_weak(response, reason)
    assert "alice.smith@example.com" not in await stored_emails(lms)


@pytest.mark.parametrize(("password", "reason"), BAD_PASSWORDS)
async def test_admin_create_user_refuses_weak_passwords(client: Client, lms: Lms, password: str, reason: str) -> None:
    await create_admin(lms, "admin@example.com")
    access, _ = await login_tokens(lms, "admin@example.com")
    response = await client.post(
        "/api/v1/users",
        json={"email": "alice.smith@example.com", "password": password, "full_name": "Alice Smith"},
        headers=bearer(access),
    )
    assert_weak(response, reason)
    assert "alice.smith@example.com" not in await stored_emails(lms)


async def test_reset_password_refuses_weak_passwords_and_keeps_the_link(
    client: Client, lms: Lms, mailer: RecordingMailer
) -> None:
    registered = await client.post(
        "/api/v1/auth/register",
        json={"email": "alice.smith@example.com", "password": PASSWORD, "full_name": "Alice Smith"},
    )
    assert registered.status_code == 201, registered.text
    await client.post("/api/v1/auth/forgot-password", json={"email": "alice.smith@example.com"})
    await lms.outbox.drain()
    token = mailer.last_token("alice.smith@example.com")
    for password, reason in BAD_PASSWORDS:
        response = await client.post("/api/v1/auth/reset-password", json={"token": token, "new_password": password})
        assert_weak(response, reason)
    # No refused password was stored: the old one still signs in.
    old = await client.post("/api/v1/auth/login", json={"email": "alice.smith@example.com", "password": PASSWORD})
    assert old.status_code == 200, old.text
    # A refusal does not use up the link: a good password is accepted with it afterwards.
    ok = await client.post("/api/v1/auth/reset-password", json={"token": token, "new_password": "a fresh passphrase"})
    assert ok.status_code == 200, ok.text
    login = await client.post(
        "/api/v1/auth/login", json={"email": "alice.smith@example.com", "password": "a fresh passphrase"}
    )
    assert login.status_code == 200
    assert login.json()["user"]["email"] == "alice.smith@example.com"


async def test_a_good_password_is_accepted_everywhere(client: Client, lms: Lms) -> None:
    body = await register(client, "good@example.com")
    assert body["user"]["email"] == "good@example.com"
    await create_admin(lms, "admin@example.com")
    access, _ = await login_tokens(lms, "admin@example.com")
    created = await client.post(
        "/api/v1/users",
        json={"email": "alice.smith@example.com", "password": "Alice's tulip garden", "full_name": "Alice Smith"},
        headers=bearer(access),
    )
    assert created.status_code == 201, created.text
    assert {"good@example.com", "alice.smith@example.com"} <= await stored_emails(lms)
    login = await client.post(
        "/api/v1/auth/login", json={"email": "alice.smith@example.com", "password": "Alice's tulip garden"}
    )
    assert login.status_code == 200
