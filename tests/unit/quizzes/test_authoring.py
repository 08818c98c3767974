"""Quiz authoring: quizzes of quiz lessons, questions and their answer keys, order, publishing, and who
sees what."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.uow import SqlUnitOfWork
from lms_core import Actor, InvalidInputError, Lms
from lms_core.courses.commands import CreateCourse, UpdateCourse, UpdateLesson
from lms_core.courses.errors import CourseNotFound, NotCourseManager
from lms_core.courses.views import CourseView
from lms_core.enrollments.commands import EnrollInCourse
from lms_core.quizzes.commands import AddQuestion, CreateQuiz, ReorderQuestions, UpdateQuestion, UpdateQuiz
from lms_core.quizzes.entities import QuestionType, QuizType
from lms_core.quizzes.errors import (
    InvalidQuestion,
    InvalidQuestionOrder,
    InvalidQuiz,
    NoAttemptsLeft,
    QuestionNotFound,
    QuestionsForLearnersOnly,
    QuizAlreadyExists,
    QuizHasNoQuestions,
    QuizNotFound,
)
from lms_core.quizzes.views import ManagedQuestionView, QuestionView
from lms_core.shared.clock import FixedClock
from lms_core.shared.ids import new_id
from tests.support.attempts import ALL_RIGHT, quiz_room, sheet
from tests.support.catalogue import instructor, published_course, student, text_lesson
from tests.support.flows import create_admin
from tests.support.quizzes import MIXED_QUESTIONS, draft_quiz, graded_quiz, quiz_lesson

MC = QuestionType.MULTIPLE_CHOICE
TF = QuestionType.TRUE_FALSE


def mc(text: str = "Pick", **extra: Any) -> AddQuestion:
    values: dict[str, Any] = {"question_type": MC, "question_text": text, "options": ["a", "b", "c"]}
    values["correct_answers"] = ["a"] if "correct_answer" not in extra else None
    values.update(extra)
    return AddQuestion(**values)


async def new_course(lms: Lms, owner: Actor, title: str = "Quizzed") -> CourseView:
    return await lms.courses.create_course(owner, CreateCourse(title=title))


# -- quizzes ------------------------------------------------------------------------------------------


async def test_a_quiz_belongs_to_one_quiz_lesson_of_its_course(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await new_course(lms, owner)
    elsewhere = await new_course(lms, owner, "Elsewhere")
    reading = await text_lesson(lms, owner, course, "Reading")
    foreign = await quiz_lesson(lms, owner, elsewhere)
    lesson = await quiz_lesson(lms, owner, course)
    for lesson_id in (reading.id, foreign.id, new_id()):
        with pytest.raises(InvalidQuiz) as caught:
            await lms.quizzes.create_quiz(owner, course.id, CreateQuiz(lesson_id=lesson_id, title="Q"))
        assert caught.value.details["field"] == "lesson_id"

    quiz = await lms.quizzes.create_quiz(owner, course.id, CreateQuiz(lesson_id=lesson.id, title="  Check-up "))
    assert (quiz.lesson_id, quiz.course_id, quiz.title) == (lesson.id, course.id, "Check-up")
    # The spec's defaults.
    assert quiz.quiz_type is QuizType.GRADED
    assert quiz.passing_score == 70
    assert quiz.time_limit_minutes is None
    assert quiz.max_attempts is None
    assert quiz.shuffle_questions and quiz.shuffle_options and quiz.show_correct_answers
    assert not quiz.is_published
    with pytest.raises(QuizAlreadyExists):
        await lms.quizzes.create_quiz(owner, course.id, CreateQuiz(lesson_id=lesson.id, title="Again"))
    with pytest.raises(CourseNotFound):
        await lms.quizzes.create_quiz(owner, new_id(), CreateQuiz(lesson_id=lesson.id, title="Nowhere"))


async def test_the_unique_lesson_constraint_settles_races(lms: Lms, database_url: str, clock: FixedClock) -> None:
    owner = await instructor(lms)
    course = await new_course(lms, owner)
    lesson, quiz = await draft_quiz(lms, owner, course)
    # A second writer that passed the service's check before the first committed hits the constraint.
    engine = create_engine(database_url)

    async def insert_a_second_quiz() -> None:
        async with SqlUnitOfWork(engine, clock=clock).begin() as tx:
            stored = await tx.quizzes.get(quiz.id)
            assert stored is not None
            await tx.quizzes.add(dataclasses.replace(stored, id=new_id()))

    try:
        with pytest.raises(QuizAlreadyExists):
            await insert_a_second_quiz()
    finally:
        await engine.dispose()
    # Concurrent creators through the service: exactly one wins.
    other = await quiz_lesson(lms, owner, course, "Second")
    results = await asyncio.gather(
        *(lms.quizzes.create_quiz(owner, course.id, CreateQuiz(lesson_id=other.id, title=f"T{n}")) for n in range(3)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, QuizAlreadyExists) for r in results if isinstance(r, BaseException))
    assert lesson.id != other.id


def test_quiz_commands_check_their_ranges() -> None:
    lesson_id = new_id()
    for values in (
        {"passing_score": 101},
        {"passing_score": -1},
        {"time_limit_minutes": 0},
        {"max_attempts": 0},
        {"title": ""},
        {"quiz_type": "exam"},
    ):
        with pytest.raises(InvalidInputError):
            CreateQuiz(**{"lesson_id": lesson_id, "title": "Q", **values})  # type: ignore[arg-type]
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(
            b'{"lesson_id": "%s", "title": "Q", "colour": "red"}' % str(lesson_id).encode(), type=CreateQuiz
        )
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"passing_score": 100.5}, UpdateQuiz)
    assert msgspec.convert({"passing_score": 0, "max_attempts": None}, UpdateQuiz).passing_score == 0


async def test_settings_change_partially_and_limits_clear_with_null(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await new_course(lms, owner)
    _, quiz = await draft_quiz(lms, owner, course, time_limit_minutes=30, max_attempts=2, passing_score=50)
    changed = await lms.quizzes.update_quiz(
        owner, quiz.id, UpdateQuiz(passing_score=80, quiz_type=QuizType.PRACTICE, max_attempts=None)
    )
    assert (changed.passing_score, changed.quiz_type, changed.max_attempts) == (80, QuizType.PRACTICE, None)
    assert changed.time_limit_minutes == 30
    assert changed.title == quiz.title
    assert (await lms.quizzes.get_quiz(owner, quiz.id)).passing_score == 80
    with pytest.raises(InvalidQuiz):
        await lms.quizzes.update_quiz(owner, quiz.id, UpdateQuiz(title="   "))
    # A quiz is addressed through its own course only.
    other = await new_course(lms, owner, "Other")
    with pytest.raises(QuizNotFound):
        await lms.quizzes.update_quiz(owner, quiz.id, UpdateQuiz(passing_score=1), course_id=other.id)
    with pytest.raises(QuizNotFound):
        await lms.quizzes.get_quiz(owner, quiz.id, course_id=other.id)
    with pytest.raises(QuizNotFound):
        await lms.quizzes.publish_quiz(owner, quiz.id, course_id=other.id)
    assert (await lms.quizzes.get_quiz(owner, quiz.id, course_id=course.id)).passing_score == 80


async def test_publishing_needs_a_question_and_a_published_quiz_keeps_one(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await new_course(lms, owner)
    _, quiz = await draft_quiz(lms, owner, course)
    with pytest.raises(QuizHasNoQuestions):
        await lms.quizzes.publish_quiz(owner, quiz.id)
    first = await lms.quizzes.add_question(owner, quiz.id, mc())
    published = await lms.quizzes.publish_quiz(owner, quiz.id)
    assert published.is_published
    assert (await lms.quizzes.publish_quiz(owner, quiz.id)).is_published  # again: no change, no error
    with pytest.raises(QuizHasNoQuestions):
        await lms.quizzes.delete_question(owner, quiz.id, first.id)
    second = await lms.quizzes.add_question(owner, quiz.id, mc("Second"))
    await lms.quizzes.delete_question(owner, quiz.id, first.id)
    assert [q.id for q in await lms.quizzes.list_managed_questions(owner, quiz.id)] == [second.id]


async def test_deleting_the_quiz_lesson_deletes_its_quiz(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await new_course(lms, owner)
    lesson, quiz = await draft_quiz(lms, owner, course)
    await lms.quizzes.add_question(owner, quiz.id, mc())
    await lms.courses.delete_lesson(owner, lesson.id)
    with pytest.raises(QuizNotFound):
        await lms.quizzes.get_quiz(owner, quiz.id)
    assert await lms.quizzes.list_quizzes(owner, course.id) == []


# -- questions ----------------------------------------------------------------------------------------


async def test_each_question_type_and_its_answer_key(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await new_course(lms, owner)
    _, quiz = await draft_quiz(lms, owner, course)
    added = [await lms.quizzes.add_question(owner, quiz.id, AddQuestion(**fields)) for fields in MIXED_QUESTIONS]
    assert [q.question_type for q in added] == [MC, TF, QuestionType.SHORT_ANSWER, QuestionType.ESSAY]
    assert [q.correct_answers for q in added] == [["2", "3"], ["true"], ["def"], None]
    assert [q.needs_manual_grading for q in added] == [False, False, False, True]
    assert [q.points for q in added] == [Decimal("4.00"), Decimal("2.00"), Decimal("3.00"), Decimal("1.00")]
    assert added[0].partial_credit
    assert added[0].explanation == "4 and 6 are even and greater than 2."

    # Short-hands: one option; true/false as a bool or as text.
    single = await lms.quizzes.add_question(owner, quiz.id, mc(correct_answer=" b "))
    assert single.correct_answers == ["b"]
    text_false = await lms.quizzes.add_question(
        owner, quiz.id, AddQuestion(question_type=TF, question_text="T?", correct_answer="False")
    )
    assert text_false.correct_answers == ["false"]
    listed = [
        await lms.quizzes.add_question(
            owner, quiz.id, AddQuestion(question_type=TF, question_text="L?", correct_answers=["TRUE"])
        )
    ]
    assert listed[0].correct_answers == ["true"]
    # A short answer without accepted answers is graded by a person.
    manual = await lms.quizzes.add_question(
        owner,
        quiz.id,
        AddQuestion(question_type=QuestionType.SHORT_ANSWER, question_text="Explain", correct_answers=[]),
    )
    assert manual.correct_answers is None
    assert manual.needs_manual_grading
    # Options are trimmed, so answer keys match them by text.
    trimmed = await lms.quizzes.add_question(
        owner, quiz.id, mc(options=[" x", "y "], correct_answers=["x"], partial_credit=False)
    )
    assert trimmed.options == ["x", "y"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"question_type": MC, "options": ["only"], "correct_answers": ["only"]}, "options"),
        ({"question_type": MC, "options": [str(n) for n in range(11)], "correct_answers": ["1"]}, "options"),
        ({"question_type": MC, "options": ["a", "a "], "correct_answers": ["a"]}, "options"),
        ({"question_type": MC, "options": ["a", " "], "correct_answers": ["a"]}, "options"),
        ({"question_type": MC, "options": ["a", "b"]}, "correct_answers"),
        ({"question_type": MC, "options": ["a", "b"], "correct_answers": []}, "correct_answers"),
        ({"question_type": MC, "options": ["a", "b"], "correct_answers": ["c"]}, "correct_answers"),
        ({"question_type": MC, "options": ["a", "b"], "correct_answers": ["a", "a"]}, "correct_answers"),
        ({"question_type": MC, "options": ["a", "b"], "correct_answer": True}, "correct_answer"),
        (
            {"question_type": MC, "options": ["a", "b"], "correct_answer": "a", "correct_answers": ["a"]},
            "correct_answer",
        ),
        ({"question_type": TF}, "correct_answers"),
        ({"question_type": TF, "correct_answer": "maybe"}, "correct_answers"),
        ({"question_type": TF, "correct_answer": True, "options": ["true", "false"]}, "options"),
        ({"question_type": TF, "correct_answer": True, "partial_credit": True}, "partial_credit"),
        ({"question_type": QuestionType.SHORT_ANSWER, "options": ["a", "b"]}, "options"),
        ({"question_type": QuestionType.SHORT_ANSWER, "correct_answers": ["ok", " "]}, "correct_answers"),
        ({"question_type": QuestionType.ESSAY, "correct_answer": "anything"}, "options"),
        ({"question_type": QuestionType.ESSAY, "options": ["a", "b"]}, "options"),
        ({"question_type": TF, "correct_answer": True, "question_text": "   "}, "question_text"),
        ({"question_type": TF, "correct_answer": True, "points": Decimal(0)}, "points"),
        ({"question_type": TF, "correct_answer": True, "points": Decimal(-1)}, "points"),
        ({"question_type": TF, "correct_answer": True, "points": Decimal("1.005")}, "points"),
        ({"question_type": TF, "correct_answer": True, "points": Decimal("1000.01")}, "points"),
        ({"question_type": TF, "correct_answer": True, "points": Decimal("NaN")}, "points"),
        ({"question_type": TF, "correct_answer": True, "points": Decimal("Infinity")}, "points"),
        ({"question_type": TF, "correct_answer": True, "question_metadata": {"x": "y" * 40_000}}, "question_metadata"),
    ],
)
async def test_invalid_questions_name_the_field(lms: Lms, fields: dict[str, Any], field: str) -> None:
    owner = await instructor(lms)
    course = await new_course(lms, owner)
    _, quiz = await draft_quiz(lms, owner, course)
    values = {"question_text": "Q?", **fields}
    with pytest.raises(InvalidQuestion) as caught:
        await lms.quizzes.add_question(owner, quiz.id, AddQuestion(**values))
    assert caught.value.details["field"] == field
    assert await lms.quizzes.list_managed_questions(owner, quiz.id) == []


async def test_points_keep_two_decimals_exactly(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await new_course(lms, owner)
    _, quiz = await draft_quiz(lms, owner, course)
    for given, shown in [("2.5", "2.50"), ("0.01", "0.01"), ("1000", "1000.00"), ("1.500", "1.50"), ("33.33", "33.33")]:
        question = await lms.quizzes.add_question(owner, quiz.id, mc(points=Decimal(given)))
        assert str(question.points) == shown
    # Decoded from JSON the way the HTTP API does, as a number or a string.
    body = b'{"question_type": "true_false", "question_text": "T?", "correct_answer": true, "points": 0.1}'
    decoded = msgspec.json.decode(body, type=AddQuestion)
    assert (await lms.quizzes.add_question(owner, quiz.id, decoded)).points == Decimal("0.10")


async def test_order_stays_contiguous_through_inserts_deletes_and_reorders(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await new_course(lms, owner)
    _, quiz = await draft_quiz(lms, owner, course)
    a = await lms.quizzes.add_question(owner, quiz.id, mc("A"))
    b = await lms.quizzes.add_question(owner, quiz.id, mc("B"))
    c = await lms.quizzes.add_question(owner, quiz.id, mc("C", order_index=0))
    d = await lms.quizzes.add_question(owner, quiz.id, mc("D", order_index=99))
    assert (c.order_index, d.order_index) == (0, 3)

    async def outline() -> list[tuple[str, int]]:
        return [(q.question_text, q.order_index) for q in await lms.quizzes.list_managed_questions(owner, quiz.id)]

    assert await outline() == [("C", 0), ("A", 1), ("B", 2), ("D", 3)]
    await lms.quizzes.delete_question(owner, quiz.id, a.id)
    assert await outline() == [("C", 0), ("B", 1), ("D", 2)]
    reordered = await lms.quizzes.reorder_questions(owner, quiz.id, ReorderQuestions(question_ids=[d.id, b.id, c.id]))
    assert [(q.question_text, q.order_index) for q in reordered] == [("D", 0), ("B", 1), ("C", 2)]
    for wrong in ([d.id, b.id], [d.id, b.id, c.id, a.id], [d.id, d.id, c.id], [d.id, b.id, new_id()]):
        with pytest.raises(InvalidQuestionOrder):
            await lms.quizzes.reorder_questions(owner, quiz.id, ReorderQuestions(question_ids=wrong))
    assert await outline() == [("D", 0), ("B", 1), ("C", 2)]


async def test_concurrent_appends_get_distinct_positions(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await new_course(lms, owner)
    _, quiz = await draft_quiz(lms, owner, course)
    await asyncio.gather(*(lms.quizzes.add_question(owner, quiz.id, mc(f"Q{n}")) for n in range(6)))
    positions = [q.order_index for q in await lms.quizzes.list_managed_questions(owner, quiz.id)]
    assert positions == list(range(6))


async def test_editing_a_question_keeps_it_valid(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await new_course(lms, owner)
    _, quiz = await draft_quiz(lms, owner, course)
    question = await lms.quizzes.add_question(owner, quiz.id, mc(explanation="Because."))
    edited = await lms.quizzes.update_question(
        owner, quiz.id, question.id, UpdateQuestion(question_text="Pick again", points=Decimal("1.25"))
    )
    assert (edited.question_text, edited.points, edited.options, edited.explanation) == (
        "Pick again", Decimal("1.25"), ["a", "b", "c"], "Because."
    )  # fmt: skip
    # An edit that breaks the question is refused and changes nothing.
    with pytest.raises(InvalidQuestion):
        await lms.quizzes.update_question(owner, quiz.id, question.id, UpdateQuestion(options=["x", "y"]))
    with pytest.raises(InvalidQuestion):
        await lms.quizzes.update_question(owner, quiz.id, question.id, UpdateQuestion(question_type=TF))
    with pytest.raises(InvalidQuestion):
        await lms.quizzes.update_question(owner, quiz.id, question.id, UpdateQuestion(points=Decimal(0)))
    assert (await lms.quizzes.list_managed_questions(owner, quiz.id))[0] == edited
    # New options with a new key; then a change of type with the fields the new type needs.
    switched = await lms.quizzes.update_question(
        owner, quiz.id, question.id, UpdateQuestion(options=["x", "y"], correct_answers=["x", "y"], partial_credit=True)
    )
    assert (switched.correct_answers, switched.partial_credit) == (["x", "y"], True)
    to_tf = await lms.quizzes.update_question(
        owner,
        quiz.id,
        question.id,
        UpdateQuestion(question_type=TF, options=None, correct_answer=False, partial_credit=False, explanation=None),
    )
    assert (to_tf.question_type, to_tf.options, to_tf.correct_answers, to_tf.explanation) == (TF, None, ["false"], None)
    # A question is addressed through its own quiz only.
    _, other_quiz = await draft_quiz(lms, owner, course, "Other")
    with pytest.raises(QuestionNotFound):
        await lms.quizzes.update_question(owner, other_quiz.id, question.id, UpdateQuestion(question_text="X"))
    with pytest.raises(QuestionNotFound):
        await lms.quizzes.delete_question(owner, other_quiz.id, question.id)
    with pytest.raises(QuizNotFound):
        await lms.quizzes.add_question(owner, new_id(), mc())


# -- who sees and changes what ---------------------------------------------------------------------------


def test_the_public_question_view_has_no_answer_key_or_explanation() -> None:
    public = {field.name for field in msgspec.structs.fields(QuestionView)}
    assert public.isdisjoint(
        {"correct_answers", "correct_answer", "explanation", "partial_credit", "question_metadata"}
    )
    assert {"correct_answers", "explanation"} <= {field.name for field in msgspec.structs.fields(ManagedQuestionView)}


async def test_who_sees_quizzes_and_questions(lms: Lms) -> None:
    owner = await instructor(lms)
    other = await instructor(lms, "other@example.com")
    learner = await student(lms)
    enrolled = await student(lms, "enrolled@example.com")
    admin = await create_admin(lms)
    course = await published_course(lms, owner, "Visible", lessons=1)
    await lms.enrollments.enroll(enrolled, EnrollInCourse(course_id=course.id))
    published = await graded_quiz(lms, owner, course, MIXED_QUESTIONS, title="Published")
    _, hidden = await draft_quiz(lms, owner, course, "Draft")
    await lms.quizzes.add_question(owner, hidden.id, mc())

    for viewer in (owner, admin):
        assert {q.title for q in await lms.quizzes.list_quizzes(viewer, course.id)} == {"Published", "Draft"}
        assert len(await lms.quizzes.list_questions(viewer, hidden.id)) == 1
        managed = await lms.quizzes.list_managed_questions(viewer, published.quiz.id)
        assert managed[0].correct_answers == ["2", "3"]
        assert managed[0].explanation is not None
    questions = await lms.quizzes.list_questions(enrolled, published.quiz.id)
    assert [q.question_text for q in questions] == [q["question_text"] for q in MIXED_QUESTIONS]
    encoded = msgspec.json.encode(questions)
    assert b"correct" not in encoded
    assert b"explanation" not in encoded
    assert b"even and greater" not in encoded
    for viewer in (Actor.anonymous(), learner, other):
        with pytest.raises(QuestionsForLearnersOnly):
            await lms.quizzes.list_questions(viewer, published.quiz.id)
    for viewer in (Actor.anonymous(), learner, enrolled, other):
        assert [q.title for q in await lms.quizzes.list_quizzes(viewer, course.id)] == ["Published"]
        assert (await lms.quizzes.get_quiz(viewer, published.quiz.id)).is_published
        with pytest.raises(QuizNotFound):
            await lms.quizzes.get_quiz(viewer, hidden.id)
        with pytest.raises(QuizNotFound):
            await lms.quizzes.list_questions(viewer, hidden.id)
        with pytest.raises(NotCourseManager):
            await lms.quizzes.list_managed_questions(viewer, published.quiz.id)


async def test_questions_of_a_paid_course_are_for_its_learners_and_managers(lms: Lms) -> None:
    owner = await instructor(lms)
    admin = await create_admin(lms)
    outsider = await student(lms, "outsider@example.com")
    learner = await student(lms)
    course = await published_course(lms, owner, "Premium", lessons=1)
    await lms.enrollments.enroll(learner, EnrollInCourse(course_id=course.id))
    authored = await graded_quiz(lms, owner, course, MIXED_QUESTIONS)
    await lms.courses.update_course(owner, course.id, UpdateCourse(price=Decimal("49.00")))
    texts = [q["question_text"] for q in MIXED_QUESTIONS]

    for reader in (learner, owner, admin):
        assert [q.question_text for q in await lms.quizzes.list_questions(reader, authored.quiz.id)] == texts
    for viewer in (Actor.anonymous(), outsider, await instructor(lms, "other@example.com")):
        # The quiz itself stays listed (its title is in the public outline); its content is refused.
        assert (await lms.quizzes.get_quiz(viewer, authored.quiz.id)).id == authored.quiz.id
        with pytest.raises(QuestionsForLearnersOnly) as refused:
            await lms.quizzes.list_questions(viewer, authored.quiz.id)
        assert refused.value.code == "quizzes.questions_for_learners"


async def test_a_preview_quiz_lesson_opens_its_questions_to_whoever_sees_the_quiz(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await published_course(lms, owner, "Taster", lessons=1)
    authored = await graded_quiz(lms, owner, course, MIXED_QUESTIONS)
    await lms.courses.update_course(owner, course.id, UpdateCourse(price=Decimal("49.00")))
    await lms.courses.update_lesson(owner, authored.lesson.id, UpdateLesson(is_preview=True))
    texts = [q["question_text"] for q in MIXED_QUESTIONS]
    for viewer in (Actor.anonymous(), await student(lms)):
        questions = await lms.quizzes.list_questions(viewer, authored.quiz.id)
        assert [q.question_text for q in questions] == texts
        assert b"explanation" not in msgspec.json.encode(questions)

    # Preview opens a published quiz only: a draft quiz of a preview lesson stays missing.
    lesson, hidden = await draft_quiz(lms, owner, course, "Draft")
    await lms.quizzes.add_question(owner, hidden.id, mc())
    await lms.courses.update_lesson(owner, lesson.id, UpdateLesson(is_preview=True))
    with pytest.raises(QuizNotFound):
        await lms.quizzes.list_questions(Actor.anonymous(), hidden.id)


async def test_quizzes_of_a_draft_course_are_hidden_from_everyone_but_its_managers(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await new_course(lms, owner, "Unreleased")
    authored = await graded_quiz(lms, owner, course, publish_course=False)
    admin = await create_admin(lms)
    assert [q.id for q in await lms.quizzes.list_quizzes(admin, course.id)] == [authored.quiz.id]
    for viewer in (Actor.anonymous(), await student(lms), await instructor(lms, "other@example.com")):
        with pytest.raises(CourseNotFound):
            await lms.quizzes.list_quizzes(viewer, course.id)
        with pytest.raises(QuizNotFound):
            await lms.quizzes.get_quiz(viewer, authored.quiz.id)
        with pytest.raises(QuizNotFound):
            await lms.quizzes.list_questions(viewer, authored.quiz.id)
        with pytest.raises(QuizNotFound):
            await lms.quizzes.list_managed_questions(viewer, authored.quiz.id)


async def test_only_the_courses_instructor_and_admins_author(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await published_course(lms, owner, "Guarded", lessons=1)
    authored = await graded_quiz(lms, owner, course)
    spare = await quiz_lesson(lms, owner, course, "Spare")
    enrolled = await student(lms, "enrolled@example.com")
    await lms.enrollments.enroll(enrolled, EnrollInCourse(course_id=course.id))
    question_id = authored.questions[0].id
    quiz_id = authored.quiz.id
    for intruder in (await instructor(lms, "other@example.com"), await student(lms), enrolled, Actor.anonymous()):
        attempts = [
            lms.quizzes.create_quiz(intruder, course.id, CreateQuiz(lesson_id=spare.id, title="Mine")),
            lms.quizzes.update_quiz(intruder, quiz_id, UpdateQuiz(passing_score=0)),
            lms.quizzes.publish_quiz(intruder, quiz_id),
            lms.quizzes.add_question(intruder, quiz_id, mc()),
            lms.quizzes.update_question(intruder, quiz_id, question_id, UpdateQuestion(question_text="Hijacked")),
            lms.quizzes.delete_question(intruder, quiz_id, question_id),
            lms.quizzes.reorder_questions(intruder, quiz_id, ReorderQuestions(question_ids=[question_id])),
        ]
        for call in attempts:
            with pytest.raises(NotCourseManager):
                await call
    assert (await lms.quizzes.get_quiz(owner, quiz_id)).passing_score == 70
    assert [q.question_text for q in await lms.quizzes.list_managed_questions(owner, quiz_id)] == [
        q.question_text for q in authored.questions
    ]
    admin = await create_admin(lms)
    created = await lms.quizzes.create_quiz(admin, course.id, CreateQuiz(lesson_id=spare.id, title="By admin"))
    assert (await lms.quizzes.add_question(admin, created.id, mc())).order_index == 0
    assert (await lms.quizzes.update_quiz(admin, quiz_id, UpdateQuiz(passing_score=90))).passing_score == 90


async def test_the_whole_authoring_flow_through_the_library(lms: Lms) -> None:
    owner = await instructor(lms)
    course = await new_course(lms, owner, "Library flow")
    await text_lesson(lms, owner, course, "Read first")
    lesson = await quiz_lesson(lms, owner, course, "Final check")
    quiz = await lms.quizzes.create_quiz(
        owner,
        course.id,
        CreateQuiz(
            lesson_id=lesson.id,
            title="Final check",
            description="Ten points.",
            passing_score=60,
            time_limit_minutes=20,
            max_attempts=3,
            shuffle_questions=False,
        ),
    )
    ids = [(await lms.quizzes.add_question(owner, quiz.id, AddQuestion(**fields))).id for fields in MIXED_QUESTIONS]
    await lms.quizzes.reorder_questions(owner, quiz.id, ReorderQuestions(question_ids=list(reversed(ids))))
    await lms.quizzes.publish_quiz(owner, quiz.id, course_id=course.id)
    await lms.courses.publish_course(owner, course.id)

    learner = await student(lms)
    await lms.enrollments.enroll(learner, EnrollInCourse(course_id=course.id))
    seen = await lms.quizzes.get_quiz(learner, quiz.id, course_id=course.id)
    assert (seen.passing_score, seen.time_limit_minutes, seen.max_attempts, seen.is_published) == (60, 20, 3, True)
    questions = await lms.quizzes.list_questions(learner, quiz.id)
    assert [q.id for q in questions] == list(reversed(ids))
    assert sum(q.points for q in questions) == Decimal("10.00")


# -- authoring after attempts have started -----------------------------------------------------------------


async def test_editing_a_quiz_leaves_started_attempts_as_they_were(lms: Lms) -> None:
    room = await quiz_room(lms, passing_score=60, max_attempts=2, time_limit_minutes=30)
    started = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    mc_question, tf_question = room.authored.questions
    owner, quiz_id = room.owner, room.quiz_id
    await lms.quizzes.update_question(
        owner,
        quiz_id,
        mc_question.id,
        UpdateQuestion(question_text="2 + 3 = ?", options=["4", "5", "6"], correct_answer="5", points=Decimal(1)),
    )
    await lms.quizzes.add_question(
        owner, quiz_id, AddQuestion(question_type=QuestionType.ESSAY, question_text="Discuss", order_index=0)
    )
    await lms.quizzes.delete_question(owner, quiz_id, tf_question.id)
    await lms.quizzes.update_quiz(
        owner, quiz_id, UpdateQuiz(passing_score=100, time_limit_minutes=None, max_attempts=1)
    )

    # The learner still takes exactly what they were given, and it is graded by that copy.
    assert await lms.quizzes.attempt_in_progress(room.learner, quiz_id) == started
    result = await lms.quizzes.submit_attempt(room.learner, quiz_id, started.id, sheet(started, ALL_RIGHT))
    assert [q.question_text for q in result.questions] == [q.question_text for q in started.questions]
    assert (result.score, result.max_score, result.passing_score, result.is_passed) == (
        Decimal("10.00"), Decimal("10.00"), 60, True,
    )  # fmt: skip
    assert (result.deadline_at, result.attempts_allowed) == (started.deadline_at, 2)

    # Attempts started afterwards get the quiz as it is now.
    with pytest.raises(NoAttemptsLeft):
        await lms.quizzes.start_attempt(room.learner, quiz_id)
    await lms.quizzes.update_quiz(owner, quiz_id, UpdateQuiz(max_attempts=None))
    fresh = await lms.quizzes.start_attempt(room.learner, quiz_id)
    assert sorted(q.question_text for q in fresh.questions) == ["2 + 3 = ?", "Discuss"]
    assert (fresh.passing_score, fresh.deadline_at, fresh.attempts_allowed) == (100, None, None)
