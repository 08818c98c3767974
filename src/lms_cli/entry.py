"""The `lms` console script. It runs on the base install too, where the CLI's dependencies may be
missing: this module imports only the standard library until it knows they are there, so that a
missing extra is a one-line answer instead of a `ModuleNotFoundError` traceback."""

from __future__ import annotations

import sys
from importlib.util import find_spec

# What the `cli` extra installs (click and rich, and through the `http` extra litestar and granian),
# by the name each is imported under.
CLI_MODULES = ("click", "rich", "litestar", "granian")
INSTALL_HINT = "pip install 'lms-engine[cli]'"


def missing_cli_modules() -> list[str]:
    """The modules of the `cli` extra that cannot be imported."""
    missing = []
    for name in CLI_MODULES:
        try:
            found = find_spec(name) is not None
        except (ImportError, ValueError):  # a module blocked in sys.modules, or a broken install
            found = False
        if not found:
            missing.append(name)
    return missing


def main() -> None:
    """Run `lms`, or say which extra to install (exit code 1)."""
    missing = missing_cli_modules()
    if missing:
        sys.stderr.write(
            f"lms: the command line needs the 'cli' extra, which is not installed (missing: {', '.join(missing)}).\n"
            f"Install it with: {INSTALL_HINT}\n"
        )
        sys.exit(1)
    from lms_cli.main import cli

    cli()
