"""`lms certificates`: issue the missing certificates in bulk, verify and revoke them."""

from __future__ import annotations

import os
import sys
import time
from contextlib import nullcontext
from typing import TYPE_CHECKING
from uuid import UUID

import click
import msgspec

from lms_cli.output import EXIT_INVALID, EXIT_REVOKED, emit, load_settings, run_on_engine
from lms_core import Actor
from lms_core.certificates.commands import IssueMissingCertificates, RevokeCertificate
from lms_core.certificates.views import CertificateVerification, CertificateView, IssueSummary

if TYPE_CHECKING:
    from lms_adapters.settings import Settings
    from lms_core import Lms


@click.group("certificates")
def certificates() -> None:
    """Certificates of completion."""


class IssueReport(msgspec.Struct, frozen=True, kw_only=True):
    summary: IssueSummary
    renderer: str
    workers: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.summary.issued / self.seconds if self.seconds > 0 else 0.0


@certificates.command("issue")
@click.option("--course", "course_id", type=click.UUID, help="Only this course's completed enrolments.")
@click.option("--all", "all_courses", is_flag=True, help="Every course's completed enrolments.")
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=None,
    help="Render processes (default: one per core); 1 renders in this process.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary on stdout.")
def issue(course_id: UUID | None, all_courses: bool, workers: int | None, as_json: bool) -> None:
    """Issue the certificates that completed enrolments lack. Safe to run twice and to interrupt: a
    certificate is recorded only once its PDF is stored, and the next run issues what is still missing."""
    if (course_id is None) == (not all_courses):
        raise click.UsageError("give either --course ID or --all")
    settings = load_settings(as_json=as_json)
    report = run_on_engine(
        lambda lms: issue_missing(lms, settings, course_id, workers or os.cpu_count() or 1),
        as_json=as_json,
        settings=settings,
    )
    summary = report.summary
    for failure in summary.failed:
        click.echo(
            f"not issued: {failure.student_name} <{failure.student_email}> (enrolment {failure.enrollment_id}): "
            f"[{failure.code}] {failure.message}",
            err=True,
        )
    emit(
        {**msgspec.structs.asdict(report), "certificates_per_second": round(report.rate, 2)},
        as_json=as_json,
        text=(
            f"issued {summary.issued} certificate(s), {summary.already_issued} already issued, "
            f"{len(summary.failed)} failed, in {report.seconds:.1f} s ({report.rate:.1f}/s; "
            f"{report.renderer}, {report.workers} worker(s))"
        ),
    )
    if summary.failed:
        sys.exit(EXIT_INVALID)


async def issue_missing(lms: Lms, settings: Settings, course_id: UUID | None, workers: int) -> IssueReport:
    """The body of `lms certificates issue`."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from lms_adapters.pdf.pool import ProcessPoolRenderer
    from lms_core.certificates.ports import RenderCall

    command = IssueMissingCertificates(course_id=course_id)
    started = time.perf_counter()
    total = await lms.certificates.count_missing(Actor.system(), command)
    pool = (
        ProcessPoolRenderer(settings.certificate_renderer, settings.certificate_font, workers) if workers > 1 else None
    )
    progress = Progress(
        TextColumn("certificates"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=Console(stderr=True),
    )  # fmt: skip
    with pool or nullcontext(), progress:
        task = progress.add_task("issuing", total=total)
        render: RenderCall | None = pool.render if pool is not None else None
        summary = await lms.certificates.issue_missing(
            Actor.system(),
            command,
            render=render,
            concurrency=workers * 2,  # one certificate rendering and one being stored per worker
            on_progress=lambda: progress.advance(task),
        )
    return IssueReport(
        summary=summary,
        renderer=lms.certificates.renderer_name,
        workers=workers,
        seconds=time.perf_counter() - started,
    )


@certificates.command("verify")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def verify(number: str, as_json: bool) -> None:
    """Tell whether the certificate NUMBER stands, and what it certifies. Exits 0 for a valid certificate
    and 10 for a revoked one (its details printed all the same)."""

    async def action(lms: Lms) -> CertificateVerification:
        return await lms.certificates.verify(Actor.system(), number)

    found = run_on_engine(action, as_json=as_json, read_only=True)
    state = "valid" if found.valid else f"REVOKED on {found.revoked_at:%Y-%m-%d}"
    emit(
        found,
        as_json=as_json,
        text=(
            f"{found.certificate_number}: {state}\n  {found.student_name}, {found.course_title}\n"
            f"  completed {found.completion_date:%Y-%m-%d}, issued {found.issued_at:%Y-%m-%d}"
        ),
    )
    if not found.valid:
        sys.exit(EXIT_REVOKED)


@certificates.command("revoke")
@click.argument("number")
@click.option("--reason", required=True, help="Why the certificate no longer stands.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def revoke(number: str, reason: str, as_json: bool) -> None:
    """Revoke the certificate NUMBER."""

    async def action(lms: Lms) -> CertificateView:
        return await lms.certificates.revoke_by_number(Actor.system(), number, RevokeCertificate(reason=reason))

    view = run_on_engine(action, as_json=as_json)
    emit(view, as_json=as_json, text=f"revoked {view.certificate_number} ({view.student_name}, {view.course_title})")
