"""`/api/v1/courses` and `/api/v1/lessons`: spec section 3."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from lms_core import Actor, Lms, Page
from lms_core.courses.commands import (
    CourseSort,
    CreateCourse,
    CreateLesson,
    ListCourses,
    ReorderLessons,
    UpdateCourse,
    UpdateLesson,
)
from lms_core.courses.entities import CourseStatus, Difficulty
from lms_core.courses.views import CourseView, LessonView
from lms_core.shared.pagination import DEFAULT_PAGE_SIZE
from lms_http.auth import SIGNED_IN, provide_actor, provide_optional_actor
from lms_http.encoding import EncodedViews
from lms_http.errors import problems
from lms_http.paging import CoursePage, PageQuery, PageSizeQuery

# Cached catalogue pages come back as the same objects: their JSON is encoded once.
_catalogue_json = EncodedViews()

_NOT_MODIFIED = {304: ResponseSpec(data_container=None, description="Not modified (the ETag still matches)")}

_DEPENDENCIES = {"actor": Provide(provide_actor), "viewer": Provide(provide_optional_actor)}


class CoursesController(Controller):
    path = "/api/v1/courses"
    tags = ["courses"]
    dependencies = _DEPENDENCIES

    @get("/", responses={**problems(401, 403, 422), **_NOT_MODIFIED})
    async def list_courses(
        self,
        lms: NamedDependency[Lms],
        viewer: NamedDependency[Actor],
        if_none_match: Annotated[str | None, HeaderParameter(name="If-None-Match", max_length=4096)] = None,
        category: Annotated[str | None, QueryParameter(min_length=1, max_length=100)] = None,
        difficulty_level: FromQuery[Difficulty | None] = None,
        instructor_id: FromQuery[UUID | None] = None,
        q: Annotated[
            str | None, QueryParameter(min_length=1, max_length=200, description="search title and description")
        ] = None,
        is_free: FromQuery[bool | None] = None,
        status: FromQuery[CourseStatus] = CourseStatus.PUBLISHED,
        sort: FromQuery[CourseSort] = CourseSort.NEWEST,
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> Response[CoursePage]:
        """The catalogue: published courses, filtered and sorted. Other statuses: admins, or your own courses.
        Answers carry a weak ETag; `If-None-Match` with it gives 304 while the page is unchanged."""
        query = ListCourses(
            category=category,
            difficulty_level=difficulty_level,
            instructor_id=instructor_id,
            q=q,
            is_free=is_free,
            status=status,
            sort=sort,
            page=page,
            page_size=page_size,
        )
        page_view = await lms.courses.list_courses(viewer, query)
        # The published catalogue is the same for everyone: caches may keep it, and revalidate by its ETag.
        public = status is CourseStatus.PUBLISHED
        return _catalogue_json.response(
            page_view, if_none_match=if_none_match, cache_control="public, no-cache" if public else None
        )

    @post("/", status_code=201, responses=problems(401, 403, 404, 409, 422), security=SIGNED_IN)
    async def create_course(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[CreateCourse]
    ) -> CourseView:
        """Create a draft course (instructors and admins)."""
        return await lms.courses.create_course(actor, data)

    @get("/{course_id:uuid}", responses=problems(401, 404))
    async def get_course(
        self, lms: NamedDependency[Lms], viewer: NamedDependency[Actor], course_id: FromPath[UUID]
    ) -> CourseView:
        """One course. Drafts are visible to their instructor and admins only."""
        return await lms.courses.get_course(viewer, course_id)

    @patch("/{course_id:uuid}", responses=problems(401, 403, 404, 409, 422), security=SIGNED_IN)
    async def update_course(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        course_id: FromPath[UUID],
        data: JSONBody[UpdateCourse],
    ) -> CourseView:
        """Change a course (its instructor or an admin)."""
        return await lms.courses.update_course(actor, course_id, data)

    @delete("/{course_id:uuid}", status_code=204, responses=problems(401, 403, 404, 409), security=SIGNED_IN)
    async def delete_course(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], course_id: FromPath[UUID]
    ) -> None:
        """Delete a course that nobody has enrolled in (archive it otherwise)."""
        await lms.courses.delete_course(actor, course_id)

    @post("/{course_id:uuid}/publish", status_code=200, responses=problems(401, 403, 404, 409), security=SIGNED_IN)
    async def publish_course(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], course_id: FromPath[UUID]
    ) -> CourseView:
        """Publish a course with at least one lesson."""
        return await lms.courses.publish_course(actor, course_id)

    @get("/{course_id:uuid}/lessons", responses=problems(401, 404))
    async def list_lessons(
        self, lms: NamedDependency[Lms], viewer: NamedDependency[Actor], course_id: FromPath[UUID]
    ) -> list[LessonView]:
        """The course outline. Content is included for previews, enrolled learners and the course's managers."""
        return await lms.courses.list_lessons(viewer, course_id)

    @post("/{course_id:uuid}/lessons", status_code=201, responses=problems(401, 403, 404, 409, 422), security=SIGNED_IN)
    async def create_lesson(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        course_id: FromPath[UUID],
        data: JSONBody[CreateLesson],
    ) -> LessonView:
        """Add a lesson (at the end of its group unless `order_index` is given)."""
        return await lms.courses.create_lesson(actor, course_id, data)

    @post(
        "/{course_id:uuid}/lessons/reorder", status_code=200, responses=problems(401, 403, 404, 422), security=SIGNED_IN
    )
    async def reorder_lessons(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        course_id: FromPath[UUID],
        data: JSONBody[ReorderLessons],
    ) -> list[LessonView]:
        """Set the order of one group of sibling lessons."""
        return await lms.courses.reorder_lessons(actor, course_id, data)


class LessonsController(Controller):
    path = "/api/v1/lessons"
    tags = ["courses"]
    dependencies = _DEPENDENCIES

    @get("/{lesson_id:uuid}", responses=problems(401, 404))
    async def get_lesson(
        self, lms: NamedDependency[Lms], viewer: NamedDependency[Actor], lesson_id: FromPath[UUID]
    ) -> LessonView:
        """One lesson; its content only for previews, enrolled learners and the course's managers."""
        return await lms.courses.get_lesson(viewer, lesson_id)

    @patch("/{lesson_id:uuid}", responses=problems(401, 403, 404, 422), security=SIGNED_IN)
    async def update_lesson(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        lesson_id: FromPath[UUID],
        data: JSONBody[UpdateLesson],
    ) -> LessonView:
        return await lms.courses.update_lesson(actor, lesson_id, data)

    @delete("/{lesson_id:uuid}", status_code=204, responses=problems(401, 403, 404, 409), security=SIGNED_IN)
    async def delete_lesson(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], lesson_id: FromPath[UUID]
    ) -> None:
        await lms.courses.delete_lesson(actor, lesson_id)
