"""Recording grades and what follows from them: the one path for one attempt and for many.

A submission, a person's grade, a grade import, grading what is pending and a regrade all end here: the
attempts' closings and grades are written in bulk (one attempt is a batch of one), the grade audit gets
its rows, and each new pass of a graded quiz completes the quiz lesson of its enrolment through the
enrolments module's `LessonCompletion`, with a `QuizPassed` event when that completion is new.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms_core.enrollments.completion import LessonCompletion
from lms_core.quizzes.entities import Quiz
from lms_core.quizzes.events import QuizPassed
from lms_core.quizzes.grading import Score
from lms_core.quizzes.ports import AttemptClosing, GradeChange, GradeWrite
from lms_core.shared.ports import Transaction


class Graded(Protocol):
    """An attempt as passes are counted: an `Attempt` or a batch's `GradingRow`."""

    @property
    def quiz_id(self) -> UUID: ...

    @property
    def enrollment_id(self) -> UUID: ...

    @property
    def student_id(self) -> UUID: ...


def is_new_pass(stored_passed: bool | None, score: Score) -> bool:
    """A pass now that was not one before: only these complete lessons (a pass, once granted, may have
    been acted on, so a later fail never takes it back, and an old pass has done its work already)."""
    return score.passed is True and stored_passed is not True


class GradeRecorder:
    """Writes grading decisions, for one attempt or many, inside the caller's transaction.

    Callers lock in the documented order before they read the attempts they grade: `hold` takes the
    course and lesson levels (and, when known, the enrolments), then the store or repository locks the
    attempts.
    """

    def __init__(self, *, completion: LessonCompletion) -> None:
        self._completion = completion

    async def hold(self, tx: Transaction, quizzes: Iterable[Quiz], enrollment_ids: Collection[UUID] = ()) -> None:
        """Lock the quizzes' courses and lessons (shared), then the enrolments: what comes before attempts."""
        chosen = list(quizzes)
        await self._completion.hold(
            tx,
            course_ids={quiz.course_id for quiz in chosen},
            lesson_ids={quiz.lesson_id for quiz in chosen},
            enrollment_ids=enrollment_ids,
        )

    async def record(
        self,
        tx: Transaction,
        *,
        quizzes: Mapping[UUID, Quiz],
        now: datetime,
        closings: Sequence[AttemptClosing] = (),
        grades: Sequence[GradeWrite] = (),
        changes: Sequence[GradeChange] = (),
        passes: Sequence[Graded] = (),
    ) -> int:
        """Write closings, grades and audit rows, then complete the quiz lessons of new passes; the number
        of enrolments that passed their quiz for the first time (one `QuizPassed` each)."""
        store = tx.grading_batch
        if closings:
            await store.close(closings, now=now)
        if grades:
            await store.write_grades(grades, now=now)
        if changes:
            await tx.grade_audit.record(changes, now=now)
        return await self._complete_passes(tx, passes, quizzes, now) if passes else 0

    async def _complete_passes(
        self, tx: Transaction, passes: Sequence[Graded], quizzes: Mapping[UUID, Quiz], now: datetime
    ) -> int:
        by_quiz: dict[UUID, dict[UUID, UUID]] = {}
        for attempt in passes:
            by_quiz.setdefault(attempt.quiz_id, {})[attempt.enrollment_id] = attempt.student_id
        events: list[QuizPassed] = []
        for quiz_id, students in by_quiz.items():
            quiz = quizzes[quiz_id]
            if not quiz.counts_for_completion:
                continue
            newly = await self._completion.complete(tx, quiz.course_id, quiz.lesson_id, list(students), now)
            events.extend(
                QuizPassed(
                    enrollment_id=enrollment_id,
                    student_id=students[enrollment_id],
                    course_id=quiz.course_id,
                    quiz_id=quiz.id,
                    lesson_id=quiz.lesson_id,
                )
                for enrollment_id in newly
            )
        if events:
            await tx.outbox.add_all(events)
        return len(events)
