"""Taking quizzes: attempts, answers, submission and grading."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from lms_core.courses.entities import Course
from lms_core.courses.policy import is_course_manager
from lms_core.enrollments.completion import refresh_and_complete
from lms_core.enrollments.entities import PROGRESS_STATUSES, Enrollment
from lms_core.enrollments.ports import ProgressChange
from lms_core.quizzes.base import QuizServiceBase
from lms_core.quizzes.commands import AnswerSheet, GradeAttempt, ListMyAttempts
from lms_core.quizzes.entities import Attempt, AttemptStatus, Quiz, QuizType
from lms_core.quizzes.errors import (
    ActiveEnrollmentRequired,
    AttemptClosed,
    AttemptInProgress,
    AttemptNotFound,
    DeadlinePassed,
    InvalidAnswers,
    InvalidGrade,
    NoAttemptsLeft,
    NotAttemptOwner,
    NotQuizManager,
    QuizNotOpen,
)
from lms_core.quizzes.grading import (
    FrozenQuestion,
    QuestionResult,
    Score,
    check_answer,
    grade_answers,
    summarize,
)
from lms_core.quizzes.views import AttemptResultView, AttemptTakingView, AttemptView
from lms_core.shared.actor import Actor
from lms_core.shared.ids import new_id
from lms_core.shared.pagination import Page
from lms_core.shared.ports import Transaction

# Starting races only on PostgreSQL (SQLite serialises writers); a loser looks again a few times.
START_ROUNDS = 5
MANUAL_GRADE = "manual_grade"


class QuizAttempts(QuizServiceBase):
    """Starting, answering, submitting and grading attempts.

    Rules:
    - only a student with an active (or completed) enrolment in the quiz's course starts an attempt,
      and only on a published quiz; unpublished quizzes are reported missing to learners;
    - at most `max_attempts` attempts per enrolment and at most one in progress, both enforced by the
      database's unique constraints; starting while an attempt is open returns that attempt;
    - an attempt freezes what it was given when it starts: its questions in their (shuffled) order with
      their (shuffled) options, points and answer keys, its deadline (start + time limit), its attempt
      allowance and passing score; grading reads only that copy, so editing the quiz changes nothing;
    - answers may be saved as drafts and submitted while the attempt is in progress and until its
      deadline plus `DEADLINE_GRACE`; answers are checked against the attempt's questions (known ids,
      each once, existing options, the right type); after the deadline any change closes the attempt
      with its saved answers and answers `DeadlinePassed`; an attempt is submitted once (conditional
      update), a second submission gets `AttemptClosed`;
    - submitting grades objective questions at once; with essay or open short-answer questions the
      attempt stays `submitted` until the course's instructor or an admin grades them (a grade-audit
      row per grading), then it is `graded`;
    - passing a graded quiz completes its lesson for the enrolment in the same transaction (and may
      complete the enrolment); practice quizzes never count; a later failed attempt never takes it back;
    - an attempt is visible to its student, the course's instructor and admins (404 to anyone else);
      correct answers and explanations are shown once it is closed and the quiz shows them (always to
      the instructor and admins).
    """

    # -- taking -----------------------------------------------------------------------------------

    async def start_attempt(self, actor: Actor, quiz_id: UUID) -> AttemptTakingView:
        """Start an attempt, or return the one in progress."""
        for _ in range(START_ROUNDS):
            view = await self._start_once(actor, quiz_id)
            if view is not None:
                return view
        raise NoAttemptsLeft("could not start an attempt; try again", details={"quiz_id": str(quiz_id)})

    async def _start_once(self, actor: Actor, quiz_id: UUID) -> AttemptTakingView | None:
        """One try in one transaction; None when a concurrent start won the unique constraint."""
        async with self._uow.begin() as tx:
            quiz, course = await self._visible_quiz(tx, actor, quiz_id)
            if not quiz.is_published:
                raise QuizNotOpen("the quiz is not published", details={"quiz_id": str(quiz.id)})
            enrollment = await self._learner_enrollment(tx, actor, course)
            now = self._clock.now()
            current = await tx.quiz_attempts.find_open(enrollment.id, quiz.id)
            if current is not None:
                if current.accepts_answers(now):
                    return AttemptTakingView.taking(current)
                # Its time is up: it is graded with what was saved, and a new one may start.
                await self._close(tx, current, quiz, current.answers, now)
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
        """The caller's attempt in progress, to take it (404 when there is none: start one first)."""
        user_id = actor.require_user()
        async with self._uow.begin(write=False) as tx:
            quiz, course = await self._visible_quiz(tx, actor, quiz_id)
            enrollment = await tx.enrollments.find(user_id, course.id)
            current = None if enrollment is None else await tx.quiz_attempts.find_open(enrollment.id, quiz.id)
        if current is None or not current.accepts_answers(self._clock.now()):
            raise AttemptNotFound("no attempt in progress; start one", details={"quiz_id": str(quiz_id)})
        return AttemptTakingView.taking(current)

    async def save_answers(
        self, actor: Actor, quiz_id: UUID, attempt_id: UUID, command: AnswerSheet
    ) -> AttemptTakingView:
        """Save draft answers (replacing those saved before) while the attempt is open."""
        async with self._uow.begin() as tx:
            attempt, quiz = await self._own_attempt(tx, actor, quiz_id, attempt_id)
            now = self._clock.now()
            late = await self._close_if_overdue(tx, attempt, quiz, now)
            if not late:
                answers = _checked_answers(attempt.questions, command)
                if not await tx.quiz_attempts.save_answers(attempt.id, answers):
                    raise _closed(attempt)
                attempt.answers = answers
                await tx.commit()
        if late:
            raise _deadline_passed(attempt)
        return AttemptTakingView.taking(attempt)

    async def submit_attempt(
        self, actor: Actor, quiz_id: UUID, attempt_id: UUID, command: AnswerSheet
    ) -> AttemptResultView:
        """Submit the answers and grade them; once only, and not after the deadline."""
        async with self._uow.begin() as tx:
            attempt, quiz = await self._own_attempt(tx, actor, quiz_id, attempt_id)
            now = self._clock.now()
            late = await self._close_if_overdue(tx, attempt, quiz, now)
            if not late:
                answers = _checked_answers(attempt.questions, command)
                if await self._close(tx, attempt, quiz, answers, now) is None:
                    raise _closed(attempt)
                attempt = await self._attempt(tx, quiz_id, attempt.id)
                await tx.commit()
        if late:
            raise _deadline_passed(attempt)
        return AttemptResultView.result(attempt, reveal=quiz.show_correct_answers)

    # -- reading ----------------------------------------------------------------------------------

    async def get_attempt(self, actor: Actor, quiz_id: UUID, attempt_id: UUID) -> AttemptResultView:
        """An attempt with each question's outcome (its student, the course's instructor, admins)."""
        async with self._uow.begin(write=False) as tx:
            attempt = await self._attempt(tx, quiz_id, attempt_id)
            quiz = await self._quiz(tx, attempt.quiz_id)
            course = await self._course(tx, quiz.course_id)
            _require_reader(actor, attempt, course)
        manager = is_course_manager(actor, course)
        closed = attempt.status is not AttemptStatus.IN_PROGRESS
        return AttemptResultView.result(attempt, reveal=manager or (closed and quiz.show_correct_answers))

    async def my_attempts(self, actor: Actor, quiz_id: UUID, query: ListMyAttempts) -> Page[AttemptView]:
        """The caller's attempts at a quiz, latest first."""
        user_id = actor.require_user()
        async with self._uow.begin(write=False) as tx:
            quiz, _ = await self._visible_quiz(tx, actor, quiz_id)
            attempts = await tx.quiz_attempts.list_for_student(user_id, quiz.id)
        start = (query.page - 1) * query.page_size
        return Page(
            items=[AttemptView.of(a) for a in attempts[start : start + query.page_size]],
            total=len(attempts),
            page=query.page,
            page_size=query.page_size,
        )

    # -- grading by a person ----------------------------------------------------------------------

    async def grade_attempt(
        self, actor: Actor, quiz_id: UUID, attempt_id: UUID, command: GradeAttempt
    ) -> AttemptResultView:
        """Grade essay and open short-answer questions of a submitted attempt (course managers), or change
        such a grade. The attempt is `graded` once no question waits for a person."""
        async with self._uow.begin() as tx:
            found = await self._attempt(tx, quiz_id, attempt_id)
            quiz = await self._quiz(tx, found.quiz_id)
            course = await self._course(tx, quiz.course_id)
            _require_reader(actor, found, course)
            if not is_course_manager(actor, course):
                raise NotQuizManager("only the course's instructor or an admin grades attempts")
            # One grader at a time per learner, locked in the order every completion path uses.
            await tx.enrollments.get_for_update(found.enrollment_id)
            attempt = await self._attempt(tx, quiz_id, attempt_id)
            if attempt.status is AttemptStatus.IN_PROGRESS:
                raise AttemptInProgress("the attempt has not been submitted yet", details={"status": "in_progress"})
            now = self._clock.now()
            results = _with_manual_grades(attempt, command)
            score = summarize(attempt.questions, results, attempt.passing_score)
            status = AttemptStatus.SUBMITTED if score.pending_manual else AttemptStatus.GRADED
            await tx.quiz_attempts.record_grades(attempt.id, results=results, score=score, status=status, now=now)
            await tx.grade_audit.add(
                attempt_id=attempt.id, quiz_id=quiz.id, reason=MANUAL_GRADE, old=_stored_score(attempt), new=score,
                now=now,
            )  # fmt: skip
            if status is AttemptStatus.GRADED and score.is_passed:
                await self._complete_quiz_lesson(tx, quiz, attempt.enrollment_id, now)
            attempt = await self._attempt(tx, quiz_id, attempt.id)
            await tx.commit()
        return AttemptResultView.result(attempt, reveal=True)

    # -- helpers ----------------------------------------------------------------------------------

    async def _learner_enrollment(self, tx: Transaction, actor: Actor, course: Course) -> Enrollment:
        user_id = actor.require_user()
        enrollment = await tx.enrollments.find(user_id, course.id)
        if enrollment is None or enrollment.status not in PROGRESS_STATUSES:
            raise ActiveEnrollmentRequired(
                "only learners enrolled in the course take its quizzes", details={"course_id": str(course.id)}
            )
        return enrollment

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

    async def _attempt(self, tx: Transaction, quiz_id: UUID, attempt_id: UUID) -> Attempt:
        attempt = await tx.quiz_attempts.get(attempt_id)
        if attempt is None or attempt.quiz_id != quiz_id:
            raise _attempt_not_found(attempt_id)
        return attempt

    async def _own_attempt(
        self, tx: Transaction, actor: Actor, quiz_id: UUID, attempt_id: UUID
    ) -> tuple[Attempt, Quiz]:
        """An attempt the caller took; its other readers (instructor, admins) get 403."""
        attempt = await self._attempt(tx, quiz_id, attempt_id)
        quiz = await self._quiz(tx, attempt.quiz_id)
        _require_reader(actor, attempt, await self._course(tx, quiz.course_id))
        if actor.user_id != attempt.student_id:
            raise NotAttemptOwner("only the student who started the attempt answers it")
        if attempt.status is not AttemptStatus.IN_PROGRESS:
            raise _closed(attempt)
        return attempt, quiz

    async def _close_if_overdue(self, tx: Transaction, attempt: Attempt, quiz: Quiz, now: datetime) -> bool:
        """Past its deadline (and grace) an attempt is closed with its saved answers, committed at once."""
        if attempt.accepts_answers(now):
            return False
        await self._close(tx, attempt, quiz, attempt.answers, now)
        await tx.commit()
        return True

    async def _close(
        self, tx: Transaction, attempt: Attempt, quiz: Quiz, answers: dict[str, Any], now: datetime
    ) -> Score | None:
        """Grade and close an attempt from what it stored; None if someone else closed it first."""
        results = grade_answers(attempt.questions, answers)
        score = summarize(attempt.questions, results, attempt.passing_score)
        end = now if attempt.deadline_at is None else min(now, attempt.deadline_at)
        taken = max(0, int((end - attempt.started_at).total_seconds()))
        closed = await tx.quiz_attempts.close(
            attempt.id, answers=answers, results=results, score=score, now=now, time_taken_seconds=taken
        )
        if not closed:
            return None
        if not score.pending_manual and score.is_passed:
            await self._complete_quiz_lesson(tx, quiz, attempt.enrollment_id, now)
        return score

    async def _complete_quiz_lesson(self, tx: Transaction, quiz: Quiz, enrollment_id: UUID, now: datetime) -> None:
        """A passed graded quiz completes its lesson, and maybe the enrolment; practice quizzes never do."""
        if quiz.quiz_type is not QuizType.GRADED:
            return
        # The enrolment is locked before its progress rows, as the enrolments service does (no deadlock).
        await tx.enrollments.get_for_update(enrollment_id)
        change = ProgressChange(add_seconds=0, position_seconds=None, completion_bp=None, complete=True, now=now)
        await tx.lesson_progress.apply(enrollment_id, quiz.lesson_id, change)
        await refresh_and_complete(tx, quiz.course_id, now, enrollment_id=enrollment_id)


def _require_reader(actor: Actor, attempt: Attempt, course: Course) -> None:
    """An attempt is seen by its student, the course's instructor and admins; to others it does not exist."""
    owner = actor.user_id is not None and actor.user_id == attempt.student_id
    if not (owner or is_course_manager(actor, course)):
        raise _attempt_not_found(attempt.id)


def _checked_answers(questions: list[FrozenQuestion], sheet: AnswerSheet) -> dict[str, Any]:
    """The answers keyed by question id, after checking each against the attempt's own questions."""
    by_id = {q.question_id: q for q in questions}
    answers: dict[str, Any] = {}
    seen: set[UUID] = set()
    for item in sheet.answers:
        question = by_id.get(item.question_id)
        where = {"question_id": str(item.question_id)}
        if question is None:
            raise InvalidAnswers(f"question {item.question_id} is not part of this attempt", details=where)
        if item.question_id in seen:
            raise InvalidAnswers(f"question {item.question_id} is answered more than once", details=where)
        seen.add(item.question_id)
        problem = check_answer(question, item.answer)
        if problem is not None:
            raise InvalidAnswers(f"the answer to question {item.question_id} {problem}", details=where)
        if item.answer is not None:
            answers[str(item.question_id)] = item.answer
    return answers


def _with_manual_grades(attempt: Attempt, command: GradeAttempt) -> list[QuestionResult]:
    """The attempt's results with a person's grades applied to questions that need one."""
    questions = {q.question_id: q for q in attempt.questions}
    # The stored results, completed from the answers should any be missing (never graded yet).
    results = {r.question_id: r for r in grade_answers(attempt.questions, attempt.answers)}
    results.update({r.question_id: r for r in attempt.results or []})
    graded: set[UUID] = set()
    for grade in command.grades:
        where = {"question_id": str(grade.question_id)}
        question = questions.get(grade.question_id)
        if question is None:
            raise InvalidGrade(f"question {grade.question_id} is not part of this attempt", details=where)
        if grade.question_id in graded:
            raise InvalidGrade(f"question {grade.question_id} is graded more than once", details=where)
        graded.add(grade.question_id)
        if results[grade.question_id].graded_by == "auto":
            raise InvalidGrade(
                f"question {grade.question_id} is graded automatically (or was not answered)", details=where
            )
        points = _centi(grade.points, question.points_centi, where)
        results[grade.question_id] = QuestionResult(
            question_id=grade.question_id,
            points_centi=points,
            is_correct=points == question.points_centi,
            graded_by="manual",
            feedback=grade.feedback.strip() if grade.feedback and grade.feedback.strip() else None,
        )
    return [results[q.question_id] for q in attempt.questions]


def _centi(points: Decimal, most: int, where: dict[str, str]) -> int:
    """Points as hundredths: a number from 0 to the question's points with at most two decimals."""
    if not points.is_finite() or points < 0:
        raise InvalidGrade("points must be a number of at least 0", details={**where, "field": "points"})
    centi = points * 100
    if centi != centi.to_integral_value():
        raise InvalidGrade("points have at most two decimals", details={**where, "field": "points"})
    if int(centi) > most:
        raise InvalidGrade(
            f"the question is worth {Decimal(most) / 100:.2f} points at most", details={**where, "field": "points"}
        )
    return int(centi)


def _stored_score(attempt: Attempt) -> Score | None:
    if attempt.score_centi is None or attempt.percentage_bp is None:
        return None
    return Score(
        score_centi=attempt.score_centi,
        max_score_centi=attempt.max_score_centi,
        percentage_bp=attempt.percentage_bp,
        is_passed=bool(attempt.is_passed),
        pending_manual=attempt.status is AttemptStatus.SUBMITTED,
    )


def _attempt_not_found(attempt_id: UUID) -> AttemptNotFound:
    return AttemptNotFound("no such attempt", details={"attempt_id": str(attempt_id)})


def _closed(attempt: Attempt) -> AttemptClosed:
    return AttemptClosed("the attempt has been submitted already", details={"attempt_id": str(attempt.id)})


def _deadline_passed(attempt: Attempt) -> DeadlinePassed:
    return DeadlinePassed(
        "the attempt's time is up; it was submitted with the answers saved before the deadline",
        details={
            "attempt_id": str(attempt.id),
            "deadline_at": attempt.deadline_at.isoformat() if attempt.deadline_at else None,
        },
    )
