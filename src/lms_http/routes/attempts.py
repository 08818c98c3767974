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

    @post("/", status_code=201, summary="Start an attempt", responses=problems(401, 403, 404, 409))
    async def start_attempt(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], quiz_id: FromPath[UUID]
    ) -> AttemptTakingView:
        """A student with an active enrolment starts an attempt at a published quiz, or gets back the one in
        progress. Questions and options come in the attempt's own order, which stays fixed; a time limit
        starts running.

        Errors: 401 without a valid access token; 403 `quizzes.enrollment_required` without an active
        enrolment in the course; 404 `quizzes.not_found`; 409 `quizzes.not_published`, or
        `quizzes.no_attempts_left` when the attempt limit is used up."""
        return await lms.quizzes.start_attempt(actor, quiz_id)

    @get("/start", summary="My attempt in progress", responses=problems(401, 404))
    async def attempt_in_progress(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], quiz_id: FromPath[UUID]
    ) -> AttemptTakingView:
        """A student reads their attempt in progress at the quiz, with its questions (no answer keys) and the
        answers saved so far. Changes nothing.

        Errors: 401 without a valid access token; 404 `quizzes.attempt_not_found` when no attempt is in
        progress, or `quizzes.not_found`."""
        return await lms.quizzes.attempt_in_progress(actor, quiz_id)

    @get("/my-attempts", summary="My attempts at a quiz", responses=problems(401, 404, 422))
    async def my_attempts(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> AttemptPage:
        """Any signed-in user lists their own attempts at the quiz with their scores, latest first. Changes
        nothing.

        Errors: 401 without a valid access token; 404 `quizzes.not_found`; 422 a query parameter out of
        range."""
        return await lms.quizzes.my_attempts(actor, quiz_id, ListMyAttempts(page=page, page_size=page_size))

    @get("/{attempt_id:uuid}", summary="An attempt's result", responses=problems(401, 404))
    async def get_attempt(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        attempt_id: FromPath[UUID],
    ) -> AttemptResultView:
        """Its student, the course's instructor and admins read an attempt's result question by question
        (correct answers and explanations as the quiz's settings allow). Changes nothing.

        Errors: 401 without a valid access token; 404 `quizzes.attempt_not_found` for an unknown attempt, one
        of another quiz, or one the caller may not see."""
        return await lms.quizzes.get_attempt(actor, quiz_id, attempt_id)

    @put(
        "/{attempt_id:uuid}/answers",
        summary="Save draft answers",
        responses=problems(401, 403, 404, 409, 413, 422),
    )
    async def save_answers(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        attempt_id: FromPath[UUID],
        data: JSONBody[AnswerSheet],
    ) -> AttemptTakingView:
        """The attempt's student saves draft answers, replacing those saved before, until the deadline.

        Errors: 401 without a valid access token; 403 `quizzes.not_attempt_owner`; 404
        `quizzes.attempt_not_found`; 409 `quizzes.attempt_closed` for a submitted attempt, or
        `quizzes.deadline_passed` (the saved answers are then submitted); 413 a body over 1 MiB; 422
        `quizzes.invalid_answers` for answers that do not fit their questions, or a body that does not match
        `AnswerSheet`."""
        return await lms.quizzes.save_answers(actor, quiz_id, attempt_id, data)

    @post(
        "/{attempt_id:uuid}/submit",
        status_code=200,
        summary="Submit an attempt",
        responses=problems(401, 403, 404, 409, 413, 422),
    )
    async def submit_attempt(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        attempt_id: FromPath[UUID],
        data: JSONBody[AnswerSheet],
    ) -> AttemptResultView:
        """The attempt's student submits the answers and gets the result: automatic questions are graded at
        once, essays wait for a person. A pass completes the quiz's lesson.

        Errors: 401 without a valid access token; 403 `quizzes.not_attempt_owner`; 404
        `quizzes.attempt_not_found`; 409 `quizzes.attempt_closed` for an attempt already submitted, or
        `quizzes.deadline_passed` (the saved answers are submitted instead); 413 a body over 1 MiB; 422
        `quizzes.invalid_answers` or a body that does not match `AnswerSheet`."""
        return await lms.quizzes.submit_attempt(actor, quiz_id, attempt_id, data)

    @post(
        "/{attempt_id:uuid}/grade",
        status_code=200,
        summary="Grade an attempt's open questions",
        responses=problems(401, 403, 404, 409, 413, 422),
    )
    async def grade_attempt(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        quiz_id: FromPath[UUID],
        attempt_id: FromPath[UUID],
        data: JSONBody[GradeAttempt],
    ) -> AttemptResultView:
        """The course's instructor or an admin grades the essay and open questions of a submitted attempt; the
        score, pass and lesson completion follow.

        Errors: 401 without a valid access token; 403 `quizzes.not_manager`; 404 `quizzes.attempt_not_found`;
        409 `quizzes.attempt_in_progress` for an attempt not submitted yet; 413 a body over 1 MiB; 422
        `quizzes.invalid_grade` (a question not graded by hand, points out of range), or a body that does not
        match `GradeAttempt`."""
        return await lms.quizzes.grade_attempt(actor, quiz_id, attempt_id, data)
