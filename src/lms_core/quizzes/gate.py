"""How quizzes gate the completion of their lessons, for the enrolments module."""

from __future__ import annotations

from uuid import UUID

from lms_core.quizzes.entities import QuizType
from lms_core.shared.ports import UnitOfWork


class QuizCompletionGate:
    """`QuizGate` over the quizzes tables: a lesson whose quiz is graded counts as done only once an
    attempt of the enrolment has passed that quiz (any attempt: the best one counts).

    Practice quizzes, unpublished quizzes (learners cannot take them) and lessons without a quiz do
    not gate anything (None). It reads through its own short transaction, as the port expects.
    """

    def __init__(self, *, uow: UnitOfWork) -> None:
        self._uow = uow

    async def quiz_passed(self, enrollment_id: UUID, lesson_id: UUID) -> bool | None:
        async with self._uow.begin(write=False) as tx:
            quiz = await tx.quizzes.get_by_lesson(lesson_id)
            if quiz is None or quiz.quiz_type is not QuizType.GRADED or not quiz.is_published:
                return None
            return await tx.quiz_attempts.any_passed(enrollment_id, quiz.id)
