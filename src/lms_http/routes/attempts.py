"""`/api/v1/quizzes/{quiz_id}/attempts`: taking quizzes (spec section 5), plus draft answers and grading.

`GET /attempts/start` is read-only: it returns the attempt in progress (questions in the attempt's
order, without answer keys) and answers 404 when there is none; `POST /attempts` starts one (or
returns the one in progress). Attempt ids are typed `uuid` path parameters, so `start` and
`my-attempts` never reach the attempt routes. Bodies over the app's size limit (1 MiB) get 413.
"""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from lms_core import Actor, Lms
from lms_core.quizzes.commands import AnswerSheet, GradeAttempt, ListMyAttempts
from lms_core.quizzes.views import AttemptResultView, AttemptTakingView
from lms_core.shared.pagination import DEFAULT_PAGE_SIZE
from lms_http.auth import SIGNED_IN, provide_actor
from lms_http.errors import problems
from lms_http.paging import AttemptPage, PageQuery, PageSizeQuery


class AttemptsController(Controller):
    path = "/api/v1/quizzes/{quiz_id:uuid}/attempts"
    tags = ["quiz attempts"]
    dependencies = {"actor": Provide(provide_actor)}
    security = SIGNED_IN

    @post("/", status_code=201, responses=problems(401, 403, 404, 409))
    async def start_attempt(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], quiz_id: FromPath[UUID]
    ) -> AttemptTakingView:
        """Start an attempt (enrolled students, published quizzes), or get back the one in progress.
        Questions and options come in the attempt's own order, which stays fixed."""
        return await lms.quizzes.start_attempt(actor, quiz_id)

    @get("/start", responses=problems(401, 404))
    async def attempt_in_progress(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], quiz_id: FromPath[UUID]
    ) -> AttemptTakingView:
        """The quiz for taking: my attempt in progress with its questions and saved answers (404 if none)."""
        return await lms.quizzes.attempt_in_progress(actor, quiz_id)

    @get("/my-attempts", responses=problems(401, 404, 422))
    async def my_attempts(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> AttemptPage:
        """My attempts at the quiz, latest first."""
        return await lms.quizzes.my_attempts(actor, quiz_id, ListMyAttempts(page=page, page_size=page_size))

    @get("/{attempt_id:uuid}", responses=problems(401, 404))
    async def get_attempt(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        attempt_id: FromPath[UUID],
    ) -> AttemptResultView:
        """An attempt's result, question by question (its student, the course's instructor, admins)."""
        return await lms.quizzes.get_attempt(actor, quiz_id, attempt_id)

    @put("/{attempt_id:uuid}/answers", responses=problems(401, 403, 404, 409, 413, 422))
    async def save_answers(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        attempt_id: FromPath[UUID],
        data: JSONBody[AnswerSheet],
    ) -> AttemptTakingView:
        """Save draft answers, replacing those saved before (the attempt's student, until the deadline)."""
        return await lms.quizzes.save_answers(actor, quiz_id, attempt_id, data)

    @post("/{attempt_id:uuid}/submit", status_code=200, responses=problems(401, 403, 404, 409, 413, 422))
    async def submit_attempt(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        attempt_id: FromPath[UUID],
        data: JSONBody[AnswerSheet],
    ) -> AttemptResultView:
        """Submit the answers and get the result. After the deadline the saved answers are submitted
        instead and the answer is 409."""
        return await lms.quizzes.submit_attempt(actor, quiz_id, attempt_id, data)

    @post("/{attempt_id:uuid}/grade", status_code=200, responses=problems(401, 403, 404, 409, 413, 422))
    async def grade_attempt(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        attempt_id: FromPath[UUID],
        data: JSONBody[GradeAttempt],
    ) -> AttemptResultView:
        """Grade essay and open questions of a submitted attempt (the course's instructor, admins)."""
        return await lms.quizzes.grade_attempt(actor, quiz_id, attempt_id, data)
