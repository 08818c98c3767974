"""Grading (`lms_core.quizzes.grading`): exact scores, consistent percentages and pass flags,
independence from the shuffled order, and regrading that changes nothing when nothing changed."""

from __future__ import annotations

from decimal import Decimal
from random import Random
from typing import Any
from uuid import UUID

import msgspec
from hypothesis import assume, given
from hypothesis import strategies as st

from lms_core.quizzes.grading import (
    ESSAY,
    FULL_BP,
    MULTIPLE_CHOICE,
    SHORT_ANSWER,
    TRUE_FALSE,
    FrozenQuestion,
    QuestionResult,
    check_answer,
    grade_answers,
    keep_manual_grades,
    summarize,
)
from lms_core.quizzes.views import percentage_of, points_of

# Option texts never start or end with a space (the service trims them): built that way, not filtered, so
# input generation stays fast on a loaded machine.
option_texts = st.from_regex(r"[a-jXYZ]([a-jXYZ ]{0,4}[a-jXYZ])?", fullmatch=True)
points = st.integers(min_value=1, max_value=100_000)
passing_scores = st.integers(min_value=0, max_value=100)


@st.composite
def questions(
    draw: st.DrawFn, kinds: tuple[str, ...] = (MULTIPLE_CHOICE, TRUE_FALSE, SHORT_ANSWER, ESSAY)
) -> FrozenQuestion:
    kind = draw(st.sampled_from(kinds))
    options: list[str] | None = None
    partial = False
    if kind == MULTIPLE_CHOICE:
        options = draw(st.lists(option_texts, min_size=2, max_size=10, unique=True))
        key: list[str] | None = draw(st.lists(st.sampled_from(options), min_size=1, unique=True))
        partial = draw(st.booleans())
    elif kind == TRUE_FALSE:
        key = [draw(st.sampled_from(["true", "false"]))]
    elif kind == SHORT_ANSWER:
        key = draw(st.none() | st.lists(option_texts, min_size=1, max_size=3))
    else:
        key = None
    return FrozenQuestion(
        question_id=draw(st.uuids()),
        question_type=kind,
        question_text="?",
        options=options,
        correct_answers=key,
        partial_credit=partial,
        points_centi=draw(points),
        explanation=None,
    )


def answers_to(question: FrozenQuestion) -> st.SearchStrategy[Any]:
    """Answers that fit the question (what the service accepts), or none."""
    if question.question_type == MULTIPLE_CHOICE:
        options = question.options or []
        return st.none() | st.sampled_from(options) | st.lists(st.sampled_from(options), unique=True)
    if question.question_type == TRUE_FALSE:
        return st.none() | st.booleans()
    # Short answers sometimes reuse an accepted answer in another case and spacing.
    accepted = question.correct_answers or ["x"]
    return st.none() | st.text(max_size=20) | st.sampled_from(accepted).map(lambda a: f"  {a.upper()} ")


@st.composite
def attempts(draw: st.DrawFn) -> tuple[list[FrozenQuestion], dict[str, Any], int]:
    """An attempt's questions (distinct ids), its answers keyed by question id, and a passing score."""
    frozen = draw(st.lists(questions(), min_size=1, max_size=12, unique_by=lambda q: q.question_id))
    answers = {}
    for question in frozen:
        answer = draw(answers_to(question))
        if answer is not None:
            answers[str(question.question_id)] = answer
    return frozen, answers, draw(passing_scores)


def shuffled(frozen: list[FrozenQuestion], seed: int) -> list[FrozenQuestion]:
    """Another learner's view of the same quiz: questions and options in another order."""
    rng = Random(seed)
    copies = []
    for question in frozen:
        options = list(question.options) if question.options is not None else None
        if options is not None:
            rng.shuffle(options)
        copies.append(msgspec.structs.replace(question, options=options))
    rng.shuffle(copies)
    return copies


def by_question(results: list[QuestionResult]) -> dict[UUID, QuestionResult]:
    return {r.question_id: r for r in results}


@given(attempts())
def test_generated_answers_fit_their_questions(case: tuple[list[FrozenQuestion], dict[str, Any], int]) -> None:
    frozen, answers, _ = case
    for question in frozen:
        assert check_answer(question, answers.get(str(question.question_id))) is None


@given(attempts())
def test_the_score_is_the_sum_of_awarded_points_within_bounds(
    case: tuple[list[FrozenQuestion], dict[str, Any], int],
) -> None:
    frozen, answers, passing = case
    results = grade_answers(frozen, answers)
    score = summarize(frozen, results, passing)
    assert [r.question_id for r in results] == [q.question_id for q in frozen]
    for question, result in zip(frozen, results, strict=True):
        assert result.points_centi is None or 0 <= result.points_centi <= question.points_centi
        assert (result.points_centi is None) == (result.graded_by == "pending")
        assert result.is_correct is None or result.is_correct == (result.points_centi == question.points_centi)
    assert score.score_centi == sum(r.points_centi or 0 for r in results)
    assert score.max_score_centi == sum(q.points_centi for q in frozen)
    assert 0 <= score.score_centi <= score.max_score_centi
    assert score.pending_manual == any(r.graded_by == "pending" for r in results)


@given(attempts())
def test_percentage_and_pass_flag_follow_the_score(case: tuple[list[FrozenQuestion], dict[str, Any], int]) -> None:
    frozen, answers, passing = case
    score = summarize(frozen, grade_answers(frozen, answers), passing)
    bp, total = score.percentage_bp, score.max_score_centi
    # Truncated to 0.01 %: the exact percentage lies within [bp, bp + 1) basis points.
    assert bp * total <= score.score_centi * FULL_BP < (bp + 1) * total
    assert 0 <= bp <= FULL_BP and (bp == FULL_BP) == (score.score_centi == total)
    assert score.is_passed == (bp >= passing * 100)
    assert score.is_passed == (score.score_centi * 100 >= passing * total)  # no rounding lets a fail pass
    shown = percentage_of(bp)
    assert shown.as_tuple().exponent == -2 and shown == Decimal(bp) / 100
    assert points_of(score.score_centi) == Decimal(score.score_centi) / 100


@given(attempts(), st.integers())
def test_grading_does_not_depend_on_the_shuffled_order(
    case: tuple[list[FrozenQuestion], dict[str, Any], int], seed: int
) -> None:
    frozen, answers, passing = case
    other = shuffled(frozen, seed)
    assert by_question(grade_answers(frozen, answers)) == by_question(grade_answers(other, answers))
    assert summarize(frozen, grade_answers(frozen, answers), passing) == summarize(
        other, grade_answers(other, answers), passing
    )


@given(attempts(), st.data())
def test_regrading_an_unchanged_quiz_changes_nothing(
    case: tuple[list[FrozenQuestion], dict[str, Any], int], data: st.DataObject
) -> None:
    frozen, answers, passing = case
    first = grade_answers(frozen, answers)
    assert grade_answers(frozen, answers) == first
    assert keep_manual_grades(first, None) == first
    # A person grades every pending question; regrading recomputes the rest and keeps those grades.
    points_of_question = {q.question_id: q.points_centi for q in frozen}
    graded = [
        QuestionResult(
            question_id=r.question_id,
            points_centi=data.draw(st.integers(0, points_of_question[r.question_id])),
            is_correct=None,
            graded_by="manual",
            feedback=data.draw(st.none() | st.text(max_size=10)),
        )
        if r.graded_by == "pending"
        else r
        for r in first
    ]
    regraded = keep_manual_grades(grade_answers(frozen, answers), graded)
    assert regraded == graded
    assert summarize(frozen, regraded, passing) == summarize(frozen, graded, passing)
    assert not summarize(frozen, regraded, passing).pending_manual


@given(questions(kinds=(MULTIPLE_CHOICE,)), option_texts)
def test_an_option_the_question_does_not_have_is_refused(question: FrozenQuestion, text: str) -> None:
    assume(text not in (question.options or []))
    assert check_answer(question, text) is not None
    assert check_answer(question, [*(question.options or [])[:1], text]) is not None
