"""`lms payments reconcile`: ask the providers about payments whose webhook never came."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import click

from lms_cli.output import emit, run_on_engine
from lms_cli.progress import progress_bar
from lms_core import Actor, ReconcilePayments

if TYPE_CHECKING:
    from lms_core import Lms, ReconcileReport

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text)
    if match is None:
        raise click.BadParameter(f"{text!r}: give a duration such as 900, 90s, 15m, 2h or 1d")
    return int(match.group(1)) * _UNITS[match.group(2) or "s"]


@click.group("payments")
def payments() -> None:
    """Payments: reconciliation with the providers."""


@payments.command("reconcile")
@click.option(
    "--older-than",
    default="15m",
    show_default=True,
    help="Ask about payments pending for longer than this (900, 90s, 15m, 2h, 1d).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report on stdout.")
def reconcile(older_than: str, as_json: bool) -> None:
    """Ask each provider for the status of every payment still pending after --older-than, and apply what it
    says exactly as its webhook would: whichever comes first wins and the other changes nothing. Canceled
    subscriptions whose paid period is over lose the access they gave. Safe to run from cron."""
    seconds = _duration(older_than)

    async def action(lms: Lms) -> ReconcileReport:
        with progress_bar("pending payments") as bar:
            return await lms.payments.reconcile(
                Actor.system(), ReconcilePayments(older_than_seconds=seconds), progress=bar
            )

    report = run_on_engine(action, as_json=as_json)
    emit(
        report,
        as_json=as_json,
        text=(
            f"checked {report.checked} pending payment(s): {report.succeeded} succeeded, {report.failed} failed, "
            f"{report.refunded} refunded, {report.still_pending} still pending, {report.errors} provider error(s)"
        ),
    )
