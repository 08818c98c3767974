"""The `lms` command.

Starting it must stay cheap (`lms --help` and argument errors answer at once): the command modules
import the engine (SQLAlchemy, the composition root, the web stack, rich) inside their command
functions, never at module level. tests/cli/test_cli_startup.py holds them to it."""

from __future__ import annotations

import logging

import click

from lms_cli.certificates import certificates
from lms_cli.db import db
from lms_cli.demo import demo
from lms_cli.emails import emails
from lms_cli.grade import grade
from lms_cli.payments import payments
from lms_cli.scheduler import scheduler
from lms_cli.serve import serve
from lms_cli.tasks import tasks
from lms_cli.users import users
from lms_cli.worker import worker


@click.group()
@click.version_option(package_name="lms-engine")
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def cli(verbose: bool) -> None:
    """Operate an LMS engine: serve the API, migrate, administer."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING)


cli.add_command(serve)
cli.add_command(demo)
cli.add_command(db)
cli.add_command(users)
cli.add_command(certificates)
cli.add_command(grade)
cli.add_command(emails)
cli.add_command(payments)
cli.add_command(worker)
cli.add_command(tasks)
cli.add_command(scheduler)
