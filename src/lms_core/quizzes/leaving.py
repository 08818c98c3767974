"""What becomes of a learner's attempts in progress when they leave a course, for the enrolments module."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from lms_core.enrollments.completion import LessonCompletion
from lms_core.quizzes._access import load_quiz
from lms_core.quizzes._grades import GradeRecorder, is_new_pass
from lms_core.quizzes.entities import Attempt, Quiz
from lms_core.quizzes.ports import AttemptClosing
from lms_core.shared.ports import Transaction


class AttemptsClosedOnDrop:
    """`OpenAttempts` over the quizzes tables: dropping an enrolment closes its attempts in progress with
    their saved answers, graded through `GradeRecorder` exactly as a late submission is (a pass completes
    the quiz lesson's progress, kept for a return; a dropped enrolment itself is never completed by it).
    Afterwards nothing is saved or submitted to them (`quizzes.attempt_closed`), and a new attempt needs
    an active enrolment again."""

    def __init__(self, *, completion: LessonCompletion) -> None:
        self._grades = GradeRecorder(completion=completion)

    async def quiz_lessons(self, tx: Transaction, enrollment_id: UUID) -> set[UUID]:
        quizzes = await self._quizzes_of(tx, await tx.quiz_attempts.open_for_enrollment(enrollment_id))
        return {quiz.lesson_id for quiz in quizzes.values()}

    async def close_all(self, tx: Transaction, enrollment_id: UUID, now: datetime) -> int:
        # The attempt level, last: the caller holds the course, the lessons (shared) and the enrolment.
        attempts = await tx.quiz_attempts.open_for_enrollment(enrollment_id, for_update=True)
        if not attempts:
            return 0
        quizzes = await self._quizzes_of(tx, attempts)
        closings: list[AttemptClosing] = []
        passes: list[Attempt] = []
        for attempt in attempts:
            score = attempt.close_on_leaving(now)
            closings.append(AttemptClosing.of(attempt, score))
            if is_new_pass(None, score):
                passes.append(attempt)
        await self._grades.record(tx, quizzes=quizzes, now=now, closings=closings, passes=passes)
        return len(closings)

    @staticmethod
    async def _quizzes_of(tx: Transaction, attempts: list[Attempt]) -> dict[UUID, Quiz]:
        # An attempt's quiz is deleted with its attempts, so every one is there.
        return {quiz_id: await load_quiz(tx, quiz_id) for quiz_id in sorted({a.quiz_id for a in attempts})}
