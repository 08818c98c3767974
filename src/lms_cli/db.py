"""`lms db`: schema migrations."""

from __future__ import annotations

import click

from lms_cli.output import emit, load_settings, require_database, run_command


@click.group("db")
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Migrate the database at LMS_DATABASE_URL to the latest schema (a SQLite file is created if missing)."""
    from lms_adapters.persistence.migrate import current_revision, upgrade_database

    settings = load_settings()

    async def action() -> str | None:
        await upgrade_database(settings.database_url, revision)
        return await current_revision(settings.database_url)

    reached = run_command(action)
    click.echo(f"database is at revision {reached}")


@db.command("current")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def current(as_json: bool) -> None:
    """Show the database's schema revision."""
    from lms_adapters.persistence.migrate import current_revision

    settings = load_settings(as_json=as_json)
    require_database(settings, as_json=as_json)
    revision = run_command(lambda: current_revision(settings.database_url), as_json=as_json)
    emit({"revision": revision}, as_json=as_json, text=f"revision: {revision or 'none (empty database)'}")
