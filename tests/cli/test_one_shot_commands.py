"""Every one-shot command, run as a real process with the outbox worker setting on (the default), exits
when its work is done, with its exit code and output; and none of them creates a database.

The commands are read from the click tree: a new command fails these tests until it has a case here
(or, if it runs until stopped, an entry in `tests.support.cli.LONG_RUNNING`)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from alembic.script import ScriptDirectory

from lms_adapters.bootstrap import open_lms
from lms_adapters.persistence.migrate import alembic_config
from lms_adapters.settings import Settings
from lms_cli.output import EXIT_CONFIG
from lms_core import Actor
from tests.support.attempts import MIXED_ANSWERS, outbox_counts, question_id, quiz_room, sheet
from tests.support.certificates import completed
from tests.support.cli import cli_env, invoke, one_shot_commands, run_lms
from tests.support.learning import classroom
from tests.support.quizzes import MIXED_QUESTIONS

ESSAY = "Why do you want to learn Python?"


@dataclass(frozen=True)
class World:
    course_id: UUID
    certificate_number: str
    quiz_id: UUID
    grades_file: Path


@dataclass(frozen=True)
class Case:
    args: list[str]
    exit_code: int
    stdout_has: str


def cases(world: World) -> dict[tuple[str, ...], Case]:
    """What each one-shot command is run with, in this order, and what it must answer."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    quiz = str(world.quiz_id)
    return {
        ("db", "current"): Case(["db", "current", "--json"], 0, json.dumps({"revision": head}).replace(" ", "")),
        ("db", "upgrade"): Case(["db", "upgrade"], 0, f"database is at revision {head}"),
        ("users", "create-admin"): Case(
            [
                "users",
                "create-admin",
                "--email",
                "root@example.com",
                "--full-name",
                "Root",
                "--password",
                "a long admin phrase",
            ],
            0,
            "created admin root@example.com",
        ),
        ("certificates", "issue"): Case(
            ["certificates", "issue", "--course", str(world.course_id), "--workers", "1"],
            0,
            "issued 1 certificate(s), 1 already issued, 0 failed",
        ),
        ("certificates", "verify"): Case(
            ["certificates", "verify", world.certificate_number], 0, f"{world.certificate_number}: valid"
        ),
        ("certificates", "revoke"): Case(
            ["certificates", "revoke", world.certificate_number, "--reason", "issued by mistake"],
            0,
            f"revoked {world.certificate_number} (Ada Lovelace, Looms)",
        ),
        ("grade", "pending"): Case(["grade", "pending", "--json"], 0, '"overdue_closed":0'),
        ("grade", "export"): Case(["grade", "export", "--quiz", quiz, "--pending"], 0, "learner@example.com"),
        ("grade", "import"): Case(
            ["grade", "import", "--quiz", quiz, str(world.grades_file), "--json"], 0, '"grades_applied":1'
        ),
        ("grade", "regrade"): Case(["grade", "regrade", "--quiz", quiz, "--json"], 0, '"attempts_regraded":1'),
        ("emails", "weekly-progress"): Case(["emails", "weekly-progress", "--json"], 0, '"job":"weekly-progress"'),
        ("emails", "send-reminders"): Case(
            ["emails", "send-reminders", "--inactive-days", "30", "--json"], 0, '"job":"send-reminders"'
        ),
        ("payments", "reconcile"): Case(["payments", "reconcile", "--json"], 0, '"checked":0'),
        ("tasks", "failed"): Case(["tasks", "failed", "--json"], 0, '"total":0'),
        ("tasks", "retry"): Case(["tasks", "retry", "--all", "--json"], 0, '"requeued":0'),
    }


def build_world(env: dict[str, str], tmp_path: Path) -> World:
    """A course whose two learners completed it, one with a certificate; a quiz with a submitted attempt
    whose essay waits for a person; and a grades file that grades it. Its outbox is not delivered."""

    async def body() -> World:
        async with open_lms(Settings.from_env(env), migrate=True) as lms:
            room = await classroom(lms, title="Looms", required=1)
            ada = await completed(lms, name="Ada Lovelace", email="ada@example.com", room=room)
            await completed(lms, name="Grace Hopper", email="grace@example.com", room=room)
            certificate = await lms.certificates.generate(Actor.system(), ada.enrollment.id)
            quizzes = await quiz_room(lms, MIXED_QUESTIONS, title="Quiz Course")
            attempt = await lms.quizzes.start_attempt(quizzes.learner, quizzes.quiz_id)
            await lms.quizzes.submit_attempt(
                quizzes.learner, quizzes.quiz_id, attempt.id, sheet(attempt, MIXED_ANSWERS)
            )
            grades = tmp_path / "essays.csv"
            grades.write_text(f"attempt_id,question_id,points\n{attempt.id},{question_id(attempt, ESSAY)},1\n")
            return World(
                course_id=room.course.id,
                certificate_number=certificate.certificate.certificate_number,
                quiz_id=quizzes.quiz_id,
                grades_file=grades,
            )

    return asyncio.run(body())


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(
        f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        tmp_path,
        LMS_STORAGE_URL=f"file://{tmp_path / 'storage'}",
        LMS_CERTIFICATE_RENDERER="reportlab",
    )


def test_every_one_shot_command_has_a_case() -> None:
    placeholder = World(course_id=uuid4(), certificate_number="", quiz_id=uuid4(), grades_file=Path())
    assert sorted(cases(placeholder)) == one_shot_commands(), (
        "each one-shot command needs a case here; a command that runs until stopped goes in LONG_RUNNING"
    )


@pytest.mark.slow
def test_every_one_shot_command_exits_when_its_work_is_done(env: dict[str, str], tmp_path: Path) -> None:
    world = build_world(env, tmp_path)
    seeded_outbox = asyncio.run(outbox_counts(env["LMS_DATABASE_URL"]))
    assert seeded_outbox["enrollments.completed"] == 2  # older events: no one-shot command delivers them
    # The default (a background outbox worker) is what left `certificates revoke` running forever.
    process_env = {**env, "LMS_OUTBOX_WORKER": "true"}
    wrong: list[str] = []  # every command is run and judged, so one report names every one that fails
    for path, case in cases(world).items():
        try:
            result = run_lms(case.args, process_env, tmp_path)
        except AssertionError as still_running:
            wrong.append(str(still_running))
            continue
        if result.returncode != case.exit_code or case.stdout_has not in result.stdout:
            wrong.append(f"lms {' '.join(path)}: exit {result.returncode}\n{result.stdout}{result.stderr}")
    assert not wrong, "\n\n".join(wrong)
    # What the commands recorded was delivered before they exited (events without a handler are dropped
    # then); what was there before them is left, undelivered, for the servers' workers.
    assert asyncio.run(outbox_counts(env["LMS_DATABASE_URL"])) == seeded_outbox


def test_no_command_but_db_upgrade_creates_a_missing_sqlite_database(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    env = cli_env(f"sqlite+aiosqlite:///{missing}", tmp_path)
    grades = tmp_path / "grades.csv"
    grades.write_text("attempt_id,question_id,points\n")
    world = World(course_id=uuid4(), certificate_number="CERT-20260101-ABCDEF12", quiz_id=uuid4(), grades_file=grades)
    for path, case in cases(world).items():
        if path == ("db", "upgrade"):
            continue
        code, out, err = invoke(case.args, env)
        assert code == EXIT_CONFIG, (path, out, err)
        message = json.loads(out)["error"]["message"] if "--json" in case.args else err
        assert f"the database {missing} does not exist" in message, (path, out, err)
        assert not missing.exists(), path
    assert invoke(["db", "upgrade"], env)[0] == 0
    assert missing.is_file()
    assert Counter(path.name for path in tmp_path.iterdir()) == Counter(
        {"nowhere.db": 1, "grades.csv": 1} | {p.name: 1 for p in tmp_path.glob("nowhere.db-*")}
    )
