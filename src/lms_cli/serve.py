"""`lms serve`: the HTTP API on granian."""

from __future__ import annotations

import errno
import socket

import click

from lms_adapters.settings import ConfigurationError
from lms_cli.output import EXIT_CONFIG, config_failure, fail, load_settings

ASGI_TARGET = "lms_http.asgi:app"

reuse_port_option = click.option(
    "--reuse-port",
    is_flag=True,
    help="Share the port with servers already listening on it (SO_REUSEPORT); by default a port in use stops "
    "the start.",
)


def serve_http(host: str, port: int, workers: int, *, header_timeout_seconds: float = 10.0) -> None:
    """Serve the API. Granian was measured faster than uvicorn (with uvloop and httptools) on this
    workload; see docs/cli.md.

    Granian bounds the wait for a request's headers (`header_timeout_seconds`); it has no timeout for the
    body, which the app enforces itself (`lms_http.body_timeout`, LMS_HTTP_BODY_TIMEOUT_SECONDS)."""
    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    Granian(
        ASGI_TARGET,
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.ASGI,
        factory=True,
        log_access=False,
        respawn_failed_workers=True,
        http1_settings=HTTP1Settings(header_read_timeout=max(1, round(header_timeout_seconds * 1000))),
    ).serve()


def require_free_port(host: str, port: int) -> None:
    """Stop (exit 7) when another process listens on host:port.

    Granian binds with SO_REUSEPORT, so a second server on a port in use would start without a word and
    take a share of the first one's connections. Binding the port once ourselves, without SO_REUSEPORT,
    tells whether anyone holds it. SO_REUSEADDR keeps a restart from being refused for the connections of
    the previous run still in TIME_WAIT; Linux still refuses it while a socket listens on the port.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        fail("serve.bad_host", f"cannot resolve --host {host}: {exc.strerror}", EXIT_CONFIG, as_json=False)
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(
                    "serve.port_in_use",
                    f"port {port} on {host} is already in use (is another server running?); stop it, choose "
                    "another --port, or pass --reuse-port to share the port with it",
                    EXIT_CONFIG,
                    as_json=False,
                )
            fail("serve.cannot_bind", f"cannot listen on {host}:{port}: {exc.strerror}", EXIT_CONFIG, as_json=False)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@reuse_port_option
def serve(host: str, port: int, workers: int, reuse_port: bool) -> None:
    """Serve the HTTP API (settings from LMS_* variables)."""
    settings = load_settings()
    try:
        settings.require_secret_key()
        settings.require_shared_state_for(workers)
    except ConfigurationError as exc:
        config_failure(exc)
    if not reuse_port:
        require_free_port(host, port)
    serve_http(host, port, workers, header_timeout_seconds=settings.http_header_timeout_seconds)
