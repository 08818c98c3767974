"""`lms scheduler`: its help, a malformed schedule refused as a configuration error, and a real process that
starts, lists its schedules and stops on SIGTERM."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from lms_cli.output import EXIT_CONFIG
from tests.support.cli import cli_env, invoke, process_env
from tests.support.waiting import wait_until


def test_scheduler_help_names_the_schedule_settings(tmp_path: Path) -> None:
    code, out, _ = invoke(["scheduler", "--help"], cli_env("sqlite+aiosqlite:///unused.db", tmp_path))
    assert code == 0
    assert "LMS_SCHEDULE_*" in out
    assert "lms worker" in out


def test_a_malformed_cron_setting_is_a_configuration_error(tmp_path: Path) -> None:
    env = cli_env(f"sqlite+aiosqlite:///{tmp_path / 'none.db'}", tmp_path, LMS_SCHEDULE_WEEKLY_PROGRESS="61 8 * * 1")
    code, out, err = invoke(["scheduler"], env)
    assert code == EXIT_CONFIG == 7
    assert out == ""
    assert "error [config.invalid]: LMS_SCHEDULE_WEEKLY_PROGRESS='61 8 * * 1'" in err
    assert not (tmp_path / "none.db").exists()


def test_the_scheduler_process_lists_its_schedules_and_stops_on_sigterm(sqlite_url: str, tmp_path: Path) -> None:
    env = cli_env(sqlite_url, tmp_path, LMS_SCHEDULE_REMINDERS="", LMS_SCHEDULE_PURGE_EXPIRED="30 */2 * * *")
    process = subprocess.Popen(
        [sys.executable, "-m", "lms_cli", "scheduler"],
        env=process_env(env),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        lines.extend(process.stderr)

    # Read stderr as it comes, so that waiting for a line never blocks on a silent process.
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:

        def ready() -> bool:
            assert process.poll() is None, f"lms scheduler exited with {process.returncode}: {''.join(lines)}"
            return any("lms scheduler ready" in line for line in lines)

        wait_until(ready, within=30, what="lms scheduler to be ready")
        process.terminate()
        assert process.stdout is not None
        out = process.stdout.read()
        process.wait(timeout=30)
        reader.join(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, "".join(lines)
    assert out == ""
    assert [line.strip() for line in lines] == [
        "lms scheduler ready: weekly_progress: 0 8 * * 1; grade_pending: * * * * *; purge_expired: 30 */2 * * *; "
        "reconcile_payments: */15 * * * *",
        "lms scheduler stopped",
    ]
