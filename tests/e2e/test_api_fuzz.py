"""Property-based fuzzing of a real `lms serve` process against its own OpenAPI document.

Schemathesis generates valid and invalid requests for every documented operation and checks that
the server never answers with a 5xx, that every status code and content type is documented, that
bodies match their schemas, and that every error is an RFC 9457 `application/problem+json` body.
Signed-in routes are fuzzed with an admin's bearer token, so their authorized code paths run too.
Rate limits (429) and tokens the fuzzer revokes (401) are expected answers, as long as they are
documented problems.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests.conftest import TEST_SECRET
from tests.e2e.servers import free_port, start, stop, wait_healthy

# Any operation of the OpenAPI schema: the checks below read only the request and response.
FuzzCase = schemathesis.Case[Any]

pytestmark = pytest.mark.slow

ADMIN_EMAIL = "fuzz-admin@example.com"
ADMIN_PASSWORD = "a long fuzzing admin passphrase"
# Logging out revokes the access token it is sent with, so `POST /auth/logout` gets its own account.
LOGOUT_EMAIL = "fuzz-logout@example.com"
LOGOUT_PASSWORD = "a long fuzzing logout passphrase"

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class LiveApi:
    base_url: str
    admin_token: str
    logout_token: str
    # Status codes seen per operation by the signed-in fuzzing, to prove it got past authentication.
    signed_in_statuses: defaultdict[str, set[int]] = field(default_factory=lambda: defaultdict(set))


def _login(base_url: str, email: str, password: str) -> str:
    response = httpx.post(f"{base_url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=10)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    workdir = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    env = {
        "LMS_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'fuzz.db'}",
        "LMS_SECRET_KEY": TEST_SECRET,
        "LMS_PASSWORD_HASHING": "fast",
        # E-mail delivery is not under test here (test_served covers it), and the in-process outbox
        # worker would only compete with the fuzzed requests for the two CPUs and the SQLite write lock.
        "LMS_OUTBOX_WORKER": "false",
        "LMS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "LMS_MAIL_DIR": str(workdir / "mail"),
    }
    for args in (
        ["db", "upgrade"],
        ["users", "create-admin", "--email", ADMIN_EMAIL, "--full-name", "Fuzz Admin", "--password", ADMIN_PASSWORD],
    ):
        process = start(args, env, workdir)
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output
    server = start(["serve", "--port", str(port)], env, workdir)
    try:
        wait_healthy(server, port)
        base_url = f"http://127.0.0.1:{port}"
        registered = httpx.post(
            f"{base_url}/api/v1/auth/register",
            json={"email": LOGOUT_EMAIL, "password": LOGOUT_PASSWORD, "full_name": "Fuzz Logout"},
            timeout=10,
        )
        assert registered.status_code == 201, registered.text
        yield LiveApi(
            base_url=base_url,
            admin_token=_login(base_url, ADMIN_EMAIL, ADMIN_PASSWORD),
            logout_token=registered.json()["access_token"],
        )
    finally:
        code, output = stop(server)
    assert code == 0, output
    assert "Traceback" not in output, output


@pytest.fixture(scope="module")
def api_schema(live_api: LiveApi) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{live_api.base_url}/schema/openapi.json", timeout=10)


@pytest.fixture(scope="module")
def anonymous_api_schema(live_api: LiveApi) -> schemathesis.BaseSchema:
    """Random generation only: the signed-in run's coverage phase already sends the boundary cases and the
    requests without credentials, and repeating its thousands of requests would double the runtime."""
    config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
    return schemathesis.openapi.from_url(f"{live_api.base_url}/schema/openapi.json", config=config, timeout=10)


schema = schemathesis.pytest.from_fixture("api_schema")
anonymous_schema = schemathesis.pytest.from_fixture("anonymous_api_schema")


@pytest.fixture(autouse=True)
def _schemathesis_node_id(request: pytest.FixtureRequest) -> None:
    """Schemathesis 4.32 renames `node._nodeid` per operation; pytest 9.2 keeps the id elsewhere."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def errors_are_problem_json(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: FuzzCase
) -> bool | None:
    """Every 4xx/5xx is an RFC 9457 problem whose `status` repeats the HTTP status."""
    if response.status_code < 400:
        return None
    content_type = ";".join(response.headers.get("content-type", [""])).split(";")[0].strip()
    assert content_type == PROBLEM_JSON, (
        f"{response.status_code} answered with Content-Type {content_type!r}, not {PROBLEM_JSON}: {response.text}"
    )
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"{response.status_code} problem body is not JSON: {response.text!r}") from exc
    assert isinstance(body, dict), f"problem body is not an object: {body!r}"
    assert body.get("status") == response.status_code, f"problem status {body.get('status')!r} != HTTP status"
    for member in ("title", "detail", "code"):
        assert isinstance(body.get(member), str) and body[member], f"problem has no {member!r}: {body!r}"
    return None


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    errors_are_problem_json,
]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _token_for(case: FuzzCase, live_api: LiveApi) -> str:
    return live_api.logout_token if case.operation.path == "/api/v1/auth/logout" else live_api.admin_token


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_signed_in_fuzzing_gets_documented_answers_and_never_a_server_error(case: FuzzCase, live_api: LiveApi) -> None:
    response = case.call_and_validate(
        base_url=live_api.base_url, headers=_bearer(_token_for(case, live_api)), checks=CHECKS, timeout=10
    )
    live_api.signed_in_statuses[case.operation.label].add(response.status_code)


@anonymous_schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
def test_anonymous_fuzzing_gets_documented_answers_and_never_a_server_error(case: FuzzCase, live_api: LiveApi) -> None:
    case.call_and_validate(base_url=live_api.base_url, checks=CHECKS, timeout=10)


def test_signed_in_fuzzing_reached_admin_only_code(live_api: LiveApi) -> None:
    """Guard against fuzzing only the 401 path: the admin token must have opened the admin-only routes."""
    if not live_api.signed_in_statuses:
        pytest.skip("the signed-in fuzzing test did not run")
    assert 200 in live_api.signed_in_statuses["GET /api/v1/users"], dict(live_api.signed_in_statuses)
    me = httpx.get(f"{live_api.base_url}/api/v1/users/me", headers=_bearer(live_api.admin_token), timeout=10)
    assert me.status_code == 200, me.text
    assert me.json()["role"] == "admin"
