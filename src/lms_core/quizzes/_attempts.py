"""Taking quizzes: starting, answering, submitting, reading and grading one attempt by hand."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from lms_core.courses.entities import Course
from lms_core.enrollments.entities import PROGRESS_STATUSES, Enrollment
from lms_core.quizzes._access import load_attempt, visible_quiz
from lms_core.quizzes._grades import GradeRecorder, is_new_pass
from lms_core.quizzes.commands import AnswerSheet, GradeAttempt, ListMyAttempts
from lms_core.quizzes.entities import Attempt, AttemptStatus, Quiz
from lms_core.quizzes.errors import (
    ActiveEnrollmentRequired,
    AttemptClosed,
    AttemptNotFound,
    DeadlinePassed,
    NoAttemptsLeft,
    QuizNotOpen,
)
from lms_core.quizzes.grading import FrozenQuestion, Score
from lms_core.quizzes.policy import (
    may_see_answer_keys,
    require_attempt_grader,
    require_attempt_owner,
    require_can_read_attempt,
)
from lms_core.quizzes.ports import AttemptClosing, GradeChange, GradeWrite
from lms_core.quizzes.views import AttemptResultView, AttemptTakingView, AttemptView
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.ids import new_id
from lms_core.shared.pagination import Page
from lms_core.shared.ports import Transaction, UnitOfWork

# Starting races only on PostgreSQL (SQLite serialises writers); a loser looks again a few times.
START_ROUNDS = 5
MANUAL_GRADE = "manual_grade"


class AttemptUseCases:
    """Starting, answering, submitting and grading attempts (see `QuizService` for the rules).

    Every path that closes or grades an attempt locks in the documented order: the quiz's lesson
    (shared), the enrolment, then the attempt, re-read under its lock; the entity then decides
    (`Attempt.submit`, `expire`, `grade_by_hand`) and `GradeRecorder` writes it as a batch of one.
    """

    def __init__(self, *, uow: UnitOfWork, clock: Clock, grades: GradeRecorder, rng: random.Random) -> None:
        self._uow = uow
        self._clock = clock
        self._grades = grades
        self._rng = rng

    # -- taking -----------------------------------------------------------------------------------

    async def start_attempt(self, actor: Actor, quiz_id: UUID) -> AttemptTakingView:
        for _ in range(START_ROUNDS):
            view = await self._start_once(actor, quiz_id)
            if view is not None:
                return view
        raise NoAttemptsLeft("could not start an attempt; try again", details={"quiz_id": str(quiz_id)})

    async def _start_once(self, actor: Actor, quiz_id: UUID) -> AttemptTakingView | None:
        """One try in one transaction; None when a concurrent start won the unique constraint."""
        async with self._uow.begin() as tx:
            quiz, course = await visible_quiz(tx, actor, quiz_id)
            if not quiz.is_published:
                raise QuizNotOpen("the quiz is not published", details={"quiz_id": str(quiz.id)})
            enrollment = await _learner_enrollment(tx, actor, course)
            # The lesson level first: the new attempt's foreign keys lock the enrolment and the quiz (whose
            # lesson's deletion cascades to it), so a deletion must not get between them. The enrolment is
            # read again once held: a drop holds the course for update, so a drop under way was waited for,
            # and a drop that committed meanwhile leaves no active enrolment to start an attempt for (a
            # drop that comes later waits for this start, then closes its attempt).
            await self._grades.hold(tx, [quiz])
            enrollment = await _learner_enrollment(tx, actor, course)
            now = self._clock.now()
            current = await tx.quiz_attempts.find_open(enrollment.id, quiz.id)
            if current is not None:
                if current.accepts_answers(now):
                    return AttemptTakingView.taking(current)
                # Its time is up: it is graded with what was saved, and a new one may start.
                await self._close_overdue(tx, quiz, current, now)
            # The next number; two concurrent starts pick the same one and the unique constraint (or the
            # one-open index) turns the second away, so the allowance holds without locks.
            number = await tx.quiz_attempts.count(enrollment.id, quiz.id) + 1
            if quiz.max_attempts is None or number <= quiz.max_attempts:
                attempt = await self._new_attempt(tx, quiz, enrollment, number, now)
                try:
                    await tx.quiz_attempts.add(attempt)
                except NoAttemptsLeft:
                    return None  # rolled back on leaving; the next round sees the winner's attempt
                await tx.commit()
                return AttemptTakingView.taking(attempt)
            await tx.commit()  # keeps the closing of an overdue attempt
        raise NoAttemptsLeft(
            f"all {quiz.max_attempts} attempts at this quiz are used", details={"quiz_id": str(quiz.id)}
        )

    async def attempt_in_progress(self, actor: Actor, quiz_id: UUID) -> AttemptTakingView:
        user_id = actor.require_user()
        async with self._uow.begin(write=False) as tx:
            quiz, course = await visible_quiz(tx, actor, quiz_id)
            enrollment = await tx.enrollments.find(user_id, course.id)
            current = None if enrollment is None else await tx.quiz_attempts.find_open(enrollment.id, quiz.id)
        if current is None or not current.accepts_answers(self._clock.now()):
            raise AttemptNotFound("no attempt in progress; start one", details={"quiz_id": str(quiz_id)})
        return AttemptTakingView.taking(current)

    async def save_answers(
        self, actor: Actor, quiz_id: UUID, attempt_id: UUID, command: AnswerSheet
    ) -> AttemptTakingView:
        attempt, _ = await self._answer(actor, quiz_id, attempt_id, command, submit=False)
        return AttemptTakingView.taking(attempt)

    async def submit_attempt(
        self, actor: Actor, quiz_id: UUID, attempt_id: UUID, command: AnswerSheet
    ) -> AttemptResultView:
        attempt, quiz = await self._answer(actor, quiz_id, attempt_id, command, submit=True)
        return AttemptResultView.result(attempt, reveal=quiz.show_correct_answers)

    async def _answer(
        self, actor: Actor, quiz_id: UUID, attempt_id: UUID, command: AnswerSheet, *, submit: bool
    ) -> tuple[Attempt, Quiz]:
        """Save a draft or submit, in one transaction. Closing an attempt (a submission, or any change once
        its time is up) locks it in the documented order first; a draft in time changes only the attempt."""
        async with self._uow.begin() as tx:
            attempt, quiz, course = await load_attempt(tx, quiz_id, attempt_id)
            require_attempt_owner(actor, attempt, course)
            if attempt.is_closed:
                raise _closed(attempt)
            now = self._clock.now()
            if submit or attempt.is_overdue(now):
                attempt = await self._locked(tx, quiz, attempt)
            score: Score | None = None
            try:
                if submit:
                    score = attempt.submit(_items(command), now)
                else:
                    attempt.save_draft(_items(command), now)
            except DeadlinePassed:
                # Closed with the answers saved before the deadline; that is kept, then the change refused.
                await self._record_closing(tx, quiz, attempt, attempt.expire(now), now)
                await tx.commit()
                raise
            if score is not None:
                await self._record_closing(tx, quiz, attempt, score, now)
            # Conditional on the attempt being in progress: a draft never reopens a submitted attempt.
            elif not await tx.quiz_attempts.save_answers(attempt.id, attempt.answers):
                raise _closed(attempt)
            await tx.commit()
        return attempt, quiz

    # -- reading ----------------------------------------------------------------------------------

    async def get_attempt(self, actor: Actor, quiz_id: UUID, attempt_id: UUID) -> AttemptResultView:
        async with self._uow.begin(write=False) as tx:
            attempt, quiz, course = await load_attempt(tx, quiz_id, attempt_id)
            require_can_read_attempt(actor, attempt, course)
        return AttemptResultView.result(attempt, reveal=may_see_answer_keys(actor, course, attempt, quiz))

    async def my_attempts(self, actor: Actor, quiz_id: UUID, query: ListMyAttempts) -> Page[AttemptView]:
        user_id = actor.require_user()
        async with self._uow.begin(write=False) as tx:
            quiz, _ = await visible_quiz(tx, actor, quiz_id)
            attempts, total = await tx.quiz_attempts.page_for_student(
                user_id, quiz.id, offset=query.offset, limit=query.limit
            )
        return query.page_of([AttemptView.of(a) for a in attempts], total)

    # -- grading by a person ----------------------------------------------------------------------

    async def grade_attempt(
        self, actor: Actor, quiz_id: UUID, attempt_id: UUID, command: GradeAttempt
    ) -> AttemptResultView:
        async with self._uow.begin() as tx:
            found, quiz, course = await load_attempt(tx, quiz_id, attempt_id)
            require_attempt_grader(actor, found, course)
            attempt = await self._locked(tx, quiz, found)
            old = attempt.score
            now = self._clock.now()
            score = attempt.grade_by_hand(((g.question_id, g.points, g.feedback) for g in command.grades), now)
            await self._grades.record(
                tx,
                quizzes={quiz.id: quiz},
                now=now,
                grades=[GradeWrite.of(attempt, score)],
                changes=[GradeChange(attempt_id=attempt.id, quiz_id=quiz.id, reason=MANUAL_GRADE, old=old, new=score)],
                passes=[attempt] if is_new_pass(None if old is None else old.passed, score) else [],
            )
            await tx.commit()
        return AttemptResultView.result(attempt, reveal=True)

    # -- helpers ----------------------------------------------------------------------------------

    async def _locked(self, tx: Transaction, quiz: Quiz, attempt: Attempt) -> Attempt:
        """The attempt re-read under its lock, after the lesson and the enrolment (the lock order)."""
        await self._grades.hold(tx, [quiz], [attempt.enrollment_id])
        locked = await tx.quiz_attempts.get_for_update(attempt.id)
        if locked is None:  # deleted with its quiz meanwhile
            raise AttemptNotFound("no such attempt", details={"attempt_id": str(attempt.id)})
        return locked

    async def _close_overdue(self, tx: Transaction, quiz: Quiz, attempt: Attempt, now: datetime) -> None:
        """Close an overdue attempt with its saved answers, in the caller's transaction (unless someone
        closed it first)."""
        locked = await self._locked(tx, quiz, attempt)
        if locked.is_overdue(now):
            await self._record_closing(tx, quiz, locked, locked.expire(now), now)

    async def _record_closing(self, tx: Transaction, quiz: Quiz, attempt: Attempt, score: Score, now: datetime) -> None:
        await self._grades.record(
            tx,
            quizzes={quiz.id: quiz},
            now=now,
            closings=[AttemptClosing.of(attempt, score)],
            passes=[attempt] if is_new_pass(None, score) else [],
        )

    async def _new_attempt(
        self, tx: Transaction, quiz: Quiz, enrollment: Enrollment, number: int, now: datetime
    ) -> Attempt:
        questions = await tx.quiz_questions.list_for_quiz(quiz.id)
        if not questions:
            raise QuizNotOpen("the quiz has no questions yet", details={"quiz_id": str(quiz.id)})
        if quiz.shuffle_questions:
            self._rng.shuffle(questions)
        frozen: list[FrozenQuestion] = []
        for question in questions:
            options = list(question.options) if question.options is not None else None
            if options is not None and quiz.shuffle_options:
                self._rng.shuffle(options)
            frozen.append(question.frozen(options))
        limit = quiz.time_limit_minutes
        return Attempt(
            id=new_id(),
            quiz_id=quiz.id,
            enrollment_id=enrollment.id,
            student_id=enrollment.student_id,
            attempt_number=number,
            status=AttemptStatus.IN_PROGRESS,
            started_at=now,
            deadline_at=None if limit is None else now + timedelta(minutes=limit),
            attempts_allowed=quiz.max_attempts,
            passing_score=quiz.passing_score,
            questions=frozen,
            answers={},
            max_score_centi=sum(q.points_centi for q in frozen),
        )


async def _learner_enrollment(tx: Transaction, actor: Actor, course: Course) -> Enrollment:
    user_id = actor.require_user()
    enrollment = await tx.enrollments.find(user_id, course.id)
    if enrollment is None or enrollment.status not in PROGRESS_STATUSES:
        raise ActiveEnrollmentRequired(
            "only learners enrolled in the course take its quizzes", details={"course_id": str(course.id)}
        )
    return enrollment


def _items(sheet: AnswerSheet) -> list[tuple[UUID, Any]]:
    return [(item.question_id, item.answer) for item in sheet.answers]


def _closed(attempt: Attempt) -> AttemptClosed:
    return AttemptClosed("the attempt has been submitted already", details={"attempt_id": str(attempt.id)})
