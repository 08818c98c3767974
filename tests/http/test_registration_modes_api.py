"""`POST /auth/register` in the open (spec) and private registration modes, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from lms_adapters.bootstrap import open_lms
from lms_core import Lms
from lms_core.shared.clock import FixedClock
from lms_http import create_app
from tests.conftest import make_settings
from tests.http.helpers import PASSWORD, assert_problem, bearer
from tests.support.asgi import asgi_transport
from tests.support.doubles import RecordingMailer

SIGN_UP = {"password": PASSWORD, "full_name": "Http User", "role": "student"}


@pytest.fixture
async def private_server(
    database_url: str, clock: FixedClock, mailer: RecordingMailer
) -> AsyncIterator[tuple[httpx.AsyncClient, Lms]]:
    settings = make_settings(database_url, registration_mode="private", self_register_roles="student")
    async with open_lms(settings, clock=clock, mailer=mailer) as lms:
        transport = asgi_transport(create_app(lms))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, lms


async def test_the_open_mode_answers_201_with_tokens_and_409_for_a_taken_address(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/v1/auth/register", json={"email": "a@example.com", **SIGN_UP})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["user"]["email"] == "a@example.com"
    me = await client.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
    assert me.json()["email"] == "a@example.com"
    taken = await client.post("/api/v1/auth/register", json={"email": "a@example.com", **SIGN_UP})
    assert_problem(taken, 409, "users.email_taken")


async def test_the_private_mode_answers_202_alike_and_signs_in_after_verification(
    private_server: tuple[httpx.AsyncClient, Lms], mailer: RecordingMailer
) -> None:
    client, lms = private_server
    new = await client.post("/api/v1/auth/register", json={"email": "b@example.com", **SIGN_UP})
    taken = await client.post("/api/v1/auth/register", json={"email": "b@example.com", **SIGN_UP})
    assert new.status_code == 202, new.text
    assert taken.status_code == 202, taken.text
    assert new.json() == taken.json()
    assert set(new.json()) == {"detail"}

    login = {"email": "b@example.com", "password": PASSWORD}
    assert_problem(await client.post("/api/v1/auth/login", json=login), 403, "auth.email_not_verified")
    await lms.outbox.drain()
    # The new account got its verification link; the second sign-up, while still unverified, a fresh one.
    assert [m.subject.startswith("Verify") for m in mailer.to("b@example.com")] == [True, True]
    token = mailer.last_token("b@example.com")
    confirmed = await client.post("/api/v1/auth/verify-email/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["email_verified_at"] is not None
    signed_in = await client.post("/api/v1/auth/login", json=login)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["user"]["email"] == "b@example.com"
    assert signed_in.json()["access_token"]

    # Only students may sign up here: the role is refused before anything about the address is said.
    instructor = await client.post(
        "/api/v1/auth/register", json={"email": "c@example.com", **SIGN_UP, "role": "instructor"}
    )
    assert_problem(instructor, 403, "users.role_not_allowed")


async def test_the_schema_documents_both_answers(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    responses = schema["paths"]["/api/v1/auth/register"]["post"]["responses"]
    assert {"201", "202", "409"} <= set(responses)
