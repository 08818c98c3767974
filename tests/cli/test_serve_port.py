"""`lms serve` and `lms demo` refuse a port another server listens on, unless told to share it."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lms_cli.output import EXIT_CONFIG
from tests.e2e.servers import stop, wait_healthy
from tests.support.cli import cli_env, process_env, run_lms


@pytest.fixture(params=["plain", "reuse-port"])
def listener(request: pytest.FixtureRequest) -> Iterator[int]:
    """A socket listening on a loopback port: a plain one, or one that shares its port as granian's do."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if request.param == "reuse-port":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(f"sqlite+aiosqlite:///{tmp_path / 'lms.db'}", tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_port_in_use_stops_the_start_with_a_message(
    command: str, listener: int, env: dict[str, str], tmp_path: Path
) -> None:
    demo_db = tmp_path / "demo.db"
    args = [command, "--port", str(listener)]
    if command == "demo":
        args += ["--database-url", f"sqlite+aiosqlite:///{demo_db}"]
    result = run_lms(args, env, tmp_path)
    assert result.returncode == EXIT_CONFIG, result.stdout + result.stderr
    assert (
        f"error [serve.port_in_use]: port {listener} on 127.0.0.1 is already in use (is another server running?)"
        in result.stderr
    )
    assert "--reuse-port" in result.stderr
    assert not demo_db.exists()  # the demo stops before it migrates or seeds anything


@pytest.mark.slow
def test_reuse_port_shares_the_port_when_asked(env: dict[str, str], tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, "-m", "lms_cli", "serve", "--port", str(port), "--reuse-port"],
            env=process_env(env),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            # Connections the kernel hands to `other` are never answered; the health check retries until
            # one reaches the server, which can only happen if it shares the port.
            wait_healthy(process, port, timeout=60)
        finally:
            stop(process)
