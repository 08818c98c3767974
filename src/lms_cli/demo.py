"""`lms demo`: a ready-to-try server on SQLite with demo accounts."""

from __future__ import annotations

import os
import secrets
import sys
from typing import TYPE_CHECKING

import click

from lms_cli.output import load_settings, run_on_engine
from lms_cli.serve import require_free_port, reuse_port_option

if TYPE_CHECKING:
    from lms_cli.demo_data import DemoAccount
    from lms_core import Lms


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--database-url", default="sqlite+aiosqlite:///./lms-demo.db", show_default=True)
@reuse_port_option
def demo(host: str, port: int, database_url: str, reuse_port: bool) -> None:
    """Migrate a SQLite database, seed demo accounts and serve the API."""
    from lms_cli.demo_data import DEMO_COURSE, seed_demo

    # Before anything is migrated or seeded: a demo that cannot serve should leave nothing behind.
    if not reuse_port:
        require_free_port(host, port)
    # The demo is the one place a secret may be invented: it is for trying the engine locally.
    if not os.environ.get("LMS_SECRET_KEY"):
        os.environ["LMS_SECRET_KEY"] = secrets.token_urlsafe(48)
    os.environ["LMS_DATABASE_URL"] = database_url
    os.environ.setdefault("LMS_PUBLIC_BASE_URL", f"http://{host}:{port}")
    settings = load_settings()

    async def action(lms: Lms) -> list[DemoAccount]:
        return await seed_demo(lms)

    accounts = run_on_engine(action, settings=settings, migrate=True)
    base = f"http://{host}:{port}"
    click.echo("\nLMS demo is starting.")
    click.echo(f"  API:       {base}/api/v1")
    click.echo(f"  API docs:  {base}/schema  (Swagger UI: {base}/schema/swagger)")
    click.echo(f"  Database:  {database_url}")
    click.echo(f"  Mail:      written as .eml files under {settings.mail_dir}")
    click.echo(f"  Course:    '{DEMO_COURSE}' with three enrolled students")
    click.echo("  Accounts:")
    for account in accounts:
        click.echo(f"    {account.role.value:<10} {account.email:<22} password: {account.password}")
    click.echo("")
    sys.stdout.flush()
    # Serve from a fresh process image: nothing the seeding loaded or started stays resident in the server.
    serve_args = ["serve", "--host", host, "--port", str(port), *(["--reuse-port"] if reuse_port else [])]
    os.execv(sys.executable, [sys.executable, "-m", "lms_cli", *serve_args])  # noqa: S606
