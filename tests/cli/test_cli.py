"""The `lms` command: migrations, admin creation, JSON output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from lms_adapters.persistence.migrate import alembic_config
from lms_cli.output import EXIT_CONFIG, EXIT_CONFLICT, EXIT_INVALID
from tests.support.cli import cli_env, invoke, run_lms


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", tmp_path)


def test_db_upgrade_then_current(env: dict[str, str], tmp_path: Path) -> None:
    code, out, _ = invoke(["db", "current", "--json"], env)
    assert code == EXIT_CONFIG and json.loads(out)["error"]["code"] == "database.missing"
    assert not (tmp_path / "cli.db").exists()
    code, out, _ = invoke(["db", "upgrade"], env)
    assert code == 0, out
    code, out, _ = invoke(["db", "current", "--json"], env)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert json.loads(out) == {"revision": head}


def test_current_on_an_empty_database_file_says_so(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "cli.db").touch()  # an existing file: SQLite opens it as an empty database
    code, out, _ = invoke(["db", "current"], env)
    assert (code, out) == (0, "revision: none (empty database)\n")


def test_the_default_database_is_not_created_by_a_read_only_command(tmp_path: Path) -> None:
    env = {key: value for key, value in cli_env("", tmp_path).items() if key != "LMS_DATABASE_URL"}
    result = run_lms(["db", "current"], env, tmp_path)  # LMS_DATABASE_URL unset: ./lms.db
    assert result.returncode == EXIT_CONFIG
    assert "error [database.missing]: the database lms.db does not exist" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "lms.db").exists()


def test_create_admin_json_and_exit_codes(env: dict[str, str]) -> None:
    assert invoke(["db", "upgrade"], env)[0] == 0
    args = [
        "users",
        "create-admin",
        "--email",
        "Root@Example.com",
        "--full-name",
        "Root",
        "--password",
        "a long admin phrase",
    ]
    code, out, _ = invoke([*args, "--json"], env)
    assert code == 0
    view = json.loads(out)
    assert view["email"] == "root@example.com"
    assert view["role"] == "admin"
    assert "password_hash" not in view

    code, out, _ = invoke([*args, "--json"], env)
    assert code == EXIT_CONFLICT
    assert json.loads(out)["error"]["code"] == "users.email_taken"

    code, _, err = invoke(
        ["users", "create-admin", "--email", "w@example.com", "--full-name", "W", "--password", "short"], env
    )
    assert code == EXIT_INVALID
    assert "users.weak_password" in err


def test_missing_secret_key_is_a_clear_error(env: dict[str, str]) -> None:
    env = {**env, "LMS_SECRET_KEY": ""}
    code, _, err = invoke(
        ["users", "create-admin", "--email", "x@example.com", "--full-name", "X", "--password", "a long admin phrase"],
        env,
    )
    assert code == EXIT_CONFIG
    assert "LMS_SECRET_KEY is not set" in err
    code, _, err = invoke(["serve", "--port", "8999"], env)
    assert code == EXIT_CONFIG
    assert "LMS_SECRET_KEY" in err


def test_commands_built_by_the_cli_are_validated_like_http_bodies(env: dict[str, str]) -> None:
    assert invoke(["db", "upgrade"], env)[0] == 0
    code, _, err = invoke(
        ["users", "create-admin", "--email", "not-an-email", "--full-name", "X", "--password", "a long admin phrase"],
        env,
    )
    assert code == EXIT_INVALID
    assert "request.validation_failed" in err


def test_several_workers_need_redis(env: dict[str, str]) -> None:
    code, _, err = invoke(["serve", "--workers", "2"], {**env, "LMS_REDIS_URL": ""})
    assert code == EXIT_CONFIG
    assert "LMS_REDIS_URL" in err


def test_a_bad_setting_is_a_configuration_error(env: dict[str, str]) -> None:
    code, _, err = invoke(["db", "upgrade"], {**env, "LMS_OUTBOX_POLL_SECONDS": "soon"})
    assert code == EXIT_CONFIG
    assert "config.invalid" in err
