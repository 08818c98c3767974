"""Running the `lms` command in-process, with the environment a test database needs."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from lms_cli.main import cli
from tests.conftest import TEST_SECRET


def cli_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The LMS_* variables of a one-shot command on `database_url`; `extra` adds or overrides some."""
    return {
        "LMS_DATABASE_URL": database_url,
        "LMS_SECRET_KEY": TEST_SECRET,
        "LMS_PASSWORD_HASHING": "fast",
        "LMS_OUTBOX_WORKER": "false",
        "LMS_MAIL_DIR": str(tmp_path / "mail"),
        **extra,
    }


def invoke(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `lms ARGS`; exceptions propagate so a crash shows its traceback."""
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr
