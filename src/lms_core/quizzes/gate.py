"""How quizzes gate the completion of their lessons, for the enrolments module."""

from __future__ import annotations

from uuid import UUID

from lms_core.shared.ports import Transaction


class QuizCompletionGate:
    """`QuizGate` over the quizzes tables: a lesson whose quiz is graded counts as done only once an
    attempt of the enrolment has passed that quiz (any attempt: the best one counts).

    Practice quizzes, unpublished quizzes (learners cannot take them) and lessons without a quiz do
    not gate anything (None). It reads inside the caller's transaction.
    """

    async def quiz_passed(self, tx: Transaction, enrollment_id: UUID, lesson_id: UUID) -> bool | None:
        quiz = await tx.quizzes.get_by_lesson(lesson_id)
        if quiz is None or not quiz.counts_for_completion or not quiz.is_published:
            return None
        return await tx.quiz_attempts.any_passed(enrollment_id, quiz.id)
