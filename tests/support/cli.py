"""Running the `lms` command in-process or as a real process, with the environment a test database needs,
and the command tree (so that a test covering every command cannot forget a new one)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from click.testing import CliRunner

from lms_cli.main import cli
from tests.conftest import TEST_SECRET

# The commands that run until stopped; every other command is one-shot and must exit when its work is done.
LONG_RUNNING = frozenset({("serve",), ("demo",), ("worker",), ("scheduler",)})


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


def run_lms(
    args: list[str], env: dict[str, str], cwd: Path, *, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`lms ARGS` as a real process (`python -m lms_cli`, what the console script runs), whose only `LMS_*`
    variables are those of `env`; a process still running after `timeout` seconds is killed and fails the
    test with what it printed."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "lms_cli", *args],
            env=process_env(env),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        printed = [part.decode() if isinstance(part, bytes) else part for part in (exc.stdout, exc.stderr) if part]
        raise AssertionError(
            f"`lms {' '.join(args)}` was still running after {timeout} s:\n{''.join(printed)}"
        ) from None


def process_env(env: dict[str, str]) -> dict[str, str]:
    """This process's environment (its PYTHONPATH...) with `env` as the only `LMS_*` variables."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    return {**inherited, **env}


def command_paths(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every runnable command of the tree, as its words after `lms` (`("certificates", "issue")`)."""
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))
        else:
            yield (*prefix, name)


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), name)
        assert found is not None, path
        command = found
    return command


def one_shot_commands() -> list[tuple[str, ...]]:
    return sorted(path for path in command_paths() if path not in LONG_RUNNING)
