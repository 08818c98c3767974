"""Quiz authoring over HTTP: spec section 5 (quizzes and questions; attempts live in `attempts.py`)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from lms_core import Actor, Lms
from lms_core.quizzes.commands import AddQuestion, CreateQuiz, ReorderQuestions, UpdateQuestion, UpdateQuiz
from lms_core.quizzes.views import ManagedQuestionView, QuestionView, QuizView
from lms_http.auth import SIGNED_IN, provide_actor, provide_optional_actor
from lms_http.errors import problems

_DEPENDENCIES = {"actor": Provide(provide_actor), "viewer": Provide(provide_optional_actor)}


class CourseQuizzesController(Controller):
    """`/api/v1/courses/{course_id}/quizzes`: a course's quizzes and their settings."""

    path = "/api/v1/courses/{course_id:uuid}/quizzes"
    tags = ["quizzes"]
    dependencies = _DEPENDENCIES

    @get("/", summary="A course's quizzes", responses=problems(401, 404))
    async def list_quizzes(
        self, lms: NamedDependency[Lms], viewer: NamedDependency[Actor], course_id: FromPath[UUID]
    ) -> list[QuizView]:
        """Anyone who may see the course lists its quizzes: every one for its instructor and admins, the
        published ones for others. Changes nothing.

        Errors: 401 for an invalid access token (none is needed); 404 `courses.not_found` for an unknown
        course or a draft the caller may not see."""
        return await lms.quizzes.list_quizzes(viewer, course_id)

    @post(
        "/",
        status_code=201,
        summary="Create a quiz",
        responses=problems(401, 403, 404, 409, 422),
        security=SIGNED_IN,
    )
    async def create_quiz(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        course_id: FromPath[UUID],
        data: JSONBody[CreateQuiz],
    ) -> QuizView:
        """The course's instructor or an admin creates the quiz of one of the course's `quiz` lessons,
        unpublished and without questions.

        Errors: 401 without a valid access token; 403 `quizzes.not_manager`; 404 `courses.not_found`, or
        `lessons.not_found` for a lesson not in the course; 409 `quizzes.lesson_has_quiz`; 422
        `quizzes.invalid` for a lesson that is not a `quiz` lesson, or a body that does not match
        `CreateQuiz`."""
        return await lms.quizzes.create_quiz(actor, course_id, data)

    @get("/{quiz_id:uuid}", summary="One quiz", responses=problems(401, 404))
    async def get_quiz(
        self,
        lms: NamedDependency[Lms],
        viewer: NamedDependency[Actor],
        course_id: FromPath[UUID],
        quiz_id: FromPath[UUID],
    ) -> QuizView:
        """Anyone who may see the course reads a published quiz's settings; unpublished quizzes only the
        course's instructor and admins. Changes nothing.

        Errors: 401 for an invalid access token (none is needed); 404 `quizzes.not_found` for an unknown quiz,
        one of another course, or one the caller may not see."""
        return await lms.quizzes.get_quiz(viewer, quiz_id, course_id=course_id)

    @patch(
        "/{quiz_id:uuid}",
        summary="Change a quiz's settings",
        responses=problems(401, 403, 404, 422),
        security=SIGNED_IN,
    )
    async def update_quiz(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        course_id: FromPath[UUID],
        quiz_id: FromPath[UUID],
        data: JSONBody[UpdateQuiz],
    ) -> QuizView:
        """The course's instructor or an admin changes a quiz's settings; absent fields stay as they are.
        Attempts already started keep the settings they started with.

        Errors: 401 without a valid access token; 403 `quizzes.not_manager`; 404 `quizzes.not_found`; 422
        `quizzes.invalid` or a body that does not match `UpdateQuiz`."""
        return await lms.quizzes.update_quiz(actor, quiz_id, data, course_id=course_id)

    @post(
        "/{quiz_id:uuid}/publish",
        status_code=200,
        summary="Publish a quiz",
        responses=problems(401, 403, 404, 409),
        security=SIGNED_IN,
    )
    async def publish_quiz(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        course_id: FromPath[UUID],
        quiz_id: FromPath[UUID],
    ) -> QuizView:
        """The course's instructor or an admin opens a quiz to the course's learners.

        Errors: 401 without a valid access token; 403 `quizzes.not_manager`; 404 `quizzes.not_found`; 409
        `quizzes.no_questions` for a quiz without questions."""
        return await lms.quizzes.publish_quiz(actor, quiz_id, course_id=course_id)


class QuizQuestionsController(Controller):
    """`/api/v1/quizzes/{quiz_id}/questions`: a quiz's questions."""

    path = "/api/v1/quizzes/{quiz_id:uuid}/questions"
    tags = ["quizzes"]
    dependencies = _DEPENDENCIES

    @get("/", summary="A quiz's questions, without answer keys", responses=problems(401, 403, 404))
    async def list_questions(
        self, lms: NamedDependency[Lms], viewer: NamedDependency[Actor], quiz_id: FromPath[UUID]
    ) -> list[QuestionView]:
        """The course's learners and managers read a quiz's questions without answer keys or explanations;
        anyone does when the quiz's lesson is a preview lesson. Changes nothing.

        Errors: 401 for an invalid access token; 403 `quizzes.questions_for_learners` for callers who are
        neither learners nor managers of the course; 404 `quizzes.not_found`."""
        return await lms.quizzes.list_questions(viewer, quiz_id)

    @get(
        "/manage",
        summary="A quiz's questions with answer keys",
        responses=problems(401, 403, 404),
        security=SIGNED_IN,
    )
    async def list_managed_questions(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], quiz_id: FromPath[UUID]
    ) -> list[ManagedQuestionView]:
        """The course's instructor and admins read a quiz's questions with answer keys and explanations.
        Changes nothing.

        Errors: 401 without a valid access token; 403 `quizzes.not_manager`; 404 `quizzes.not_found`."""
        return await lms.quizzes.list_managed_questions(actor, quiz_id)

    @post(
        "/",
        status_code=201,
        summary="Add a question",
        responses=problems(401, 403, 404, 422),
        security=SIGNED_IN,
    )
    async def add_question(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        data: JSONBody[AddQuestion],
    ) -> ManagedQuestionView:
        """The course's instructor or an admin adds a question with its answer key, at the end unless
        `order_index` is given.

        Errors: 401 without a valid access token; 403 `quizzes.not_manager`; 404 `quizzes.not_found`; 422
        `quizzes.invalid_question` for a question its type does not allow (options, answer key, points), or
        a body that does not match `AddQuestion`."""
        return await lms.quizzes.add_question(actor, quiz_id, data)

    @post(
        "/reorder",
        status_code=200,
        summary="Reorder a quiz's questions",
        responses=problems(401, 403, 404, 422),
        security=SIGNED_IN,
    )
    async def reorder_questions(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        data: JSONBody[ReorderQuestions],
    ) -> list[ManagedQuestionView]:
        """The course's instructor or an admin sets the order of the quiz's questions, naming every one exactly
        once.

        Errors: 401 without a valid access token; 403 `quizzes.not_manager`; 404 `quizzes.not_found`; 422
        `quizzes.invalid_reorder` when the ids are not exactly the quiz's questions, or a body that does not
        match `ReorderQuestions`."""
        return await lms.quizzes.reorder_questions(actor, quiz_id, data)

    @patch(
        "/{question_id:uuid}",
        summary="Change a question",
        responses=problems(401, 403, 404, 422),
        security=SIGNED_IN,
    )
    async def update_question(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[UpdateQuestion],
    ) -> ManagedQuestionView:
        """The course's instructor or an admin changes a question; absent fields stay as they are. Attempts
        already started keep their own copy of it.

        Errors: 401 without a valid access token; 403 `quizzes.not_manager`; 404 `quizzes.not_found`, or
        `quizzes.question_not_found`; 422 `quizzes.invalid_question` when the result is not a valid question
        of its type, or a body that does not match `UpdateQuestion`."""
        return await lms.quizzes.update_question(actor, quiz_id, question_id, data)

    @delete(
        "/{question_id:uuid}",
        status_code=204,
        summary="Delete a question",
        responses=problems(401, 403, 404, 409),
        security=SIGNED_IN,
    )
    async def delete_question(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        question_id: FromPath[UUID],
    ) -> None:
        """The course's instructor or an admin deletes a question; attempts already started keep their copy.

        Errors: 401 without a valid access token; 403 `quizzes.not_manager`; 404 `quizzes.not_found`, or
        `quizzes.question_not_found`; 409 `quizzes.no_questions` for the last question of a published
        quiz."""
        await lms.quizzes.delete_question(actor, quiz_id, question_id)
