"""`lms tasks failed` and `lms tasks retry`: an e-mail that failed beyond its last retry is listed, re-queued,
then delivered once to a real SMTP server (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

from lms_adapters.bootstrap import open_lms
from lms_adapters.settings import Settings
from lms_core.shared.clock import FixedClock
from tests.conftest import make_settings
from tests.support.cli import cli_env, invoke
from tests.support.delivery import smtp_server
from tests.support.flows import register
from tests.support.network import free_port

MAX_ATTEMPTS = 3


async def _fail_beyond_the_last_retry(settings: Settings, clock: FixedClock) -> int:
    """Register someone while the mail server is down and spend every attempt of the two e-mails."""
    async with open_lms(settings, clock=clock) as lms:
        await register(lms, "failing@example.com")
        await lms.outbox.drain()
        for _ in range(MAX_ATTEMPTS - 1):
            clock.advance(timedelta(hours=1))
            await lms.outbox.run_once()
        return await lms.outbox.pending()


async def _deliver(settings: Settings) -> int:
    # On the system clock: `lms tasks retry` made the events due at the real time it ran.
    async with open_lms(settings) as lms:
        return await lms.outbox.drain()


def test_failed_events_are_listed_requeued_and_then_delivered(database_url: str, tmp_path: Path) -> None:
    smtp_port = free_port()  # no mail server there yet
    smtp_url = f"smtp://127.0.0.1:{smtp_port}?starttls=false"
    clock = FixedClock()
    settings = make_settings(database_url, smtp_url=smtp_url, outbox_max_attempts=MAX_ATTEMPTS)
    assert asyncio.run(_fail_beyond_the_last_retry(settings, clock)) == 0

    env = cli_env(database_url, tmp_path, LMS_SMTP_URL=smtp_url, LMS_OUTBOX_MAX_ATTEMPTS=str(MAX_ATTEMPTS))
    code, out, err = invoke(["tasks", "failed", "--json"], env)
    assert code == 0, err
    listed = json.loads(out)
    assert listed["total"] == 2
    assert {item["event_type"] for item in listed["items"]} == {"emails.requested"}
    assert {item["attempts"] for item in listed["items"]} == {MAX_ATTEMPTS}
    assert all(item["last_error"].startswith("EmailDeliveryFailed:") for item in listed["items"])
    assert all(item["failed_at"] >= item["recorded_at"] for item in listed["items"])

    code, out, err = invoke(["tasks", "failed"], env)
    assert code == 0, err
    assert "2 failed event(s)" in out
    first, second = (item["id"] for item in listed["items"])
    assert first in out
    assert second in out

    code, out, err = invoke(["tasks", "retry", first, "--json"], env)
    assert (code, json.loads(out)) == (0, {"requeued": 1})
    code, out, err = invoke(["tasks", "retry", "--all"], env)
    assert (code, out.strip()) == (0, "re-queued 1 failed event(s)")
    code, out, err = invoke(["tasks", "failed", "--json"], env)
    assert json.loads(out) == {"items": [], "total": 0}

    with smtp_server(smtp_port) as (smtp, _):
        assert asyncio.run(_deliver(settings)) == 2
        assert smtp.recipients() == {"failing@example.com": 2}


def test_retry_refuses_an_unknown_id_and_a_missing_choice(database_url: str, tmp_path: Path) -> None:
    env = cli_env(database_url, tmp_path)
    unknown = "01234567-89ab-7def-8123-456789abcdef"
    code, out, err = invoke(["tasks", "retry", unknown, "--json"], env)
    assert code == 3
    assert json.loads(out)["error"]["code"] == "tasks.failed_event_not_found"
    assert json.loads(out)["error"]["details"] == {"ids": [unknown]}
    code, out, err = invoke(["tasks", "retry"], env)
    assert code == 2
    assert "give either the IDs of failed events or --all" in err
