from __future__ import annotations

from typing import Any

from httpx import AsyncClient, Response

PASSWORD = "correct horse battery"


def assert_problem(response: Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["code"], str)
    assert body["code"]
    assert body["title"]
    if code is not None:
        assert body["code"] == code, body
    return body


async def register(client: AsyncClient, email: str, role: str = "student") -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "full_name": "Http User", "role": role}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
