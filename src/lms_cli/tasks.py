"""`lms tasks`: the events whose delivery failed on every attempt, and re-queueing them."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

import click
import msgspec

from lms_cli.output import emit, run_on_engine
from lms_core import Actor
from lms_core.shared.failed_events import FailedEventView, RetryFailedEvents, RetryReport

if TYPE_CHECKING:
    from lms_core import Lms


@click.group("tasks")
def tasks() -> None:
    """Event delivery: failed events and retries."""


@tasks.command("failed")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable list on stdout.")
def failed(as_json: bool) -> None:
    """List the failed events: type, id, attempts, last error, when recorded and when they failed."""

    async def body(lms: Lms) -> list[FailedEventView]:
        return await lms.outbox.failed_events(Actor.system())

    events = run_on_engine(body, as_json=as_json, read_only=True)
    lines = [
        f"{event.id}  {event.event_type}  attempts={event.attempts}  recorded={event.recorded_at.isoformat()}  "
        f"failed={event.failed_at.isoformat()}\n    {event.last_error or ''}"
        for event in events
    ]
    emit(
        {"items": [msgspec.to_builtins(event) for event in events], "total": len(events)},
        as_json=as_json,
        text="\n".join([*lines, f"{len(events)} failed event(s)"]),
    )


@tasks.command("retry")
@click.argument("ids", nargs=-1, type=click.UUID)
@click.option("--all", "all_events", is_flag=True, help="Re-queue every failed event.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary on stdout.")
def retry(ids: tuple[UUID, ...], all_events: bool, as_json: bool) -> None:
    """Re-queue failed events (by ID, or --all): attempts reset, due at once; the servers' relay delivers them."""
    if bool(ids) == all_events:
        raise click.UsageError("give either the IDs of failed events or --all")
    command = RetryFailedEvents(ids=list(ids), all=all_events)

    async def body(lms: Lms) -> RetryReport:
        return await lms.outbox.retry_failed(Actor.system(), command)

    report = run_on_engine(body, as_json=as_json)
    emit(msgspec.to_builtins(report), as_json=as_json, text=f"re-queued {report.requeued} failed event(s)")
