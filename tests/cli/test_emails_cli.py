"""`lms emails weekly-progress|send-reminders`: dry runs, JSON reports, runs that send once, mail on disk."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from lms_adapters.bootstrap import open_lms
from lms_adapters.settings import Settings
from lms_core.enrollments.commands import EnrollInCourse
from lms_core.shared.clock import FixedClock
from tests.support.cli import cli_env, invoke
from tests.support.flows import actor_of, register
from tests.support.learning import classroom

LEARNERS = ["ada@example.com", "grace@example.com"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(
        f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", tmp_path, LMS_PUBLIC_BASE_URL="https://lms.example.test"
    )


def seed(env: dict[str, str], *, days_ago: int) -> None:
    """Two learners enrolled in one course `days_ago` days ago, their welcome e-mails already delivered."""

    async def body() -> None:
        clock = FixedClock(datetime.now(UTC) - timedelta(days=days_ago))
        async with open_lms(Settings.from_env(env), clock=clock, migrate=True) as lms:
            room = await classroom(lms, title="Looms", required=2)
            for address in LEARNERS:
                learner = actor_of(await register(lms, address, name=address.split("@")[0].title()))
                await lms.enrollments.enroll(learner, EnrollInCourse(course_id=room.course.id))
            await lms.outbox.drain()

    asyncio.run(body())


def mailed(tmp_path: Path, subject_prefix: str) -> list[EmailMessage]:
    found: list[EmailMessage] = []
    for path in sorted((tmp_path / "mail").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if str(message["Subject"]).startswith(subject_prefix):
            found.append(message)
    return found


def test_weekly_progress_dry_run_then_for_real_then_nothing_more(env: dict[str, str], tmp_path: Path) -> None:
    seed(env, days_ago=0)

    code, out, err = invoke(["emails", "weekly-progress", "--dry-run", "--json"], env)
    assert code == 0, err
    dry = json.loads(out)
    assert (dry["dry_run"], dry["would_send"], dry["sent"]) == (True, 2, 0)
    assert sorted(item["email"] for item in dry["emails"]) == LEARNERS
    assert mailed(tmp_path, "Your week on") == []

    code, out, err = invoke(["emails", "weekly-progress", "--json"], env)
    assert code == 0, err
    report = json.loads(out)
    assert (report["job"], report["sent"], report["candidates"]) == ("weekly-progress", 2, 2)
    messages = mailed(tmp_path, "Your week on")
    assert sorted(str(m["To"]) for m in messages) == LEARNERS
    for message in messages:
        assert str(message["List-Unsubscribe"]).startswith(
            "<https://lms.example.test/api/v1/notifications/unsubscribe?token="
        )
        assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"

    code, out, _ = invoke(["emails", "weekly-progress"], env)
    assert code == 0
    assert out.startswith("weekly-progress (") and "sent 0 e-mail(s) of 0 candidate(s)" in out
    assert len(mailed(tmp_path, "Your week on")) == 2


def test_send_reminders_reminds_inactive_learners_once(env: dict[str, str], tmp_path: Path) -> None:
    seed(env, days_ago=10)

    code, out, err = invoke(["emails", "send-reminders", "--inactive-days", "14", "--json"], env)
    assert code == 0, err
    assert json.loads(out)["candidates"] == 0

    code, out, err = invoke(["emails", "send-reminders", "--inactive-days", "7", "--dry-run"], env)
    assert code == 0, err
    assert "would send 2 e-mail(s) of 2 candidate(s)" in out
    assert "ada@example.com (Looms)" in out

    code, out, err = invoke(["emails", "send-reminders", "--json"], env)
    assert code == 0, err
    assert json.loads(out)["sent"] == 2
    assert sorted(str(m["To"]) for m in mailed(tmp_path, "Looms is waiting for you")) == LEARNERS

    code, out, _ = invoke(["emails", "send-reminders", "--json"], env)
    assert (code, json.loads(out)["sent"]) == (0, 0)
    assert len(mailed(tmp_path, "Looms is waiting for you")) == 2


def test_an_out_of_range_inactivity_is_a_usage_error(env: dict[str, str]) -> None:
    code, _, err = invoke(["emails", "send-reminders", "--inactive-days", "0"], env)
    assert code == 2
    assert "--inactive-days" in err
