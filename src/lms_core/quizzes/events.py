"""Events of the quizzes module."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from lms_core.shared.events import DomainEvent


class QuizPassed(DomainEvent, frozen=True, kw_only=True):
    """An enrolment passed a graded quiz for the first time: the moment its quiz lesson got completed
    through the quiz, whether by a submission, a person's grade, an imported grade or a regrade. Recorded
    once per enrolment and quiz (the lesson's completion is a conditional update). E-mails and analytics
    follow from it."""

    event_type: ClassVar[str] = "quizzes.passed"
    enrollment_id: UUID
    student_id: UUID
    course_id: UUID
    quiz_id: UUID
    lesson_id: UUID


# What this module records; the composition root puts these in the engine's event catalogue.
EVENTS: tuple[type[DomainEvent], ...] = (QuizPassed,)
