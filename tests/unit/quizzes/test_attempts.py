"""Taking quizzes: starting attempts, the attempt allowance, frozen shuffled questions, drafts,
submission and deadlines, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from lms_adapters.persistence.attempts import SqlAttemptRepository
from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.uow import SqlUnitOfWork
from lms_adapters.settings import Settings
from lms_core import Lms, NotAuthenticatedError
from lms_core.quizzes.commands import AddQuestion, AnswerItem, AnswerSheet, ListMyAttempts, UpdateQuestion, UpdateQuiz
from lms_core.quizzes.entities import DEADLINE_GRACE, Attempt, AttemptStatus, QuestionType
from lms_core.quizzes.errors import (
    ActiveEnrollmentRequired,
    AttemptClosed,
    AttemptNotFound,
    DeadlinePassed,
    InvalidAnswers,
    NoAttemptsLeft,
    NotAttemptOwner,
    QuizNotFound,
    QuizNotOpen,
)
from lms_core.quizzes.views import AttemptTakingView
from lms_core.shared.actor import Actor
from lms_core.shared.clock import FixedClock
from lms_core.shared.ids import new_id
from tests.support.attempts import ALL_RIGHT, ALL_WRONG, HALF_RIGHT, classmate, question_id, quiz_room, sheet
from tests.support.catalogue import student
from tests.support.flows import create_admin
from tests.support.quizzes import draft_quiz

TF = QuestionType.TRUE_FALSE
MC = QuestionType.MULTIPLE_CHOICE
OPTIONS = [f"option {n}" for n in range(8)]
# Eight questions, the last with eight options: a shuffled copy matches the authored order once in 40320.
MANY_QUESTIONS: list[dict[str, Any]] = [
    *({"question_type": TF, "question_text": f"Statement {n}", "correct_answer": True} for n in range(7)),
    {"question_type": MC, "question_text": "Pick one", "options": OPTIONS, "correct_answer": "option 3"},
]


# -- starting -----------------------------------------------------------------------------------------


async def test_an_attempt_freezes_its_settings_and_starting_again_returns_it(lms: Lms, clock: FixedClock) -> None:
    room = await quiz_room(lms, passing_score=60, max_attempts=3, time_limit_minutes=15)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    assert attempt.status is AttemptStatus.IN_PROGRESS and attempt.attempt_number == 1
    assert attempt.started_at == clock.now()
    assert attempt.deadline_at == clock.now() + timedelta(minutes=15)
    assert (attempt.attempts_allowed, attempt.passing_score, attempt.max_score) == (3, 60, Decimal("10.00"))
    assert attempt.score is None and attempt.is_passed is None and attempt.answers == []
    assert all("correct" not in name for name in attempt.__struct_fields__)  # no answer keys while taking
    clock.advance(timedelta(minutes=1))
    again = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    assert again == attempt
    assert await lms.quizzes.attempt_in_progress(room.learner, room.quiz_id) == attempt
    listed = await lms.quizzes.my_attempts(room.learner, room.quiz_id, ListMyAttempts())
    assert listed.total == 1


async def test_an_untimed_quiz_has_no_deadline(lms: Lms) -> None:
    room = await quiz_room(lms)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    assert attempt.deadline_at is None and attempt.attempts_allowed is None


async def test_questions_and_options_are_shuffled_once_per_attempt_and_stay_frozen(lms: Lms) -> None:
    room = await quiz_room(lms, MANY_QUESTIONS)
    authored = [q.question_text for q in room.authored.questions]
    orders, option_orders = [], []
    for n in range(3):
        learner = await classmate(lms, room, f"shuffled{n}@example.com")
        attempt = await lms.quizzes.start_attempt(learner, room.quiz_id)
        texts = [q.question_text for q in attempt.questions]
        options = next(q.options for q in attempt.questions if q.options)
        assert sorted(texts) == sorted(authored) and sorted(options or []) == sorted(OPTIONS)
        orders.append(texts)
        option_orders.append(options)
        # Reloading, resuming and reading the result all show the attempt's own order.
        assert [
            q.question_text for q in (await lms.quizzes.attempt_in_progress(learner, room.quiz_id)).questions
        ] == texts
        assert (await lms.quizzes.start_attempt(learner, room.quiz_id)).questions == attempt.questions
        result = await lms.quizzes.get_attempt(learner, room.quiz_id, attempt.id)
        assert [q.question_text for q in result.questions] == texts
        assert next(q.options for q in result.questions if q.options) == options
    assert any(order != authored for order in orders)
    assert any(options != OPTIONS for options in option_orders)


async def test_without_shuffling_an_attempt_keeps_the_authored_order(lms: Lms) -> None:
    room = await quiz_room(lms, MANY_QUESTIONS, shuffle_questions=False, shuffle_options=False)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    assert [q.question_text for q in attempt.questions] == [q.question_text for q in room.authored.questions]
    assert attempt.questions[-1].options == OPTIONS


async def test_editing_the_quiz_changes_nothing_for_an_attempt_already_started(lms: Lms) -> None:
    room = await quiz_room(lms, shuffle_questions=False)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    mc_id = room.authored.questions[0].id
    # The key moves to "5", the text changes, a question is added, the pass mark and time limit change.
    await lms.quizzes.update_question(
        room.owner, room.quiz_id, mc_id, UpdateQuestion(question_text="2 + 3 = ?", correct_answers=["5"])
    )
    await lms.quizzes.add_question(
        room.owner, room.quiz_id, AddQuestion(question_type=TF, question_text="New", correct_answer=True)
    )
    await lms.quizzes.update_quiz(room.owner, room.quiz_id, UpdateQuiz(passing_score=100, time_limit_minutes=1))
    assert (await lms.quizzes.attempt_in_progress(room.learner, room.quiz_id)) == attempt
    result = await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_RIGHT))
    assert result.score == Decimal("10.00") and result.max_score == Decimal("10.00")
    assert result.is_passed is True and result.passing_score == 70
    assert [q.question_text for q in result.questions] == ["2 + 2 = ?", "The earth is flat."]
    # A new attempt gets the quiz as it is now.
    fresh = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    assert [q.question_text for q in fresh.questions] == ["2 + 3 = ?", "The earth is flat.", "New"]
    assert (fresh.passing_score, fresh.deadline_at) == (100, fresh.started_at + timedelta(minutes=1))


async def test_only_learners_enrolled_in_the_course_start_attempts(lms: Lms) -> None:
    room = await quiz_room(lms)
    outsider = await student(lms, "outsider@example.com")
    for not_enrolled in (outsider, room.owner, await create_admin(lms)):
        with pytest.raises(ActiveEnrollmentRequired):
            await lms.quizzes.start_attempt(not_enrolled, room.quiz_id)
    with pytest.raises(NotAuthenticatedError):
        await lms.quizzes.start_attempt(Actor.anonymous(), room.quiz_id)
    await lms.enrollments.drop(room.learner, room.enrollment.id)
    with pytest.raises(ActiveEnrollmentRequired):
        await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    with pytest.raises(QuizNotFound):
        await lms.quizzes.start_attempt(room.learner, new_id())


async def test_an_unpublished_quiz_is_missing_for_learners_and_not_open_for_its_managers(lms: Lms) -> None:
    room = await quiz_room(lms)
    _, draft = await draft_quiz(lms, room.owner, room.course, "Draft")
    await lms.quizzes.add_question(
        room.owner, draft.id, AddQuestion(question_type=TF, question_text="Q", correct_answer=True)
    )
    with pytest.raises(QuizNotFound):
        await lms.quizzes.start_attempt(room.learner, draft.id)
    with pytest.raises(QuizNotFound):
        await lms.quizzes.attempt_in_progress(room.learner, draft.id)
    with pytest.raises(QuizNotOpen):
        await lms.quizzes.start_attempt(room.owner, draft.id)


async def test_the_attempt_allowance_is_enforced(lms: Lms) -> None:
    room = await quiz_room(lms, max_attempts=2)
    for number in (1, 2):
        attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
        assert attempt.attempt_number == number
        await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_WRONG))
    with pytest.raises(NoAttemptsLeft):
        await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    with pytest.raises(AttemptNotFound):
        await lms.quizzes.attempt_in_progress(room.learner, room.quiz_id)
    listed = await lms.quizzes.my_attempts(room.learner, room.quiz_id, ListMyAttempts())
    assert [a.attempt_number for a in listed.items] == [2, 1]  # latest first
    # Raising the allowance lets the learner go on, numbering on.
    await lms.quizzes.update_quiz(room.owner, room.quiz_id, UpdateQuiz(max_attempts=3))
    assert (await lms.quizzes.start_attempt(room.learner, room.quiz_id)).attempt_number == 3


async def test_concurrent_starts_and_submits_never_exceed_the_allowance(lms: Lms) -> None:
    """Twenty learners' sessions keep starting and submitting until refused: the database lets exactly
    `max_attempts` attempts exist, however the tasks interleave."""
    room = await quiz_room(lms, max_attempts=3)
    outcomes: list[str] = []

    async def keep_trying() -> None:
        while True:
            try:
                attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
            except NoAttemptsLeft:
                outcomes.append("no attempts left")
                return
            try:
                await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, HALF_RIGHT))
                outcomes.append("submitted")
            except AttemptClosed:
                outcomes.append("got an attempt someone else submitted")

    await asyncio.gather(*(keep_trying() for _ in range(20)))
    attempts = (await lms.quizzes.my_attempts(room.learner, room.quiz_id, ListMyAttempts())).items
    assert sorted(a.attempt_number for a in attempts) == [1, 2, 3]
    assert all(a.status is AttemptStatus.GRADED and a.score == Decimal("5.00") for a in attempts)
    assert outcomes.count("submitted") == 3
    assert outcomes.count("no attempts left") == 20


async def test_starts_racing_past_the_count_get_the_winners_attempt(
    lms: Lms, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inserts are slowed so that starts count while another's attempt is still uncommitted: the unique
    constraints turn the losers away (PostgreSQL; SQLite serialises writers) and they come back with
    the attempt that won."""
    room = await quiz_room(lms, max_attempts=5)
    insert = SqlAttemptRepository.add
    tried: list[int] = []

    async def slow_insert(self: SqlAttemptRepository, attempt: Attempt) -> None:
        tried.append(attempt.attempt_number)
        await asyncio.sleep(0.2)
        await insert(self, attempt)

    monkeypatch.setattr(SqlAttemptRepository, "add", slow_insert)
    started = await asyncio.gather(*(lms.quizzes.start_attempt(room.learner, room.quiz_id) for _ in range(8)))
    assert len({a.id for a in started}) == 1 and started[0].attempt_number == 1
    assert (await lms.quizzes.my_attempts(room.learner, room.quiz_id, ListMyAttempts())).total == 1
    if settings.database_url.startswith("postgresql"):
        # Several inserted while another's attempt was uncommitted; the database refused all but one.
        assert len(tried) > 1 and tried[0] == 1
    else:
        assert tried == [1]  # the first writer holds the lock; the others then find its attempt


async def test_the_database_refuses_a_second_open_attempt_and_a_reused_number(lms: Lms, settings: Settings) -> None:
    """The repository turns both unique constraints into `NoAttemptsLeft` (names differ by database)."""
    room = await quiz_room(lms)
    first = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    engine = create_engine(settings.database_url)
    uow = SqlUnitOfWork(engine, clock=lms.clock)
    try:
        async with uow.begin() as tx:
            stored = await tx.quiz_attempts.get(first.id)
        assert stored is not None
        for number in (2, 1):  # another open attempt; then a closed one reusing number 1
            stored.id, stored.attempt_number = new_id(), number
            with pytest.raises(NoAttemptsLeft):
                async with uow.begin() as tx:
                    await tx.quiz_attempts.add(stored)
            stored.status = AttemptStatus.GRADED
    finally:
        await engine.dispose()


# -- answering ----------------------------------------------------------------------------------------


async def test_draft_answers_are_saved_replaced_and_shown_when_resuming(lms: Lms) -> None:
    room = await quiz_room(lms)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    saved = await lms.quizzes.save_answers(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_WRONG))
    assert {a.answer for a in saved.answers} == {"3", True}
    replaced = await lms.quizzes.save_answers(
        room.learner, room.quiz_id, attempt.id, sheet(attempt, {"2 + 2 = ?": ["4"], "The earth is flat.": None})
    )
    assert [(a.question_id, a.answer) for a in replaced.answers] == [(question_id(attempt, "2 + 2 = ?"), ["4"])]
    resumed = await lms.quizzes.attempt_in_progress(room.learner, room.quiz_id)
    assert resumed.answers == replaced.answers and resumed.status is AttemptStatus.IN_PROGRESS


@pytest.mark.parametrize(
    ("answers", "why"),
    [
        (lambda a: [AnswerItem(question_id=new_id(), answer=True)], "is not part of this attempt"),
        (lambda a: [AnswerItem(question_id=question_id(a, "The earth is flat."), answer=True)] * 2, "more than once"),
        (lambda a: [AnswerItem(question_id=question_id(a, "2 + 2 = ?"), answer="22")], "has no option '22'"),
        (lambda a: [AnswerItem(question_id=question_id(a, "2 + 2 = ?"), answer=["4", "4"])], "names an option twice"),
        (lambda a: [AnswerItem(question_id=question_id(a, "2 + 2 = ?"), answer=True)], "expects one option"),
        (
            lambda a: [AnswerItem(question_id=question_id(a, "The earth is flat."), answer="false")],
            "expects true or false",
        ),
    ],
)
async def test_answers_that_cannot_belong_to_the_questions_are_refused(lms: Lms, answers: Any, why: str) -> None:
    room = await quiz_room(lms)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    bad = AnswerSheet(answers=answers(attempt))
    for action in (lms.quizzes.save_answers, lms.quizzes.submit_attempt):
        with pytest.raises(InvalidAnswers, match=why) as raised:
            await action(room.learner, room.quiz_id, attempt.id, bad)
        assert raised.value.details["question_id"] == str(bad.answers[0].question_id)
    assert (await lms.quizzes.attempt_in_progress(room.learner, room.quiz_id)).answers == []


async def test_only_the_attempts_student_answers_it(lms: Lms) -> None:
    room = await quiz_room(lms)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    answers = sheet(attempt, ALL_RIGHT)
    for reader in (room.owner, await create_admin(lms)):
        with pytest.raises(NotAttemptOwner):
            await lms.quizzes.submit_attempt(reader, room.quiz_id, attempt.id, answers)
        with pytest.raises(NotAttemptOwner):
            await lms.quizzes.save_answers(reader, room.quiz_id, attempt.id, answers)
    other = await classmate(lms, room, "classmate@example.com")
    with pytest.raises(AttemptNotFound):
        await lms.quizzes.submit_attempt(other, room.quiz_id, attempt.id, answers)
    other_room = await quiz_room(lms, title="Other Course", email="other@example.com")
    with pytest.raises(AttemptNotFound):  # the attempt exists, but not under this quiz
        await lms.quizzes.submit_attempt(room.learner, other_room.quiz_id, attempt.id, answers)


# -- submitting -----------------------------------------------------------------------------------------


async def test_an_attempt_is_submitted_once(lms: Lms, clock: FixedClock) -> None:
    room = await quiz_room(lms)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    clock.advance(timedelta(seconds=95))
    result = await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, HALF_RIGHT))
    assert (result.status, result.score, result.percentage, result.is_passed) == (
        AttemptStatus.GRADED, Decimal("5.00"), Decimal("50.00"), False,
    )  # fmt: skip
    assert result.submitted_at == result.graded_at == clock.now() and result.time_taken_seconds == 95
    for action in (lms.quizzes.submit_attempt, lms.quizzes.save_answers):
        with pytest.raises(AttemptClosed):
            await action(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_RIGHT))
    assert (await lms.quizzes.get_attempt(room.learner, room.quiz_id, attempt.id)).score == Decimal("5.00")


async def test_a_concurrent_double_submit_grades_once(lms: Lms) -> None:
    room = await quiz_room(lms)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    sheets = [sheet(attempt, ALL_RIGHT), sheet(attempt, ALL_WRONG)] * 3
    outcomes = await asyncio.gather(
        *(lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, s) for s in sheets), return_exceptions=True
    )
    results = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(results) == 1
    assert all(isinstance(o, AttemptClosed) for o in outcomes if isinstance(o, BaseException))
    final = await lms.quizzes.get_attempt(room.learner, room.quiz_id, attempt.id)
    assert final.score == results[0].score and final.submitted_at == results[0].submitted_at


async def test_unanswered_questions_score_nothing(lms: Lms) -> None:
    room = await quiz_room(lms)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    result = await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, AnswerSheet())
    assert (result.score, result.percentage, result.is_passed) == (Decimal("0.00"), Decimal("0.00"), False)
    assert all(q.answer is None and q.points_awarded == Decimal("0.00") for q in result.questions)


# -- deadlines ------------------------------------------------------------------------------------------


async def test_a_submission_within_the_grace_period_counts(lms: Lms, clock: FixedClock) -> None:
    room = await quiz_room(lms, time_limit_minutes=10)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    clock.advance(timedelta(minutes=10) + DEADLINE_GRACE)
    await lms.quizzes.save_answers(room.learner, room.quiz_id, attempt.id, sheet(attempt, HALF_RIGHT))
    result = await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_RIGHT))
    assert result.score == Decimal("10.00")
    assert result.time_taken_seconds == 600  # counted up to the deadline


@pytest.mark.parametrize("late_action", ["submit", "save"])
async def test_after_the_deadline_the_saved_answers_are_submitted_and_nothing_changes(
    lms: Lms, clock: FixedClock, late_action: str
) -> None:
    room = await quiz_room(lms, time_limit_minutes=10)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    clock.advance(timedelta(minutes=9))
    await lms.quizzes.save_answers(room.learner, room.quiz_id, attempt.id, sheet(attempt, HALF_RIGHT))
    clock.advance(timedelta(minutes=1) + DEADLINE_GRACE + timedelta(seconds=1))
    assert not await _has_attempt_in_progress(lms, room.learner, room.quiz_id)  # its time is up
    action = lms.quizzes.submit_attempt if late_action == "submit" else lms.quizzes.save_answers
    with pytest.raises(DeadlinePassed):
        await action(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_RIGHT))
    closed = await lms.quizzes.get_attempt(room.learner, room.quiz_id, attempt.id)
    assert closed.status is AttemptStatus.GRADED and closed.score == Decimal("5.00")  # the draft, not the late answers
    assert closed.submitted_at == clock.now() and closed.time_taken_seconds == 600
    with pytest.raises(AttemptClosed):
        await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_RIGHT))


async def test_starting_after_an_overdue_attempt_closes_it_first(lms: Lms, clock: FixedClock) -> None:
    room = await quiz_room(lms, time_limit_minutes=5, max_attempts=2)
    first = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    await lms.quizzes.save_answers(room.learner, room.quiz_id, first.id, sheet(first, ALL_WRONG))
    clock.advance(timedelta(hours=1))
    second = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    assert second.attempt_number == 2 and second.id != first.id
    closed = await lms.quizzes.get_attempt(room.learner, room.quiz_id, first.id)
    assert closed.status is AttemptStatus.GRADED and closed.score == Decimal("0.00")
    clock.advance(timedelta(hours=1))
    with pytest.raises(NoAttemptsLeft):  # the overdue second attempt is still closed (and kept closed)
        await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    assert (await lms.quizzes.get_attempt(room.learner, room.quiz_id, second.id)).status is AttemptStatus.GRADED


# -- helpers --------------------------------------------------------------------------------------------


async def _has_attempt_in_progress(lms: Lms, learner: Actor, quiz_id: Any) -> bool:
    try:
        view: AttemptTakingView = await lms.quizzes.attempt_in_progress(learner, quiz_id)
    except AttemptNotFound:
        return False
    return view.status is AttemptStatus.IN_PROGRESS
