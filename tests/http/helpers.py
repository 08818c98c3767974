from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from httpx import AsyncClient, Response

PASSWORD = "correct horse battery"


def assert_problem(response: Response, status: int, code: str) -> dict[str, Any]:
    """The response is a problem+json of `status` naming exactly `code` (a status alone hides a wrong refusal)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    assert body["title"]
    return body


def expect(response: Response, status: int, code: str | None = None) -> Any:
    """A matrix cell: a refusal must be the problem with `code`; a success returns its JSON body (if any)."""
    if status >= 400:
        assert code is not None, "a refusal in a matrix names its problem code"
        return assert_problem(response, status, code)
    assert response.status_code == status, response.text
    assert code is None, "a success has no problem code"
    return response.json() if response.headers.get("content-type", "").startswith("application/json") else None


async def register(client: AsyncClient, email: str, role: str = "student") -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "full_name": "Http User", "role": role}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def run_matrix(
    role: str,
    matrix: Mapping[str, Mapping[str, int]],
    refusal_codes: Mapping[str, Mapping[int, str]],
    call: Callable[[str], Awaitable[Response]],
    check_success: Callable[[str, Any], None],
) -> None:
    """Call every endpoint of `matrix` in order as `role`. Every status is compared before the test fails,
    so one run shows the whole row; a refusal must carry its code, a success passes `check_success`."""
    wrong = {}
    for endpoint, expected in matrix.items():
        response = await call(endpoint)
        if response.status_code != expected[role]:
            wrong[endpoint] = (expected[role], response.status_code, response.text[:200])
        elif expected[role] >= 400:
            assert_problem(response, expected[role], refusal_codes[endpoint][expected[role]])
        else:
            check_success(endpoint, response.json())
    assert not wrong, wrong
