"""The quiz service, assembled from its parts."""

from __future__ import annotations

from lms_core.quizzes.attempts import QuizAttempts
from lms_core.quizzes.authoring import QuizAuthoring
from lms_core.quizzes.batch import BatchGrading


class QuizService(QuizAuthoring, QuizAttempts, BatchGrading):
    """Quizzes of quiz lessons, their questions, the attempts learners make and their grading.

    The rules are listed on each part: `QuizAuthoring`, `QuizAttempts` and `BatchGrading`.
    """
