"""`lms certificates issue|verify|revoke`: batches on a process pool, JSON output, exit codes, interrupts."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from lms_adapters.bootstrap import open_lms
from lms_adapters.settings import Settings
from lms_cli.output import EXIT_INVALID, EXIT_NOT_FOUND, EXIT_REVOKED
from tests.e2e.servers import LMS
from tests.support.certificates import completed, stored_pdfs
from tests.support.cli import cli_env, invoke
from tests.support.learning import classroom
from tests.support.waiting import wait_until


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(
        f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        tmp_path,
        LMS_STORAGE_URL=f"file://{tmp_path / 'storage'}",
        LMS_CERTIFICATE_RENDERER="reportlab",
        LMS_PUBLIC_BASE_URL="https://lms.example.test",
    )


def seed(env: dict[str, str], rooms: dict[str, list[str]]) -> dict[str, str]:
    """Courses (title -> student names) whose students all completed them, without certificates yet
    (the outbox is not delivered); returns course ids by title."""

    async def body() -> dict[str, str]:
        ids: dict[str, str] = {}
        async with open_lms(Settings.from_env(env), migrate=True) as lms:
            for title, names in rooms.items():
                room = await classroom(lms, title=title, required=1)
                ids[title] = str(room.course.id)
                for number, name in enumerate(names):
                    await completed(lms, name=name, email=f"{title.lower()}-{number}@example.com", room=room)
        return ids

    return asyncio.run(body())


def certificate_rows(env: dict[str, str]) -> list[tuple[str, str]]:
    path = env["LMS_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as connection:
        return list(connection.execute("SELECT certificate_number, pdf_path FROM certificates"))


def test_issue_on_a_process_pool_then_again_with_nothing_left(env: dict[str, str], tmp_path: Path) -> None:
    ids = seed(env, {"Looms": [f"Weaver {n}" for n in range(5)], "Other": ["Someone Else"]})
    code, out, err = invoke(["certificates", "issue", "--course", ids["Looms"], "--workers", "2", "--json"], env)
    assert code == 0, err
    report = json.loads(out)  # stdout holds the JSON summary and nothing else
    assert report["summary"] == {"issued": 5, "already_issued": 0, "failed": []}
    assert (report["workers"], report["renderer"]) == (2, "reportlab")
    assert report["certificates_per_second"] > 0
    rows = certificate_rows(env)
    assert len(rows) == 5 and len(stored_pdfs(tmp_path / "storage")) == 5
    assert all((tmp_path / "storage" / path).is_file() for _, path in rows)

    code, out, _ = invoke(["certificates", "issue", "--course", ids["Looms"], "--json"], env)
    assert code == 0 and json.loads(out)["summary"] == {"issued": 0, "already_issued": 5, "failed": []}
    code, out, _ = invoke(["certificates", "issue", "--all", "--workers", "1"], env)
    assert code == 0 and out.startswith("issued 1 certificate(s), 5 already issued, 0 failed")
    assert len(certificate_rows(env)) == 6
    code, out, _ = invoke(["certificates", "issue", "--all", "--workers", "1"], env)
    assert code == 0 and out.startswith("issued 0 certificate(s), 6 already issued, 0 failed")
    code, out, _ = invoke(["certificates", "issue", "--course", ids["Other"], "--workers", "1"], env)
    assert code == 0 and out.startswith("issued 0 certificate(s), 1 already issued, 0 failed")


def test_issuing_for_an_unknown_course_is_not_found(env: dict[str, str]) -> None:
    seed(env, {"Looms": ["Ada Lovelace"]})
    unknown = "00000000-0000-7000-8000-000000000000"
    code, out, err = invoke(["certificates", "issue", "--course", unknown, "--workers", "1"], env)
    assert (code, out) == (EXIT_NOT_FOUND, "")
    assert err.startswith("error [courses.not_found]: ")
    code, out, _ = invoke(["certificates", "issue", "--course", unknown, "--json"], env)
    assert code == EXIT_NOT_FOUND and json.loads(out)["error"]["code"] == "courses.not_found"
    assert certificate_rows(env) == []


def test_unrenderable_names_are_reported_and_give_a_failing_exit_code(env: dict[str, str]) -> None:
    seed(env, {"Mixed": ["Łukasz Żółć", "अमित शर्मा"]})  # Devanagari: no certificate font has it
    code, out, err = invoke(["certificates", "issue", "--all", "--workers", "1", "--json"], env)
    assert code == EXIT_INVALID
    summary = json.loads(out)["summary"]
    assert summary["issued"] == 1 and [f["code"] for f in summary["failed"]] == ["certificates.unrenderable_name"]
    failure = summary["failed"][0]
    assert (failure["student_name"], failure["student_email"]) == ("अमित शर्मा", "mixed-1@example.com")
    assert f"not issued: अमित शर्मा <mixed-1@example.com> (enrolment {failure['enrollment_id']}): " in err


def test_issue_needs_a_course_or_all(env: dict[str, str]) -> None:
    code, _, err = invoke(["certificates", "issue"], env)
    assert code == 2 and "--course ID or --all" in err


def test_verify_and_revoke_by_number(env: dict[str, str]) -> None:
    seed(env, {"Looms": ["Ada Lovelace"]})
    assert invoke(["certificates", "issue", "--all", "--workers", "1"], env)[0] == 0
    [(number, _)] = certificate_rows(env)
    code, out, _ = invoke(["certificates", "verify", number, "--json"], env)
    assert code == 0
    assert json.loads(out)["valid"] is True and json.loads(out)["student_name"] == "Ada Lovelace"
    code, out, _ = invoke(["certificates", "verify", number], env)
    assert f"{number}: valid" in out
    code, out, _ = invoke(["certificates", "revoke", number, "--reason", "plagiarism", "--json"], env)
    assert code == 0 and json.loads(out)["is_revoked"] is True
    code, out, _ = invoke(["certificates", "verify", number], env)
    assert code == EXIT_REVOKED  # scripts see a revoked certificate without parsing the text
    assert out.startswith(f"{number}: REVOKED on ") and "Ada Lovelace, Looms" in out
    code, out, _ = invoke(["certificates", "verify", number, "--json"], env)
    assert code == EXIT_REVOKED
    assert (json.loads(out)["valid"], json.loads(out)["is_revoked"], json.loads(out)["student_name"]) == (
        False, True, "Ada Lovelace",
    )  # fmt: skip
    code, out, _ = invoke(["certificates", "verify", "CERT-20260101-FFFFFFFF", "--json"], env)
    assert code == EXIT_NOT_FOUND and json.loads(out)["error"]["code"] == "certificates.not_found"
    code, _, _ = invoke(["certificates", "revoke", number, "--reason", " "], env)
    assert code == EXIT_INVALID


@pytest.mark.slow
def test_an_interrupted_batch_leaves_no_half_issued_certificate(env: dict[str, str], tmp_path: Path) -> None:
    seed(env, {"Many": [f"Learner {n}" for n in range(80)]})
    storage = tmp_path / "storage"
    process = subprocess.Popen(
        [LMS, "certificates", "issue", "--all", "--workers", "2"],
        env={**os.environ, **env, "LMS_CERTIFICATE_RENDERER": "borb"},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # SIGINT to the whole group, as Ctrl-C in a terminal does
    )
    # Waiting on the first stored PDF (not on a fixed time, nor on a count a loaded machine may overshoot),
    # then freezing the whole group at once: the batch is caught mid-way however slow or fast it runs.
    wait_until(
        lambda: bool(stored_pdfs(storage)) or process.poll() is not None,
        within=180,
        what="the batch to store its first certificate",
    )
    os.killpg(process.pid, signal.SIGSTOP)
    assert process.poll() is None, "the batch ended before it could be interrupted"
    frozen_at = len(stored_pdfs(storage))
    os.killpg(process.pid, signal.SIGINT)
    os.killpg(process.pid, signal.SIGCONT)
    process.communicate(timeout=180)
    rows = certificate_rows(env)
    assert frozen_at < 80
    assert len(rows) < 80, f"interrupted with {frozen_at} stored, yet the batch ran to its end"
    assert all((storage / path).is_file() for _, path in rows)  # every row has its PDF

    code, out, err = invoke(["certificates", "issue", "--all", "--workers", "2", "--json"], env)
    assert code == 0, err
    assert json.loads(out)["summary"]["issued"] == 80 - len(rows)
    rows = certificate_rows(env)
    assert len(rows) == 80 and all((storage / path).is_file() for _, path in rows)
