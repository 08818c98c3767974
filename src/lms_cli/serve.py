"""`lms serve`: the HTTP API on granian."""

from __future__ import annotations

import click

from lms_adapters.settings import ConfigurationError
from lms_cli.output import config_failure, load_settings

ASGI_TARGET = "lms_http.asgi:app"


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


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the HTTP API (settings from LMS_* variables)."""
    settings = load_settings()
    try:
        settings.require_secret_key()
        settings.require_shared_state_for(workers)
    except ConfigurationError as exc:
        config_failure(exc)
    serve_http(host, port, workers, header_timeout_seconds=settings.http_header_timeout_seconds)
