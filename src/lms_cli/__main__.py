"""`python -m lms_cli` runs the `lms` command."""

from lms_cli.main import cli

cli()
