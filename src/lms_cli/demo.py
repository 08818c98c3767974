"""`lms demo`: a ready-to-try server on SQLite with demo accounts."""

from __future__ import annotations

import os
import secrets
import sys

import click

from lms_adapters.bootstrap import open_lms
from lms_adapters.settings import Settings
from lms_cli.demo_data import DEMO_COURSE, DemoAccount, seed_demo
from lms_cli.output import run_command


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--database-url", default="sqlite+aiosqlite:///./lms-demo.db", show_default=True)
def demo(host: str, port: int, database_url: str) -> None:
    """Migrate a SQLite database, seed demo accounts and serve the API."""
    # The demo is the one place a secret may be invented: it is for trying the engine locally.
    if not os.environ.get("LMS_SECRET_KEY"):
        os.environ["LMS_SECRET_KEY"] = secrets.token_urlsafe(48)
    os.environ["LMS_DATABASE_URL"] = database_url
    os.environ.setdefault("LMS_PUBLIC_BASE_URL", f"http://{host}:{port}")
    settings = Settings.from_env()

    async def action() -> list[DemoAccount]:
        async with open_lms(settings, migrate=True) as lms:
            return await seed_demo(lms)

    accounts = run_command(action)
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
    os.execv(sys.executable, [sys.executable, "-m", "lms_cli", "serve", "--host", host, "--port", str(port)])  # noqa: S606
