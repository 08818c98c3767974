"""A long job's progress as a rich bar on stderr, so that stdout keeps the summary or the JSON alone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class Bar:
    """The core's `JobProgress`: told the total, then once per item."""

    def __init__(self, progress: Progress, label: str) -> None:
        self._progress = progress
        self._label = label
        self._task: TaskID | None = None

    def started(self, total: int) -> None:
        self._task = self._progress.add_task(self._label, total=total)

    def advanced(self) -> None:
        if self._task is not None:
            self._progress.advance(self._task)


@contextmanager
def progress_bar(label: str) -> Iterator[Bar]:
    # rich is imported only when a job runs: `lms --help` stays fast.
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=Console(stderr=True),
    )  # fmt: skip
    with progress:
        yield Bar(progress, label)
