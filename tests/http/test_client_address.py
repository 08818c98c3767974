"""Rate limits as settings, the client address behind trusted proxies, and the limit on public verification."""

from __future__ import annotations

from collections.abc import AsyncIterator
from ipaddress import ip_network

import httpx
import pytest

from lms_adapters.settings import ConfigurationError, Settings
from lms_core import Lms
from lms_http import create_app
from lms_http.client_address import ClientAddresses
from tests.conftest import make_settings
from tests.http.helpers import assert_problem
from tests.support.asgi import TEST_CLIENT, asgi_transport

PROXY = TEST_CLIENT[0]  # the socket peer of every test request
LOGIN = "/api/v1/auth/login"
WRONG = {"email": "x@example.com", "password": "not the password"}
VERIFY = "/api/v1/certificates/verify/CERT-20260101-FFFFFFFF"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        auth_sign_in_free_per_address=2,
        auth_ip_limit=4,
        certificate_verify_limit=3,
        trusted_proxies=f"{PROXY}/32",
    )


@pytest.fixture
async def behind_proxy(lms: Lms, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come through a trusted reverse proxy (the socket peer)."""
    app = create_app(lms, settings=settings)
    async with httpx.AsyncClient(transport=asgi_transport(app), base_url="http://testserver") as client:
        yield client


def xff(*hops: str) -> dict[str, str]:
    return {"X-Forwarded-For": ", ".join(hops)}


# -- resolving the address ------------------------------------------------------------------------

RESOLVER = ClientAddresses([ip_network("10.0.0.0/8"), ip_network("2001:db8:ffff::/48")])


@pytest.mark.parametrize(
    ("peer", "forwarded", "x_forwarded_for", "expected"),
    [
        # An untrusted peer is the client, whatever it claims.
        ("198.51.100.7", [], ["203.0.113.1"], "198.51.100.7"),
        ("198.51.100.7", ["for=203.0.113.1"], [], "198.51.100.7"),
        # From a trusted proxy: the right-most hop that is not one of ours.
        ("10.0.0.1", [], ["203.0.113.1"], "203.0.113.1"),
        ("10.0.0.1", [], ["6.6.6.6, 203.0.113.1, 10.0.0.2"], "203.0.113.1"),
        ("10.0.0.1", [], ["6.6.6.6", "203.0.113.1"], "203.0.113.1"),
        ("10.0.0.1", [], ["203.0.113.1:4711"], "203.0.113.1"),
        # RFC 7239 `Forwarded`, preferred when present.
        ("10.0.0.1", ['for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.3'], ["6.6.6.6"], "2001:db8:cafe::17"),
        ("10.0.0.1", ["For=203.0.113.9;by=10.0.0.1"], [], "203.0.113.9"),
        ("2001:db8:ffff::1", [], ["203.0.113.1"], "203.0.113.1"),
        ("::ffff:10.0.0.1", [], ["203.0.113.1"], "203.0.113.1"),
        # Only proxies of ours, or nothing sent: as far as we can see.
        ("10.0.0.1", [], ["10.0.0.9, 10.0.0.2"], "10.0.0.9"),
        ("10.0.0.1", [], [], "10.0.0.1"),
        # A proxy that hides the client: one shared, bounded bucket.
        ("10.0.0.1", ["for=unknown"], [], "unknown"),
        (None, [], ["203.0.113.1"], None),
    ],
)
def test_the_client_address(peer: str | None, forwarded: list[str], x_forwarded_for: list[str], expected: str) -> None:
    assert RESOLVER.resolve(peer, forwarded, x_forwarded_for) == expected


def test_without_trusted_proxies_the_headers_are_never_read() -> None:
    assert ClientAddresses().resolve("10.0.0.1", ["for=203.0.113.9"], ["203.0.113.1"]) == "10.0.0.1"


def test_trusted_proxies_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"LMS_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.10 ,2001:db8::/32"})
    assert settings.trusted_proxy_networks() == [
        ip_network("10.0.0.0/8"),
        ip_network("192.0.2.10/32"),
        ip_network("2001:db8::/32"),
    ]
    assert Settings.from_env({}).trusted_proxy_networks() == []
    with pytest.raises(ConfigurationError, match=r"'proxy\.local'"):
        Settings.from_env({"LMS_TRUSTED_PROXIES": "10.0.0.1,proxy.local"}).trusted_proxy_networks()


def test_rate_limits_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "LMS_AUTH_IP_LIMIT": "7",
            "LMS_AUTH_SIGN_IN_FREE_PER_ADDRESS": "3",
            "LMS_AUTH_SIGN_IN_MAX_DELAY_SECONDS": "60",
            "LMS_CERTIFICATE_VERIFY_LIMIT": "9",
            "LMS_CERTIFICATE_VERIFY_WINDOW_SECONDS": "30",
        }
    )
    assert (settings.auth_ip_limit, settings.auth_sign_in_free_per_address) == (7, 3)
    assert settings.auth_sign_in_max_delay_seconds == 60
    assert (settings.certificate_verify_limit, settings.certificate_verify_window_seconds) == (9, 30)
    with pytest.raises(ConfigurationError):
        Settings.from_env({"LMS_AUTH_IP_LIMIT": "0"})


# -- over HTTP ------------------------------------------------------------------------------------


async def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(client: httpx.AsyncClient) -> None:
    # The default app trusts no proxy: each request claims another address, all share the peer's count.
    answers = [await client.post(LOGIN, json=WRONG, headers=xff(f"203.0.113.{i}")) for i in range(3)]
    assert_problem(answers[0], 401, "auth.invalid_credentials")
    assert_problem(answers[1], 401, "auth.invalid_credentials")
    assert_problem(answers[2], 429, "auth.rate_limited")
    assert answers[2].headers["retry-after"] == "1"


async def test_the_forwarded_address_is_honoured_from_a_trusted_proxy(behind_proxy: httpx.AsyncClient) -> None:
    for _ in range(2):
        assert_problem(
            await behind_proxy.post(LOGIN, json=WRONG, headers=xff("203.0.113.1")), 401, "auth.invalid_credentials"
        )
    assert_problem(await behind_proxy.post(LOGIN, json=WRONG, headers=xff("203.0.113.1")), 429, "auth.rate_limited")
    # Another client behind the same proxy has its own count...
    assert_problem(
        await behind_proxy.post(LOGIN, json=WRONG, headers=xff("203.0.113.2")), 401, "auth.invalid_credentials"
    )
    # ...and the throttled client cannot escape by prepending an address of its choice: the proxy appends
    # the real one, and that is the right-most untrusted hop.
    spoofed = await behind_proxy.post(LOGIN, json=WRONG, headers=xff("198.51.100.50", "203.0.113.1"))
    assert_problem(spoofed, 429, "auth.rate_limited")


async def test_the_per_address_request_limit_comes_from_the_settings(behind_proxy: httpx.AsyncClient) -> None:
    forgot = "/api/v1/auth/forgot-password"
    for i in range(4):
        response = await behind_proxy.post(forgot, json={"email": f"u{i}@example.com"}, headers=xff("203.0.113.7"))
        assert response.status_code == 202
    limited = await behind_proxy.post(forgot, json={"email": "u9@example.com"}, headers=xff("203.0.113.7"))
    body = assert_problem(limited, 429, "auth.rate_limited")
    assert 0 < int(limited.headers["retry-after"]) <= 60
    assert body["details"]["retry_after_seconds"] == int(limited.headers["retry-after"])
    other = await behind_proxy.post(forgot, json={"email": "u9@example.com"}, headers=xff("203.0.113.8"))
    assert other.status_code == 202


async def test_public_certificate_verification_is_limited_per_client(behind_proxy: httpx.AsyncClient) -> None:
    for _ in range(3):
        assert_problem(await behind_proxy.get(VERIFY, headers=xff("203.0.113.1")), 404, "certificates.not_found")
    limited = await behind_proxy.get(VERIFY, headers=xff("203.0.113.1"))
    body = assert_problem(limited, 429, "certificates.rate_limited")
    assert 0 < int(limited.headers["retry-after"]) <= 60
    assert body["details"] == {"retry_after_seconds": int(limited.headers["retry-after"])}
    assert_problem(await behind_proxy.get(VERIFY, headers=xff("203.0.113.2")), 404, "certificates.not_found")


async def test_the_verify_route_declares_its_429(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    responses = paths["/api/v1/certificates/verify/{certificate_number}"]["get"]["responses"]
    assert "429" in responses
    assert "application/problem+json" in responses["429"]["content"]
