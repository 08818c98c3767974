"""`lms db`: schema migrations."""

from __future__ import annotations

import click

from lms_adapters.persistence.migrate import current_revision, upgrade_database
from lms_adapters.settings import Settings
from lms_cli.output import emit, run_command


@click.group("db")
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Migrate the database at LMS_DATABASE_URL to the latest schema."""
    settings = Settings.from_env()

    async def action() -> None:
        await upgrade_database(settings.database_url, revision)

    run_command(action)
    click.echo(f"database is at revision {revision}")


@db.command("current")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def current(as_json: bool) -> None:
    """Show the database's schema revision."""
    settings = Settings.from_env()
    revision = run_command(lambda: current_revision(settings.database_url), as_json=as_json)
    emit({"revision": revision}, as_json=as_json, text=f"revision: {revision or 'none (empty database)'}")
