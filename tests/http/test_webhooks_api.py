"""`/api/v1/webhooks` over HTTP: admins only, bad input as problem+json, the secret shown once."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from lms_core import Lms
from tests.http.helpers import assert_problem, bearer, register
from tests.support.flows import create_admin, login_tokens

PUBLIC_URL = "https://93.184.215.14/hooks"


@pytest.fixture
async def admin_headers(lms: Lms) -> dict[str, str]:
    await create_admin(lms, "admin@example.com")
    access, _ = await login_tokens(lms, "admin@example.com")
    return bearer(access)


async def _create(client: AsyncClient, headers: dict[str, str], **body: Any) -> Any:
    payload = {"url": PUBLIC_URL, "event_types": ["enrollments.completed"], **body}
    return await client.post("/api/v1/webhooks", json=payload, headers=headers)


async def test_an_admin_registers_lists_changes_rotates_and_removes_an_endpoint(
    client: AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await _create(client, admin_headers, description="CRM")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    endpoint_id = body["endpoint"]["id"]
    assert body["endpoint"]["event_types"] == ["enrollments.completed"]

    listed = await client.get("/api/v1/webhooks", headers=admin_headers)
    assert listed.status_code == 200
    assert listed.json()["total"] == 1
    assert listed.json()["items"] == [body["endpoint"]]
    assert "whsec_" not in listed.text

    changed = await client.patch(f"/api/v1/webhooks/{endpoint_id}", json={"is_active": False}, headers=admin_headers)
    assert changed.status_code == 200
    assert changed.json()["is_active"] is False

    rotated = await client.post(f"/api/v1/webhooks/{endpoint_id}/rotate-secret", json={}, headers=admin_headers)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != body["secret"]
    assert rotated.json()["endpoint"]["previous_secret_expires_at"] is not None

    deliveries = await client.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", headers=admin_headers)
    assert deliveries.status_code == 200
    assert deliveries.json() == {"items": [], "total": 0, "page": 1, "page_size": 20}

    removed = await client.delete(f"/api/v1/webhooks/{endpoint_id}", headers=admin_headers)
    assert removed.status_code == 204
    assert_problem(
        await client.get(f"/api/v1/webhooks/{endpoint_id}", headers=admin_headers), 404, "webhooks.endpoint_not_found"
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": "ftp://93.184.215.14/x"}, "webhooks.invalid_url"),
        ({"url": "https://user:secret@93.184.215.14/x"}, "webhooks.invalid_url"),
        ({"url": "http://127.0.0.1:9000/hooks"}, "webhooks.forbidden_destination"),
        ({"url": "http://169.254.169.254/latest/meta-data"}, "webhooks.forbidden_destination"),
        ({"url": "http://10.0.0.7/hooks"}, "webhooks.forbidden_destination"),
        ({"event_types": ["enrollments.completed", "users.deleted"]}, "webhooks.unknown_event_type"),
        ({"event_types": []}, "request.validation_failed"),
        ({"secret": "whsec_mine"}, "request.validation_failed"),
    ],
)
async def test_bad_input_is_a_problem_and_registers_nothing(
    client: AsyncClient, admin_headers: dict[str, str], body: dict[str, Any], code: str
) -> None:
    assert_problem(await _create(client, admin_headers, **body), 422, code)
    assert (await client.get("/api/v1/webhooks", headers=admin_headers)).json()["total"] == 0


@pytest.mark.parametrize("role", ["student", "instructor"])
async def test_non_admins_are_refused_with_403(client: AsyncClient, admin_headers: dict[str, str], role: str) -> None:
    endpoint_id = (await _create(client, admin_headers)).json()["endpoint"]["id"]
    signed_up = await register(client, f"{role}@example.com", role)
    headers = bearer(signed_up["access_token"])
    delivery = "0190f5a2-8a10-7b3c-8d4e-5f6a7b8c9d01"
    calls = [
        client.get("/api/v1/webhooks", headers=headers),
        _create(client, headers),
        client.get(f"/api/v1/webhooks/{endpoint_id}", headers=headers),
        client.patch(f"/api/v1/webhooks/{endpoint_id}", json={"is_active": False}, headers=headers),
        client.post(f"/api/v1/webhooks/{endpoint_id}/rotate-secret", json={}, headers=headers),
        client.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", headers=headers),
        client.post(f"/api/v1/webhooks/{endpoint_id}/deliveries/{delivery}/resend", headers=headers),
        client.delete(f"/api/v1/webhooks/{endpoint_id}", headers=headers),
    ]
    for call in calls:
        assert_problem(await call, 403, "webhooks.admin_only")
    still = await client.get(f"/api/v1/webhooks/{endpoint_id}", headers=admin_headers)
    assert still.json()["is_active"] is True


async def test_anonymous_callers_are_refused_with_401(client: AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/webhooks"), 401, "auth.not_authenticated")


async def test_re_sending_an_unknown_delivery_is_404(client: AsyncClient, admin_headers: dict[str, str]) -> None:
    endpoint_id = (await _create(client, admin_headers)).json()["endpoint"]["id"]
    response = await client.post(
        f"/api/v1/webhooks/{endpoint_id}/deliveries/0190f5a2-8a10-7b3c-8d4e-5f6a7b8c9d01/resend", headers=admin_headers
    )
    assert_problem(response, 404, "webhooks.delivery_not_found")


async def test_a_grace_beyond_a_week_is_refused(client: AsyncClient, admin_headers: dict[str, str]) -> None:
    endpoint_id = (await _create(client, admin_headers)).json()["endpoint"]["id"]
    response = await client.post(
        f"/api/v1/webhooks/{endpoint_id}/rotate-secret", json={"grace_seconds": 8 * 86400}, headers=admin_headers
    )
    assert_problem(response, 422, "request.validation_failed")
