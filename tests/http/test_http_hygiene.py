"""HTTP hygiene: security headers on every response, docs served without a CDN, CORS as a setting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html.parser import HTMLParser

import httpx
import pytest
from httpx import AsyncClient

from lms_adapters.settings import ConfigurationError, Settings
from lms_core import Lms
from lms_http import create_app
from lms_http.security_headers import API_CSP, DOCS_CSP
from tests.http.helpers import PASSWORD, assert_problem, bearer, register
from tests.support.asgi import asgi_transport

APP_ORIGIN = "https://app.example.org"


def assert_common_headers(response: httpx.Response) -> None:
    for name, value in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
    ]:
        assert response.headers.get_list(name) == [value], name
    assert len(response.headers.get_list("content-security-policy")) == 1
    assert len(response.headers.get_list("cache-control")) <= 1


async def test_an_unknown_path_gets_the_security_headers(client: AsyncClient) -> None:
    response = await client.get("/no/such/path")
    assert_problem(response, 404, "request.not_found")
    assert_common_headers(response)
    assert response.headers["content-security-policy"] == API_CSP.decode()
    assert "cache-control" not in response.headers


async def test_token_responses_are_never_stored(client: AsyncClient) -> None:
    registered = await client.post(
        "/api/v1/auth/register",
        json={"email": "tokens@example.com", "password": PASSWORD, "full_name": "Token User", "role": "student"},
    )
    login = await client.post("/api/v1/auth/login", json={"email": "tokens@example.com", "password": PASSWORD})
    refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": login.json()["refresh_token"]})
    token = await client.post("/api/v1/auth/token", data={"username": "tokens@example.com", "password": PASSWORD})
    failed = await client.post("/api/v1/auth/login", json={"email": "tokens@example.com", "password": "wrong" * 3})
    for response, status in [(registered, 201), (login, 200), (refresh, 200), (token, 200), (failed, 401)]:
        assert response.status_code == status, response.text
        assert response.headers["cache-control"] == "no-store"
        assert_common_headers(response)
        assert response.headers["content-security-policy"] == API_CSP.decode()
    assert login.json()["access_token"]


async def test_authenticated_responses_and_their_errors_are_never_stored(client: AsyncClient) -> None:
    tokens = await register(client, "me@example.com")
    me = await client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == "me@example.com"
    missing = await client.get(
        "/api/v1/courses/00000000-0000-7000-8000-000000000000", headers=bearer(tokens["access_token"])
    )
    assert_problem(missing, 404, "courses.not_found")
    for response in (me, missing):
        assert response.headers["cache-control"] == "no-store"
        assert_common_headers(response)
        assert response.headers["content-security-policy"] == API_CSP.decode()


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            if values.get("src"):
                self.urls.append(str(values["src"]))
            else:
                self._in_script_without_src = True
        if tag == "link" and values.get("href"):
            self.urls.append(str(values["href"]))

    def handle_endtag(self, tag: str) -> None:
        self._in_script_without_src = False

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1


EXPECTED_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


@pytest.mark.parametrize("page", ["/schema", "/schema/swagger"])
async def test_the_docs_load_only_the_apps_own_files(client: AsyncClient, page: str) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == DOCS_CSP.decode()
    assert "script-src 'self';" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert_common_headers(response)
    assert "http://" not in response.text
    assert "https://" not in response.text
    assets = _Assets()
    assets.feed(response.text)
    assert assets.inline_scripts == 0
    assert any(url.endswith("swagger-ui-bundle.js") for url in assets.urls)
    assert any(url.endswith("swagger-ui.css") for url in assets.urls)
    for url in assets.urls:
        assert url.startswith("/schema/assets/"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert asset.headers["content-type"].split(";")[0] == EXPECTED_TYPES[suffix], url
        assert asset.content


async def test_the_swagger_bundle_is_the_real_one(client: AsyncClient) -> None:
    bundle = await client.get("/schema/assets/swagger-ui-bundle.js")
    assert b"SwaggerUIBundle" in bundle.content
    assert len(bundle.content) > 100_000
    init = await client.get("/schema/assets/swagger-init.js")
    assert b'new URL("../openapi.json"' in init.content


@pytest.mark.parametrize(
    "path",
    [
        "/schema/redoc",
        "/schema/elements",
        "/schema/rapidoc",
        "/schema/scalar",
        "/schema/oauth2-redirect.html",
        "/schema/assets/index.html",
        "/schema/assets/..%2Fswagger-ui.js",
    ],
)
async def test_docs_pages_that_would_need_a_cdn_are_not_offered(client: AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert_problem(response, 404, "request.not_found")
    assert_common_headers(response)


@pytest.fixture
async def cors_client(lms: Lms) -> AsyncIterator[AsyncClient]:
    app = create_app(lms, settings=Settings(cors_origins=f"{APP_ORIGIN}, https://admin.example.org/"))
    async with AsyncClient(transport=asgi_transport(app), base_url="http://testserver") as test_client:
        yield test_client


async def test_cors_preflight_is_answered_for_a_listed_origin(cors_client: AsyncClient) -> None:
    response = await cors_client.options(
        "/api/v1/auth/me",
        headers={
            "Origin": APP_ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 204, response.text
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "GET" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in response.headers


async def test_cors_answers_a_listed_origin_and_no_other(cors_client: AsyncClient) -> None:
    tokens = await register(cors_client, "cors@example.com")
    listed = await cors_client.get(
        "/api/v1/auth/me", headers={**bearer(tokens["access_token"]), "Origin": "https://admin.example.org"}
    )
    assert listed.status_code == 200
    assert listed.json()["email"] == "cors@example.com"
    assert listed.headers["access-control-allow-origin"] == "https://admin.example.org"
    assert "etag" in listed.headers["access-control-expose-headers"].lower()
    other = await cors_client.get("/api/v1/courses", headers={"Origin": "https://evil.example.com"})
    assert other.status_code == 200
    assert "access-control-allow-origin" not in other.headers
    refused = await cors_client.options(
        "/api/v1/auth/me",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in refused.headers


async def test_cors_is_off_by_default(client: AsyncClient) -> None:
    response = await client.get("/api/v1/courses", headers={"Origin": APP_ORIGIN})
    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("access-control-")]
    preflight = await client.options(
        "/api/v1/courses", headers={"Origin": APP_ORIGIN, "Access-Control-Request-Method": "GET"}
    )
    assert not [name for name in preflight.headers if name.startswith("access-control-")]


def test_cors_origins_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"LMS_CORS_ORIGINS": "https://a.example.org, http://localhost:5173"})
    assert settings.cors_origin_list() == ["https://a.example.org", "http://localhost:5173"]
    assert Settings.from_env({}).cors_origin_list() == []


@pytest.mark.parametrize("origins", ["*", "https://a.example.org/app", "a.example.org", "ftp://a.example.org"])
def test_anything_but_an_origin_is_a_configuration_error(origins: str) -> None:
    with pytest.raises(ConfigurationError, match="LMS_CORS_ORIGINS"):
        Settings(cors_origins=origins).cors_origin_list()
