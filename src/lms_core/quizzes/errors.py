from __future__ import annotations

from lms_core.shared.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError


class QuizNotFound(NotFoundError):
    code = "quizzes.not_found"


class QuestionNotFound(NotFoundError):
    code = "quizzes.question_not_found"


class AttemptNotFound(NotFoundError):
    code = "quizzes.attempt_not_found"


class InvalidQuiz(InvalidInputError):
    code = "quizzes.invalid"


class InvalidQuestion(InvalidInputError):
    code = "quizzes.invalid_question"


class InvalidAnswers(InvalidInputError):
    code = "quizzes.invalid_answers"


class QuizAlreadyExists(ConflictError):
    code = "quizzes.lesson_has_quiz"


class QuizNotOpen(ConflictError):
    code = "quizzes.not_published"


class NoAttemptsLeft(ConflictError):
    code = "quizzes.no_attempts_left"


class AttemptClosed(ConflictError):
    code = "quizzes.attempt_closed"


class DeadlinePassed(ConflictError):
    code = "quizzes.deadline_passed"


class NotQuizManager(PermissionDeniedError):
    code = "quizzes.not_manager"


class NotAttemptOwner(PermissionDeniedError):
    code = "quizzes.not_attempt_owner"


class QuestionsForLearnersOnly(PermissionDeniedError):
    code = "quizzes.questions_for_learners"


class ActiveEnrollmentRequired(PermissionDeniedError):
    code = "quizzes.enrollment_required"


class QuizHasNoQuestions(ConflictError):
    code = "quizzes.no_questions"


class InvalidQuestionOrder(InvalidInputError):
    code = "quizzes.invalid_reorder"


class InvalidGrade(InvalidInputError):
    code = "quizzes.invalid_grade"


class AttemptInProgress(ConflictError):
    code = "quizzes.attempt_in_progress"
