"""Progress arithmetic: the pure rule, and random learner actions through the service on SQLite."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_adapters.bootstrap import open_lms
from lms_core.enrollments.commands import UpdateProgress
from lms_core.enrollments.entities import FULL, EnrollmentStatus, as_percentage, progress_basis_points
from lms_core.enrollments.events import EnrollmentCompleted
from lms_core.shared.clock import FixedClock
from tests.conftest import make_settings
from tests.support.databases import copy_sqlite
from tests.support.doubles import RecordingMailer
from tests.support.learning import classroom, delivered, enrolled_student

totals = st.integers(min_value=0, max_value=500)


@given(totals.flatmap(lambda total: st.tuples(st.integers(min_value=0, max_value=total), st.just(total))))
def test_progress_is_completed_over_total_truncated_to_hundredths(case: tuple[int, int]) -> None:
    completed, total = case
    basis_points = progress_basis_points(completed, total)
    percentage = as_percentage(basis_points)
    assert percentage.as_tuple().exponent == -2
    if total == 0:
        assert percentage == 0
        return
    exact = Decimal(completed) * 100 / Decimal(total)
    assert percentage <= exact < percentage + Decimal("0.01")
    assert (basis_points == FULL) == (completed == total)


@given(st.integers(min_value=1, max_value=500).flatmap(lambda t: st.tuples(st.integers(0, t - 1), st.just(t))))
def test_progress_never_decreases_when_a_lesson_is_completed(case: tuple[int, int]) -> None:
    completed, total = case
    assert progress_basis_points(completed, total) <= progress_basis_points(completed + 1, total)
    assert progress_basis_points(completed, total) < FULL


lesson_counts = st.tuples(st.integers(min_value=1, max_value=4), st.integers(min_value=0, max_value=2))
actions = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5),  # which lesson (modulo the number of lessons)
        st.sampled_from(["complete", "report"]),
        st.integers(min_value=0, max_value=600),  # seconds spent
        st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=15, deadline=None)
@given(lesson_counts, actions)
def test_random_learning_keeps_progress_exact_and_monotonic(
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    counts: tuple[int, int],
    steps: list[tuple[int, str, int, Decimal]],
) -> None:
    asyncio.run(_learn(copy_sqlite(sqlite_template, tmp_path_factory.mktemp("progress")), counts, steps))


async def _learn(database_url: str, counts: tuple[int, int], steps: list[tuple[int, str, int, Decimal]]) -> None:
    required, optional = counts
    async with open_lms(make_settings(database_url), clock=FixedClock(), mailer=RecordingMailer()) as lms:
        room = await classroom(lms, required=required, optional=optional)
        learner, view = await enrolled_student(lms, room)
        done: set[int] = set()
        spent = 0
        previous = Decimal(0)
        for which, kind, seconds, percentage in steps:
            index = which % len(room.lessons)
            lesson = room.lesson_ids[index]
            if kind == "complete":
                result = await lms.enrollments.complete_lesson(learner, view.id, lesson)
            else:
                report = UpdateProgress(time_spent_seconds=seconds, completion_percentage=percentage)
                result = await lms.enrollments.update_progress(learner, view.id, lesson, report)
                spent += seconds
            if kind == "complete" or percentage == 100:
                done.add(index)
            enrollment = result.enrollment
            required_done = len({i for i in done if i < required})
            assert enrollment.progress_percentage == as_percentage(progress_basis_points(required_done, required))
            assert enrollment.progress_percentage >= previous
            assert (enrollment.progress_percentage == 100) == (required_done == required)
            assert (enrollment.status is EnrollmentStatus.COMPLETED) == (required_done == required)
            assert enrollment.completed_lessons_count == required_done
            assert enrollment.total_time_spent_seconds == spent
            previous = enrollment.progress_percentage
        completions = await delivered(lms, EnrollmentCompleted)
        assert len(completions) == (1 if len({i for i in done if i < required}) == required else 0)
