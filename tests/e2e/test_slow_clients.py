"""A real `lms serve` process drops clients that stall while sending a request (LMS_HTTP_*_TIMEOUT_SECONDS)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.e2e.servers import free_port, start, stop, wait_healthy

pytestmark = pytest.mark.slow

TIMEOUT_SECONDS = 1.0
# The server must act within its timeout plus this; a client that waits longer has shown the bug.
SLACK_SECONDS = 5.0


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    workdir = tmp_path_factory.mktemp("slow-clients")
    port = free_port()
    env = {
        "LMS_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'slow.db'}",
        "LMS_SECRET_KEY": TEST_SECRET,
        "LMS_PASSWORD_HASHING": "fast",
        "LMS_STORAGE_URL": f"file://{workdir / 'storage'}",
        "LMS_MAIL_DIR": str(workdir / "mail"),
        "LMS_HTTP_BODY_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
        "LMS_HTTP_HEADER_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
    }
    assert start(["db", "upgrade"], env, workdir).wait(timeout=60) == 0
    server = start(["serve", "--port", str(port)], env, workdir)
    try:
        wait_healthy(server, port)
        yield port
    finally:
        code, output = stop(server)
    assert code == 0, output
    assert "Traceback" not in output


def read_until_closed(sock: socket.socket, deadline: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when it closed it; fails at the
    deadline. A reset is a close too (the server may drop a connection whose request it did not read)."""
    received = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"the server still held the connection at the deadline; got {received!r}")
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            return received, time.monotonic()
        received += chunk


def test_a_stalled_body_gets_408_and_the_connection_is_closed(port: int) -> None:
    body_start = b'{"email": "slow'
    head = (
        f"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(head + body_start)
        received, closed_at = read_until_closed(sock, started + TIMEOUT_SECONDS + SLACK_SECONDS)
    status_line, _, rest = received.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 408 Request Timeout", received
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in headers.lower()
    assert b"connection: close" in headers.lower()
    problem = json.loads(body)
    assert problem["status"] == 408
    assert problem["code"] == "request.http_408"
    assert closed_at - started >= TIMEOUT_SECONDS * 0.9


def test_stalled_headers_close_the_connection(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
        received, _ = read_until_closed(sock, started + TIMEOUT_SECONDS + SLACK_SECONDS)
    assert b"200 OK" not in received


def test_a_body_that_arrives_in_pieces_within_the_timeout_is_served(port: int) -> None:
    payload = json.dumps({"email": "nobody@example.com", "password": "not the password"}).encode()
    head = (
        f"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head + payload[:10])
        # Well inside the timeout: the pause a live but slow link makes between two packets.
        time.sleep(TIMEOUT_SECONDS / 4)
        sock.sendall(payload[10:])
        received, _ = read_until_closed(sock, time.monotonic() + SLACK_SECONDS)
    assert received.startswith(b"HTTP/1.1 401 "), received
    assert b'"code":"auth.invalid_credentials"' in received
    assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
