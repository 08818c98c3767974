"""The quiz service: the quizzes module's public face."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from uuid import UUID

from lms_core.enrollments.completion import LessonCompletion
from lms_core.quizzes._attempts import AttemptUseCases
from lms_core.quizzes._authoring import AuthoringUseCases
from lms_core.quizzes._batch_grading import BatchGradingUseCases, ProgressListener
from lms_core.quizzes._grades import GradeRecorder
from lms_core.quizzes.commands import (
    AddQuestion,
    AnswerSheet,
    CreateQuiz,
    ExportGrades,
    GradeAttempt,
    GradePending,
    ImportGrades,
    ListMyAttempts,
    RegradeQuiz,
    ReorderQuestions,
    UpdateQuestion,
    UpdateQuiz,
)
from lms_core.quizzes.views import (
    AttemptResultView,
    AttemptTakingView,
    AttemptView,
    GradeImportReport,
    GradeRecordView,
    ManagedQuestionView,
    PendingGradingReport,
    QuestionView,
    QuizView,
    RegradeReport,
)
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.pagination import Page
from lms_core.shared.ports import UnitOfWork


class QuizService:
    """Quizzes of quiz lessons, their questions, the attempts learners make and their grading.

    Authoring:
    - a quiz belongs to one lesson of type `quiz` of its course, and a lesson has at most one quiz;
    - only the course's instructor or an admin creates, changes or publishes quizzes and questions, and
      sees the answer keys; everyone else sees the published quizzes of courses they can see, without
      answer keys; an unpublished quiz is reported as missing;
    - questions are course content: only the course's learners and managers read them, or anyone who
      sees the quiz when its lesson is a preview lesson (403 `quizzes.questions_for_learners` otherwise);
    - a quiz is published only with at least one question, and a published quiz keeps at least one;
      points are positive, at most 1000, with at most two decimals; `order_index` stays contiguous;
    - authoring never touches attempts: an attempt keeps the settings and questions it started with.

    Attempts:
    - only a student with an active (or completed) enrolment in the quiz's course starts an attempt,
      and only on a published quiz; at most `max_attempts` per enrolment and one in progress, both
      enforced by the database's unique constraints; starting while one is open returns it;
    - an attempt freezes its questions (shuffled order and options, keys, points), deadline, allowance
      and passing score when it starts; grading reads only that copy;
    - answers are saved as drafts and submitted while in progress and until the deadline plus
      `DEADLINE_GRACE`, checked against the attempt's questions; after it any change closes the attempt
      with its saved answers (kept) and answers `DeadlinePassed`; an attempt is submitted once;
    - submitting grades objective questions at once; with essay or open short-answer questions the
      attempt stays `submitted` (no pass or fail) until the course's instructor or an admin grades them
      (a grade-audit row per grading), then it is `graded`;
    - passing a graded quiz completes its lesson for the enrolment in the same transaction (through the
      enrolments module, which may complete the enrolment) and records `QuizPassed` the first time;
      practice quizzes never count; a later fail never takes a pass back;
    - an attempt is visible to its student, the course's instructor and admins (404 to anyone else);
      correct answers and explanations are shown once it is closed and the quiz shows them (always to
      the instructor and admins).

    Batch grading (operator jobs):
    - a quiz's jobs are for its course's instructor and admins (and `Actor.system()`); grading pending
      attempts of every course is for admins;
    - they work in chunks, each in its own transaction with its rows locked, so a run can be
      interrupted and rerun; they write through the same path as a single attempt;
    - `grade_pending` closes attempts past their deadline plus grace exactly as a late submission would,
      and grades submitted attempts whose results were never recorded;
    - `regrade` re-keys each attempt from the quiz's current questions (the attempt's own order, option
      order and texts stay), grades it again, keeps grades a person gave (capped at a lowered maximum),
      and audits each attempt whose score or outcome changed; a question deleted, or whose type or set
      of options changed, keeps the attempt's key (reported); attempts in progress get the new key too;
      `dry_run` changes nothing;
    - an import applies a person's grades to questions awaiting one (or given one before): every line
      is checked first, and one bad line rejects the whole file, with every problem reported by line.

    Every path that touches an attempt and its enrolment locks in the documented order: course, lesson
    (shared), enrolment, attempt.
    """

    def __init__(
        self, *, uow: UnitOfWork, clock: Clock, completion: LessonCompletion, rng: random.Random | None = None
    ) -> None:
        grades = GradeRecorder(completion=completion)
        self._authoring = AuthoringUseCases(uow=uow, clock=clock)
        # Shuffling needs unpredictability, not secrecy: answers are graded server-side.
        self._attempts = AttemptUseCases(uow=uow, clock=clock, grades=grades, rng=rng or random.Random())  # noqa: S311
        self._batch = BatchGradingUseCases(uow=uow, clock=clock, grades=grades)

    # -- authoring ----------------------------------------------------------------------------------

    async def list_quizzes(self, actor: Actor, course_id: UUID) -> list[QuizView]:
        """The course's quizzes in outline order: all for its managers, the published ones for others."""
        return await self._authoring.list_quizzes(actor, course_id)

    async def get_quiz(self, actor: Actor, quiz_id: UUID, *, course_id: UUID | None = None) -> QuizView:
        """One quiz; `course_id`, when given, must be the quiz's course (else: not found)."""
        return await self._authoring.get_quiz(actor, quiz_id, course_id=course_id)

    async def create_quiz(self, actor: Actor, course_id: UUID, command: CreateQuiz) -> QuizView:
        """Create the (unpublished) quiz of a `quiz` lesson of the course."""
        return await self._authoring.create_quiz(actor, course_id, command)

    async def update_quiz(
        self, actor: Actor, quiz_id: UUID, command: UpdateQuiz, *, course_id: UUID | None = None
    ) -> QuizView:
        """Change a quiz's settings. Attempts already started keep the settings they started with."""
        return await self._authoring.update_quiz(actor, quiz_id, command, course_id=course_id)

    async def publish_quiz(self, actor: Actor, quiz_id: UUID, *, course_id: UUID | None = None) -> QuizView:
        """Publish a quiz that has at least one question (publishing again changes nothing)."""
        return await self._authoring.publish_quiz(actor, quiz_id, course_id=course_id)

    async def list_questions(self, actor: Actor, quiz_id: UUID) -> list[QuestionView]:
        """The questions of a quiz the caller can see, without answer keys or explanations."""
        return await self._authoring.list_questions(actor, quiz_id)

    async def list_managed_questions(self, actor: Actor, quiz_id: UUID) -> list[ManagedQuestionView]:
        """The questions with their answer keys and explanations (the course's instructor and admins)."""
        return await self._authoring.list_managed_questions(actor, quiz_id)

    async def add_question(self, actor: Actor, quiz_id: UUID, command: AddQuestion) -> ManagedQuestionView:
        """Add a question at `order_index` (appended when absent); later questions move down one."""
        return await self._authoring.add_question(actor, quiz_id, command)

    async def update_question(
        self, actor: Actor, quiz_id: UUID, question_id: UUID, command: UpdateQuestion
    ) -> ManagedQuestionView:
        """Change a question; it must stay a valid question of its (possibly new) type."""
        return await self._authoring.update_question(actor, quiz_id, question_id, command)

    async def delete_question(self, actor: Actor, quiz_id: UUID, question_id: UUID) -> None:
        """Delete a question; the ones after it move up. A published quiz keeps at least one question."""
        await self._authoring.delete_question(actor, quiz_id, question_id)

    async def reorder_questions(
        self, actor: Actor, quiz_id: UUID, command: ReorderQuestions
    ) -> list[ManagedQuestionView]:
        """Set the order of a quiz's questions; the list must name each of them exactly once."""
        return await self._authoring.reorder_questions(actor, quiz_id, command)

    # -- attempts -----------------------------------------------------------------------------------

    async def start_attempt(self, actor: Actor, quiz_id: UUID) -> AttemptTakingView:
        """Start an attempt, or return the one in progress."""
        return await self._attempts.start_attempt(actor, quiz_id)

    async def attempt_in_progress(self, actor: Actor, quiz_id: UUID) -> AttemptTakingView:
        """The caller's attempt in progress, to take it (404 when there is none: start one first)."""
        return await self._attempts.attempt_in_progress(actor, quiz_id)

    async def save_answers(
        self, actor: Actor, quiz_id: UUID, attempt_id: UUID, command: AnswerSheet
    ) -> AttemptTakingView:
        """Save draft answers (replacing those saved before) while the attempt is open."""
        return await self._attempts.save_answers(actor, quiz_id, attempt_id, command)

    async def submit_attempt(
        self, actor: Actor, quiz_id: UUID, attempt_id: UUID, command: AnswerSheet
    ) -> AttemptResultView:
        """Submit the answers and grade them; once only, and not after the deadline."""
        return await self._attempts.submit_attempt(actor, quiz_id, attempt_id, command)

    async def get_attempt(self, actor: Actor, quiz_id: UUID, attempt_id: UUID) -> AttemptResultView:
        """An attempt with each question's outcome (its student, the course's instructor, admins)."""
        return await self._attempts.get_attempt(actor, quiz_id, attempt_id)

    async def my_attempts(self, actor: Actor, quiz_id: UUID, query: ListMyAttempts) -> Page[AttemptView]:
        """The caller's attempts at a quiz, latest first."""
        return await self._attempts.my_attempts(actor, quiz_id, query)

    async def grade_attempt(
        self, actor: Actor, quiz_id: UUID, attempt_id: UUID, command: GradeAttempt
    ) -> AttemptResultView:
        """Grade essay and open short-answer questions of a submitted attempt (course managers), or change
        such a grade. The attempt is `graded` once no question waits for a person."""
        return await self._attempts.grade_attempt(actor, quiz_id, attempt_id, command)

    # -- batch grading ------------------------------------------------------------------------------

    async def grade_pending(
        self, actor: Actor, command: GradePending, *, progress: ProgressListener | None = None
    ) -> PendingGradingReport:
        """Close and grade overdue attempts and grade submitted attempts never graded."""
        return await self._batch.grade_pending(actor, command, progress=progress)

    async def regrade(
        self, actor: Actor, command: RegradeQuiz, *, progress: ProgressListener | None = None
    ) -> RegradeReport:
        """Recompute every closed attempt of a quiz after its answer key changed."""
        return await self._batch.regrade(actor, command, progress=progress)

    async def import_grades(self, actor: Actor, command: ImportGrades) -> GradeImportReport:
        """Apply a person's grades from a file: all lines or, if any line is wrong, none."""
        return await self._batch.import_grades(actor, command)

    def export_grades(self, actor: Actor, command: ExportGrades) -> AsyncIterator[GradeRecordView]:
        """Every question of every closed attempt of a quiz with its grade, in attempt order; read in
        chunks, each in its own read transaction."""
        return self._batch.export_grades(actor, command)
