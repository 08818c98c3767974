"""Quiz and question authoring."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import msgspec

from lms_core.courses.access import managed_course, visible_course
from lms_core.courses.entities import Course, LessonType, check_metadata
from lms_core.courses.errors import MetadataTooLarge
from lms_core.quizzes._access import load_quiz, managed_quiz, readable_quiz, visible_quiz
from lms_core.quizzes.commands import AddQuestion, CreateQuiz, ReorderQuestions, UpdateQuestion, UpdateQuiz
from lms_core.quizzes.entities import Question, QuestionType, Quiz
from lms_core.quizzes.errors import (
    InvalidQuestion,
    InvalidQuestionOrder,
    InvalidQuiz,
    QuestionNotFound,
    QuizAlreadyExists,
    QuizHasNoQuestions,
)
from lms_core.quizzes.policy import quiz_not_found
from lms_core.quizzes.views import ManagedQuestionView, QuestionView, QuizView
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.ids import new_id
from lms_core.shared.ports import Transaction, UnitOfWork

MAX_POINTS = Decimal(1000)


class AuthoringUseCases:
    """Creating, changing and publishing quizzes and their questions.

    Rules (listed on `QuizService` too):
    - a quiz belongs to one lesson of type `quiz` of its course, and a lesson has at most one quiz;
    - only the course's instructor or an admin creates, changes or publishes quizzes and questions,
      and sees the answer keys (`list_managed_questions`);
    - everyone else sees the published quizzes of courses they can see (published courses: anyone;
      archived ones: their learners); an unpublished quiz is reported as missing;
    - questions are course content: the course's learners and managers read them (without answer keys,
      explanations, grading modes or metadata for learners), and anyone who sees the quiz when its lesson
      is a preview lesson; others get 403 `quizzes.questions_for_learners`;
    - a quiz is published only with at least one question, and a published quiz keeps at least one;
    - points are positive, at most 1000, with at most two decimals (stored in hundredths);
    - `order_index` counts from 0 and stays contiguous through inserts, deletions and reorders;
    - authoring never touches attempts: an attempt keeps the settings and the frozen copy of the
      questions it started with, so edits apply to attempts started afterwards.
    """

    def __init__(self, *, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    # -- quizzes --------------------------------------------------------------------------------

    async def list_quizzes(self, actor: Actor, course_id: UUID) -> list[QuizView]:
        """The course's quizzes in outline order: all of them for its managers, the published ones for
        everyone who can see the course."""
        async with self._uow.begin(write=False) as tx:
            access = await visible_course(tx, actor, course_id)
            quizzes = await tx.quizzes.list_for_course(access.course.id)
        return [QuizView.of(quiz) for quiz in quizzes if quiz.is_published or access.manager]

    async def get_quiz(self, actor: Actor, quiz_id: UUID, *, course_id: UUID | None = None) -> QuizView:
        """One quiz; `course_id`, when given, must be the quiz's course (else: not found)."""
        async with self._uow.begin(write=False) as tx:
            quiz, _ = await visible_quiz(tx, actor, quiz_id)
        _check_course(quiz, course_id)
        return QuizView.of(quiz)

    async def create_quiz(self, actor: Actor, course_id: UUID, command: CreateQuiz) -> QuizView:
        """Create the (unpublished) quiz of a `quiz` lesson of the course."""
        async with self._uow.begin() as tx:
            course = await managed_course(tx, actor, course_id)
            lesson = await tx.lessons.get(command.lesson_id)
            if lesson is None or lesson.course_id != course.id:
                raise InvalidQuiz("lesson_id must name a lesson of this course", details={"field": "lesson_id"})
            if lesson.lesson_type is not LessonType.QUIZ:
                raise InvalidQuiz(
                    f"a quiz belongs to a lesson of type 'quiz', not {lesson.lesson_type.value!r}",
                    details={"field": "lesson_id"},
                )
            if await tx.quizzes.get_by_lesson(lesson.id) is not None:
                raise QuizAlreadyExists("this lesson already has a quiz", details={"lesson_id": str(lesson.id)})
            now = self._clock.now()
            quiz = Quiz(
                id=new_id(),
                lesson_id=lesson.id,
                course_id=course.id,
                title=_title(command.title),
                description=command.description,
                quiz_type=command.quiz_type,
                passing_score=command.passing_score,
                time_limit_minutes=command.time_limit_minutes,
                max_attempts=command.max_attempts,
                shuffle_questions=command.shuffle_questions,
                shuffle_options=command.shuffle_options,
                show_correct_answers=command.show_correct_answers,
                is_published=False,
                created_at=now,
                updated_at=now,
            )
            # The unique constraint on the lesson settles a race between two creators (QuizAlreadyExists).
            await tx.quizzes.add(quiz)
            await tx.commit()
        return QuizView.of(quiz)

    async def update_quiz(
        self, actor: Actor, quiz_id: UUID, command: UpdateQuiz, *, course_id: UUID | None = None
    ) -> QuizView:
        """Change a quiz's settings. Attempts already started keep the settings they started with."""
        async with self._uow.begin() as tx:
            quiz, _ = await self._authored_quiz(tx, actor, quiz_id, course_id)
            changed = quiz.change_settings(
                self._clock.now(),
                title=command.title if command.title is msgspec.UNSET else _title(command.title),
                description=command.description,
                quiz_type=command.quiz_type,
                passing_score=command.passing_score,
                time_limit_minutes=command.time_limit_minutes,
                max_attempts=command.max_attempts,
                shuffle_questions=command.shuffle_questions,
                shuffle_options=command.shuffle_options,
                show_correct_answers=command.show_correct_answers,
            )
            if changed:
                await tx.quizzes.save(quiz)
                await tx.commit()
        return QuizView.of(quiz)

    async def publish_quiz(self, actor: Actor, quiz_id: UUID, *, course_id: UUID | None = None) -> QuizView:
        """Publish a quiz that has at least one question (publishing again changes nothing)."""
        async with self._uow.begin() as tx:
            quiz, _ = await self._authored_quiz(tx, actor, quiz_id, course_id, lock=True)
            if not quiz.is_published:
                if not await tx.quiz_questions.list_for_quiz(quiz.id):
                    raise QuizHasNoQuestions("add at least one question before publishing the quiz")
                quiz.publish(self._clock.now())
                await tx.quizzes.save(quiz)
                await tx.commit()
        return QuizView.of(quiz)

    # -- questions ------------------------------------------------------------------------------

    async def list_questions(self, actor: Actor, quiz_id: UUID) -> list[QuestionView]:
        """The questions of a quiz the caller can see, without answer keys or explanations: to the
        course's learners and managers, or to anyone who sees the quiz of a preview lesson."""
        async with self._uow.begin(write=False) as tx:
            quiz = await readable_quiz(tx, actor, quiz_id)
            questions = await tx.quiz_questions.list_for_quiz(quiz.id)
        return [QuestionView.of(question) for question in questions]

    async def list_managed_questions(self, actor: Actor, quiz_id: UUID) -> list[ManagedQuestionView]:
        """The questions with their answer keys and explanations (the course's instructor and admins)."""
        async with self._uow.begin(write=False) as tx:
            quiz, _ = await managed_quiz(tx, actor, quiz_id)
            questions = await tx.quiz_questions.list_for_quiz(quiz.id)
        return [ManagedQuestionView.of(question) for question in questions]

    async def add_question(self, actor: Actor, quiz_id: UUID, command: AddQuestion) -> ManagedQuestionView:
        """Add a question at `order_index` (appended when absent); later questions move down one."""
        async with self._uow.begin() as tx:
            quiz, _ = await self._authored_quiz(tx, actor, quiz_id, lock=True)
            now = self._clock.now()
            question = Question(
                id=new_id(),
                quiz_id=quiz.id,
                question_type=command.question_type,
                question_text=_question_text(command.question_text),
                points_centi=points_centi(command.points),
                order_index=0,
                explanation=command.explanation,
                options=_options(command.options),
                correct_answers=answer_key(command.question_type, command.correct_answers, command.correct_answer),
                partial_credit=command.partial_credit,
                question_metadata=command.question_metadata,
                created_at=now,
                updated_at=now,
            )
            _check(question)
            others = [q.id for q in await tx.quiz_questions.list_for_quiz(quiz.id)]
            position = len(others) if command.order_index is None else min(command.order_index, len(others))
            question.order_index = position
            await tx.quiz_questions.add(question)
            others.insert(position, question.id)
            await tx.quiz_questions.set_positions(others)
            await tx.commit()
        return ManagedQuestionView.of(question)

    async def update_question(
        self, actor: Actor, quiz_id: UUID, question_id: UUID, command: UpdateQuestion
    ) -> ManagedQuestionView:
        """Change a question; the result must still be a valid question of its (possibly new) type.
        Attempts already started keep their own copy of the question."""
        async with self._uow.begin() as tx:
            quiz, _ = await self._authored_quiz(tx, actor, quiz_id, lock=True)
            question = await self._question(tx, quiz, question_id)
            kind = question.question_type if command.question_type is msgspec.UNSET else command.question_type
            keyed = command.correct_answers is not msgspec.UNSET or command.correct_answer is not msgspec.UNSET
            changed = question.revise(
                self._clock.now(),
                question_type=command.question_type,
                question_text=(
                    command.question_text
                    if command.question_text is msgspec.UNSET
                    else _question_text(command.question_text)
                ),
                points_centi=command.points if command.points is msgspec.UNSET else points_centi(command.points),
                options=command.options if command.options is msgspec.UNSET else _options(command.options),
                correct_answers=answer_key(
                    kind,
                    None if command.correct_answers is msgspec.UNSET else command.correct_answers,
                    None if command.correct_answer is msgspec.UNSET else command.correct_answer,
                )
                if keyed
                else msgspec.UNSET,
                partial_credit=command.partial_credit,
                explanation=command.explanation,
                question_metadata=command.question_metadata,
            )
            if changed:
                _check(question)
                await tx.quiz_questions.save(question)
                await tx.commit()
        return ManagedQuestionView.of(question)

    async def delete_question(self, actor: Actor, quiz_id: UUID, question_id: UUID) -> None:
        """Delete a question; the ones after it move up. A published quiz keeps at least one question."""
        async with self._uow.begin() as tx:
            quiz, _ = await self._authored_quiz(tx, actor, quiz_id, lock=True)
            question = await self._question(tx, quiz, question_id)
            remaining = [q.id for q in await tx.quiz_questions.list_for_quiz(quiz.id) if q.id != question.id]
            if quiz.is_published and not remaining:
                raise QuizHasNoQuestions("a published quiz keeps at least one question")
            await tx.quiz_questions.delete(question.id)
            await tx.quiz_questions.set_positions(remaining)
            await tx.commit()

    async def reorder_questions(
        self, actor: Actor, quiz_id: UUID, command: ReorderQuestions
    ) -> list[ManagedQuestionView]:
        """Set the order of a quiz's questions; the list must name each of them exactly once."""
        async with self._uow.begin() as tx:
            quiz, _ = await self._authored_quiz(tx, actor, quiz_id, lock=True)
            current = await tx.quiz_questions.list_for_quiz(quiz.id)
            wanted = list(command.question_ids)
            if len(wanted) != len(set(wanted)) or set(wanted) != {q.id for q in current}:
                raise InvalidQuestionOrder(
                    "question_ids must list every question of the quiz exactly once",
                    details={"expected": [str(q.id) for q in current]},
                )
            await tx.quiz_questions.set_positions(wanted)
            questions = await tx.quiz_questions.list_for_quiz(quiz.id)
            await tx.commit()
        return [ManagedQuestionView.of(question) for question in questions]

    # -- helpers --------------------------------------------------------------------------------

    async def _authored_quiz(
        self, tx: Transaction, actor: Actor, quiz_id: UUID, course_id: UUID | None = None, *, lock: bool = False
    ) -> tuple[Quiz, Course]:
        """A quiz the caller manages. `lock` takes the quiz's row lock first, so that concurrent
        question edits of one quiz queue up and positions stay contiguous."""
        _check_course(await load_quiz(tx, quiz_id, for_update=lock), course_id)
        return await managed_quiz(tx, actor, quiz_id)

    async def _question(self, tx: Transaction, quiz: Quiz, question_id: UUID) -> Question:
        question = await tx.quiz_questions.get(question_id)
        if question is None or question.quiz_id != quiz.id:
            raise QuestionNotFound("no such question in this quiz", details={"question_id": str(question_id)})
        return question


def _check_course(quiz: Quiz, course_id: UUID | None) -> None:
    if course_id is not None and quiz.course_id != course_id:
        raise quiz_not_found(quiz.id)


def _title(title: str) -> str:
    if not title.strip():
        raise InvalidQuiz("title must not be blank", details={"field": "title"})
    return title.strip()


def _question_text(text: str) -> str:
    if not text.strip():
        raise InvalidQuestion("question_text must not be blank", details={"field": "question_text"})
    return text.strip()


def _options(options: list[str] | None) -> list[str] | None:
    # Options are matched by their text (answer keys and learners' answers), so edges are trimmed.
    return None if options is None else [option.strip() for option in options]


def _check(question: Question) -> None:
    question.validate()
    try:
        check_metadata("question_metadata", question.question_metadata)
    except MetadataTooLarge as exc:
        raise InvalidQuestion(exc.message, details=exc.details) from exc


def points_centi(points: Decimal) -> int:
    """Points as hundredths. msgspec cannot bound a Decimal in a command's annotations, so the range
    and the precision are checked here: positive, at most `MAX_POINTS`, at most two decimals."""
    if not points.is_finite() or not 0 < points <= MAX_POINTS:
        raise InvalidQuestion(f"points must be greater than 0 and at most {MAX_POINTS}", details={"field": "points"})
    centi = points * 100
    if centi != centi.to_integral_value():
        raise InvalidQuestion("points have at most two decimals", details={"field": "points"})
    return int(centi)


def answer_key(
    question_type: QuestionType, correct_answers: list[str] | None, correct_answer: str | bool | None
) -> list[str] | None:
    """The stored answer key from `correct_answers`, or from the `correct_answer` short-hand: one option
    or accepted answer, or true/false (stored as `["true"]` / `["false"]`)."""
    if correct_answer is not None:
        if correct_answers is not None:
            raise InvalidQuestion(
                "give correct_answer or correct_answers, not both", details={"field": "correct_answer"}
            )
        if isinstance(correct_answer, bool):
            if question_type is not QuestionType.TRUE_FALSE:
                raise InvalidQuestion(
                    "correct_answer is true or false only for true/false questions",
                    details={"field": "correct_answer"},
                )
            return ["true" if correct_answer else "false"]
        correct_answers = [correct_answer]
    if not correct_answers:
        return None  # an empty key is no key: short answers then go to a person, essays always do
    if question_type is QuestionType.TRUE_FALSE:
        return [answer.strip().lower() for answer in correct_answers]
    return [answer.strip() for answer in correct_answers]
