"""`lms serve`: the HTTP API on granian."""

from __future__ import annotations

import click

from lms_adapters.settings import ConfigurationError
from lms_cli.output import config_failure, load_settings

ASGI_TARGET = "lms_http.asgi:app"


def serve_http(host: str, port: int, workers: int) -> None:
    """Serve the API. Granian was measured faster than uvicorn (with uvloop and httptools) on this
    workload; see docs/cli.md."""
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        ASGI_TARGET,
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.ASGI,
        factory=True,
        log_access=False,
        respawn_failed_workers=True,
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
    serve_http(host, port, workers)
