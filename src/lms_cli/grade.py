"""`lms grade`: batch grading of quiz attempts (pending work, regrades, grade files)."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import click
import msgspec

from lms_cli.output import emit, run_on_engine
from lms_core import Actor
from lms_core.quizzes.commands import ExportGrades, GradePending, ImportedGrade, ImportGrades, RegradeQuiz
from lms_core.quizzes.errors import InvalidGrade
from lms_core.shared.errors import InvalidInputError

if TYPE_CHECKING:
    from lms_core import Lms
    from lms_core.quizzes.views import GradeChangeView, GradeImportReport, GradeRecordView, RegradeReport

T = TypeVar("T")
Listener = Callable[[int, int], None]

IMPORT_COLUMNS = ("attempt_id", "question_id", "points")
EXPORT_COLUMNS = (
    "attempt_id",
    "question_id",
    "points",
    "feedback",
    "max_points",
    "graded_by",
    "question_type",
    "answer",
    "attempt_number",
    "attempt_status",
    "student_email",
    "student_name",
    "student_id",
)

json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable summary on stdout.")
quiz_option = click.option("--quiz", "quiz_id", type=click.UUID, required=True, help="The quiz's id.")


@click.group("grade")
def grade() -> None:
    """Grade quiz attempts in bulk: pending work, regrades after a key change, grade files."""


@grade.command("pending")
@click.option("--course", "course_id", type=click.UUID, help="Only the quizzes of this course.")
@click.option("--quiz", "quiz_id", type=click.UUID, help="Only this quiz.")
@json_option
def pending(course_id: UUID | None, quiz_id: UUID | None, as_json: bool) -> None:
    """Close attempts past their deadline (graded from their saved answers) and grade submitted
    attempts never graded. Passing a graded quiz completes its lesson."""
    command = GradePending(course_id=course_id, quiz_id=quiz_id)
    report = _run(
        "grading pending attempts",
        lambda lms, listen: lms.quizzes.grade_pending(Actor.system(), command, progress=listen),
        as_json,
    )
    if as_json:
        emit(report, as_json=True, text="")
        return
    _summary(
        "Pending grading",
        [
            ("overdue attempts closed", report.overdue_closed),
            ("submitted attempts graded", report.ungraded_graded),
            ("passed", report.passed),
            ("waiting for a person", report.awaiting_manual),
        ],
    )


@grade.command("regrade")
@quiz_option
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
@json_option
def regrade(quiz_id: UUID, dry_run: bool, as_json: bool) -> None:
    """Recompute every closed attempt of a quiz from its current answer key.

    Grades a person gave are kept; each attempt whose score changes gets a grade-audit row (reason
    `regrade`). A new pass completes the quiz lesson; a new fail does not take a completed lesson
    or course back.
    """
    command = RegradeQuiz(quiz_id=quiz_id, dry_run=dry_run)
    report = _run(
        "regrading",
        lambda lms, listen: lms.quizzes.regrade(Actor.system(), command, progress=listen),
        as_json,
        read_only=dry_run,
    )
    if as_json:
        emit(report, as_json=True, text="")
        return
    _print_regrade(report)


@grade.command("import")
@quiz_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
def import_grades(quiz_id: UUID, file: Path, as_json: bool) -> None:
    """Apply a person's grades from a CSV file with the columns attempt_id, question_id, points and
    (optionally) feedback; other columns are ignored, so a file from `lms grade export --pending`
    can be filled in and imported.

    Every line is checked first: one bad line (an attempt of another quiz, a question that is graded
    automatically or not in the attempt, points above the question's or with more than two decimals)
    imports nothing, and each bad line is reported with its number.
    """

    async def action(lms: Lms, listen: Listener) -> GradeImportReport:
        command = ImportGrades(quiz_id=quiz_id, grades=_read_grades(file))
        try:
            return await lms.quizzes.import_grades(Actor.system(), command)
        except InvalidGrade as exc:
            if not as_json:
                for problem in exc.details.get("problems", []):
                    click.echo(f"{file.name}:{problem['line']}: {problem['reason']}", err=True)
            raise

    report = _run("importing grades", action, as_json, show_progress=False)
    if as_json:
        emit(report, as_json=True, text="")
        return
    _summary(
        "Grades imported",
        [
            ("grades applied", report.grades_applied),
            ("attempts updated", report.attempts_updated),
            ("attempts now fully graded", report.attempts_now_graded),
            ("of which passed", report.passed_now),
        ],
    )


@grade.command("export")
@quiz_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--pending", "pending_only", is_flag=True, help="Only questions waiting for a person.")
def export_grades(quiz_id: UUID, fmt: str, pending_only: bool) -> None:
    """Write every question of every closed attempt of a quiz, with its grade and student, to stdout.
    Nothing is written when the command fails (an unknown quiz...): the error goes to stderr."""
    command = ExportGrades(quiz_id=quiz_id, pending_only=pending_only)
    out = sys.stdout

    async def action(lms: Lms) -> int:
        records = aiter(lms.quizzes.export_grades(Actor.system(), command))
        # The quiz is looked up (and an unknown one refused) when the first record is asked for: before
        # a single byte goes to stdout, so a failed export never leaves a file that looks like an empty one.
        first = await anext(records, None)
        written = 0
        if fmt == "json":
            out.write("[")
            if first is not None:
                out.write("\n" + msgspec.json.encode(first).decode())
                written += 1
            async for record in records:
                out.write(",\n" + msgspec.json.encode(record).decode())
                written += 1
            out.write("\n]\n" if written else "]\n")
        else:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(EXPORT_COLUMNS)
            if first is not None:
                writer.writerow(_csv_row(first))
                written += 1
            async for record in records:
                writer.writerow(_csv_row(record))
                written += 1
        return written

    # Errors go to stderr in both formats: stdout is the exported data, usually redirected to a file.
    run_on_engine(action, read_only=True)


# -- running -----------------------------------------------------------------------------------------


def _run(
    what: str,
    body: Callable[[Lms, Listener], Awaitable[T]],
    as_json: bool,
    *,
    show_progress: bool = True,
    read_only: bool = False,
) -> T:
    """Run `body` on an engine opened for this command, with a progress listener drawing on stderr."""

    async def action(lms: Lms) -> T:
        with _progress_bar(what, enabled=show_progress) as listen:
            return await body(lms, listen)

    return run_on_engine(action, as_json=as_json, read_only=read_only)


@contextmanager
def _progress_bar(what: str, *, enabled: bool) -> Iterator[Listener]:
    """A rich progress bar on stderr, drawn only on a terminal (so scripts and logs stay clean)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield lambda done, total: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(what, total=None)

        def listen(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield listen


# -- files ---------------------------------------------------------------------------------------------


def _read_grades(file: Path) -> list[ImportedGrade]:
    """The file's data lines as text with their line numbers; checking them is the engine's job."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"cannot read {file}: {exc}", code="grades.unreadable_file") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in IMPORT_COLUMNS if name not in columns]
    if missing:
        raise InvalidInputError(
            f"{file.name} needs the columns {', '.join(IMPORT_COLUMNS)} (and optionally feedback); "
            f"missing: {', '.join(missing)}",
            code="grades.missing_columns",
            details={"missing": missing},
        )
    reader.fieldnames = columns
    grades: list[ImportedGrade] = []
    for row in reader:
        if not any((value or "").strip() for key, value in row.items() if isinstance(value, str) and key):
            continue  # a blank line
        grades.append(
            ImportedGrade(
                line=reader.line_num,
                attempt_id=row.get("attempt_id") or "",
                question_id=row.get("question_id") or "",
                points=row.get("points") or "",
                feedback=row.get("feedback") or None,
            )
        )
    return grades


def _csv_row(record: GradeRecordView) -> list[Any]:
    answer = record.answer
    return [
        record.attempt_id,
        record.question_id,
        "" if record.points is None else record.points,
        record.feedback or "",
        record.max_points,
        record.graded_by,
        record.question_type.value,
        answer if isinstance(answer, str) else "" if answer is None else msgspec.json.encode(answer).decode(),
        record.attempt_number,
        record.attempt_status.value,
        record.student_email,
        record.student_name,
        record.student_id,
    ]


# -- reports -------------------------------------------------------------------------------------------


def _summary(title: str, rows: list[tuple[str, object]]) -> None:
    from rich.console import Console
    from rich.table import Table

    click.echo(title)
    table = Table(show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, value in rows:
        table.add_row(label, f"{value:,}" if isinstance(value, int) else str(value))
    Console().print(table)


def _print_regrade(report: RegradeReport) -> None:
    title = f"Regrade of quiz {report.quiz_id}" + (" (dry run: nothing was changed)" if report.dry_run else "")
    _summary(
        title,
        [
            ("attempts regraded", report.attempts_regraded),
            ("attempts changed", report.attempts_changed),
            ("fail -> pass", report.fail_to_pass),
            ("pass -> fail", report.pass_to_fail),
            ("attempts in progress re-keyed", report.open_attempts_rekeyed),
        ],
    )
    for kept in report.kept_questions:
        click.echo(f"question {kept.question_id} kept the attempts' own key: {kept.reason}")
    for heading, changes in (("now passing", report.passed_now), ("now failing", report.failed_now)):
        if changes:
            click.echo(f"\n{heading} ({len(changes)}):")
            for change in changes:
                click.echo(_change_line(change))


def _change_line(change: GradeChangeView) -> str:
    old = "-" if change.old_percentage is None else f"{change.old_percentage}%"
    return (
        f"  {change.student_email}  {change.student_name}  attempt {change.attempt_number}  "
        f"{old} -> {change.new_percentage}%  ({change.attempt_id})"
    )
