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

    @get("/", responses=problems(401, 404))
    async def list_quizzes(
        self, lms: NamedDependency[Lms], viewer: NamedDependency[Actor], course_id: FromPath[UUID]
    ) -> list[QuizView]:
        """The course's quizzes: every one for its instructor and admins, the published ones for others."""
        return await lms.quizzes.list_quizzes(viewer, course_id)

    @post("/", status_code=201, responses=problems(401, 403, 404, 409, 422), security=SIGNED_IN)
    async def create_quiz(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        course_id: FromPath[UUID],
        data: JSONBody[CreateQuiz],
    ) -> QuizView:
        """Create the unpublished quiz of one of the course's `quiz` lessons."""
        return await lms.quizzes.create_quiz(actor, course_id, data)

    @get("/{quiz_id:uuid}", responses=problems(401, 404))
    async def get_quiz(
        self,
        lms: NamedDependency[Lms],
        viewer: NamedDependency[Actor],
        course_id: FromPath[UUID],
        quiz_id: FromPath[UUID],
    ) -> QuizView:
        """One quiz. Unpublished quizzes are visible to the course's instructor and admins only."""
        return await lms.quizzes.get_quiz(viewer, quiz_id, course_id=course_id)

    @patch("/{quiz_id:uuid}", responses=problems(401, 403, 404, 422), security=SIGNED_IN)
    async def update_quiz(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        course_id: FromPath[UUID],
        quiz_id: FromPath[UUID],
        data: JSONBody[UpdateQuiz],
    ) -> QuizView:
        """Change a quiz's settings; attempts already started keep the settings they started with."""
        return await lms.quizzes.update_quiz(actor, quiz_id, data, course_id=course_id)

    @post("/{quiz_id:uuid}/publish", status_code=200, responses=problems(401, 403, 404, 409), security=SIGNED_IN)
    async def publish_quiz(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        course_id: FromPath[UUID],
        quiz_id: FromPath[UUID],
    ) -> QuizView:
        """Publish a quiz with at least one question."""
        return await lms.quizzes.publish_quiz(actor, quiz_id, course_id=course_id)


class QuizQuestionsController(Controller):
    """`/api/v1/quizzes/{quiz_id}/questions`: a quiz's questions."""

    path = "/api/v1/quizzes/{quiz_id:uuid}/questions"
    tags = ["quizzes"]
    dependencies = _DEPENDENCIES

    @get("/", responses=problems(401, 403, 404))
    async def list_questions(
        self, lms: NamedDependency[Lms], viewer: NamedDependency[Actor], quiz_id: FromPath[UUID]
    ) -> list[QuestionView]:
        """The questions of a quiz you can see, without answer keys or explanations: for the course's
        learners and managers, and for anyone when the quiz's lesson is a preview lesson (else 403)."""
        return await lms.quizzes.list_questions(viewer, quiz_id)

    @get("/manage", responses=problems(401, 403, 404), security=SIGNED_IN)
    async def list_managed_questions(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], quiz_id: FromPath[UUID]
    ) -> list[ManagedQuestionView]:
        """The questions with answer keys and explanations (the course's instructor and admins)."""
        return await lms.quizzes.list_managed_questions(actor, quiz_id)

    @post("/", status_code=201, responses=problems(401, 403, 404, 422), security=SIGNED_IN)
    async def add_question(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        data: JSONBody[AddQuestion],
    ) -> ManagedQuestionView:
        """Add a question (at the end unless `order_index` is given)."""
        return await lms.quizzes.add_question(actor, quiz_id, data)

    @post("/reorder", status_code=200, responses=problems(401, 403, 404, 422), security=SIGNED_IN)
    async def reorder_questions(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        data: JSONBody[ReorderQuestions],
    ) -> list[ManagedQuestionView]:
        """Set the order of every question of the quiz."""
        return await lms.quizzes.reorder_questions(actor, quiz_id, data)

    @patch("/{question_id:uuid}", responses=problems(401, 403, 404, 422), security=SIGNED_IN)
    async def update_question(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[UpdateQuestion],
    ) -> ManagedQuestionView:
        """Change a question; attempts already started keep their own copy of it."""
        return await lms.quizzes.update_question(actor, quiz_id, question_id, data)

    @delete("/{question_id:uuid}", status_code=204, responses=problems(401, 403, 404, 409), security=SIGNED_IN)
    async def delete_question(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        question_id: FromPath[UUID],
    ) -> None:
        """Delete a question; a published quiz keeps at least one."""
        await lms.quizzes.delete_question(actor, quiz_id, question_id)
