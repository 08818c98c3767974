"""`/api/v1/courses` and `/api/v1/lessons`: spec section 3."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from lms_core import Actor, Lms
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

    @get("/", summary="Browse the course catalogue", responses={**problems(401, 403, 422), **_NOT_MODIFIED})
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
        """Anyone lists published courses, filtered (category, difficulty, instructor, free or not, a search in
        title and description) and sorted. Drafts and archived courses are listed for admins, and for an
        instructor asking for their own (`instructor_id`). Changes nothing. Answers carry a weak ETag;
        `If-None-Match` with it gives 304 while the page is unchanged.

        Errors: 401 for an invalid access token (none is needed); 403 `courses.listing_forbidden` when asking
        for other statuses than `published` without being allowed to; 422 a query parameter out of range."""
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

    @post(
        "/",
        status_code=201,
        summary="Create a draft course",
        responses=problems(401, 403, 404, 409, 422),
        security=SIGNED_IN,
    )
    async def create_course(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[CreateCourse]
    ) -> CourseView:
        """Instructors and admins create a course as a draft, with a slug made from its title; admins may name
        another instructor (`instructor_id`).

        Errors: 401 without a valid access token; 403 `courses.instructor_required` for students, or for a
        non-admin naming another instructor; 404 `users.not_found` for an unknown `instructor_id`; 409
        `courses.slug_taken` when no free slug is left for the title; 422 `courses.invalid_price`,
        `courses.metadata_too_large` or a body that does not match `CreateCourse`."""
        return await lms.courses.create_course(actor, data)

    @get("/{course_id:uuid}", summary="One course", responses=problems(401, 404))
    async def get_course(
        self, lms: NamedDependency[Lms], viewer: NamedDependency[Actor], course_id: FromPath[UUID]
    ) -> CourseView:
        """Anyone reads a published or archived course; drafts only their instructor and admins. Changes
        nothing.

        Errors: 401 for an invalid access token (none is needed); 404 `courses.not_found` for an unknown id or
        a draft the caller may not see."""
        return await lms.courses.get_course(viewer, course_id)

    @patch(
        "/{course_id:uuid}",
        summary="Change a course",
        responses=problems(401, 403, 404, 409, 422),
        security=SIGNED_IN,
    )
    async def update_course(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        course_id: FromPath[UUID],
        data: JSONBody[UpdateCourse],
    ) -> CourseView:
        """The course's instructor or an admin changes its details, price or status (publish, archive, back to
        draft); absent fields stay as they are. The slug follows a new title only with `regenerate_slug`;
        admins may hand the course to another instructor.

        Errors: 401 without a valid access token; 403 `courses.not_manager` for anyone else, or
        `courses.instructor_required` for a new instructor who is not one; 404 `courses.not_found`; 409
        `courses.no_lessons` when publishing a course without lessons, `courses.invalid_state` for a status
        change its state does not allow, `courses.slug_taken`; 422 `courses.invalid_price` or a body that
        does not match `UpdateCourse`."""
        return await lms.courses.update_course(actor, course_id, data)

    @delete(
        "/{course_id:uuid}",
        status_code=204,
        summary="Delete a course",
        responses=problems(401, 403, 404, 409),
        security=SIGNED_IN,
    )
    async def delete_course(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], course_id: FromPath[UUID]
    ) -> None:
        """The course's instructor or an admin deletes a course nobody has enrolled in, with its lessons and
        quizzes. A course with learners is archived instead (`PATCH` with `status: archived`).

        Errors: 401 without a valid access token; 403 `courses.not_manager`; 404 `courses.not_found`; 409
        `courses.has_enrollments`."""
        await lms.courses.delete_course(actor, course_id)

    @post(
        "/{course_id:uuid}/publish",
        status_code=200,
        summary="Publish a course",
        responses=problems(401, 403, 404, 409),
        security=SIGNED_IN,
    )
    async def publish_course(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], course_id: FromPath[UUID]
    ) -> CourseView:
        """The course's instructor or an admin opens a course to the catalogue and to enrolment; publishing a
        published course changes nothing.

        Errors: 401 without a valid access token; 403 `courses.not_manager`; 404 `courses.not_found`; 409
        `courses.no_lessons` for a course without lessons, or `courses.invalid_state`."""
        return await lms.courses.publish_course(actor, course_id)

    @get("/{course_id:uuid}/lessons", summary="A course's lessons", responses=problems(401, 404))
    async def list_lessons(
        self, lms: NamedDependency[Lms], viewer: NamedDependency[Actor], course_id: FromPath[UUID]
    ) -> list[LessonView]:
        """Anyone who may see the course reads its outline, in order. Lesson content is included for preview
        lessons, enrolled learners and the course's managers only. Changes nothing.

        Errors: 401 for an invalid access token (none is needed); 404 `courses.not_found` for an unknown
        course or a draft the caller may not see."""
        return await lms.courses.list_lessons(viewer, course_id)

    @post(
        "/{course_id:uuid}/lessons",
        status_code=201,
        summary="Add a lesson",
        responses=problems(401, 403, 404, 409, 422),
        security=SIGNED_IN,
    )
    async def create_lesson(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        course_id: FromPath[UUID],
        data: JSONBody[CreateLesson],
    ) -> LessonView:
        """The course's instructor or an admin adds a lesson, at the end of its group of siblings unless
        `order_index` is given; `parent_lesson_id` nests it under another lesson of the course.

        Errors: 401 without a valid access token; 403 `courses.not_manager`; 404 `courses.not_found`, or
        `lessons.not_found` for an unknown parent; 409 when another lesson took the same slug at the same
        moment (retry); 422 `lessons.invalid` (a parent in another course, too deep a nesting) or a body
        that does not match `CreateLesson`."""
        return await lms.courses.create_lesson(actor, course_id, data)

    @post(
        "/{course_id:uuid}/lessons/reorder",
        status_code=200,
        summary="Reorder a group of lessons",
        responses=problems(401, 403, 404, 422),
        security=SIGNED_IN,
    )
    async def reorder_lessons(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        course_id: FromPath[UUID],
        data: JSONBody[ReorderLessons],
    ) -> list[LessonView]:
        """The course's instructor or an admin sets the order of one group of sibling lessons (the top level,
        or the children of `parent_lesson_id`), naming each of them exactly once.

        Errors: 401 without a valid access token; 403 `courses.not_manager`; 404 `courses.not_found`; 422
        `lessons.invalid_reorder` when the ids are not exactly that group's lessons, or a body that does not
        match `ReorderLessons`."""
        return await lms.courses.reorder_lessons(actor, course_id, data)


class LessonsController(Controller):
    path = "/api/v1/lessons"
    tags = ["courses"]
    dependencies = _DEPENDENCIES

    @get("/{lesson_id:uuid}", summary="One lesson", responses=problems(401, 404))
    async def get_lesson(
        self, lms: NamedDependency[Lms], viewer: NamedDependency[Actor], lesson_id: FromPath[UUID]
    ) -> LessonView:
        """Anyone who may see its course reads a lesson; its content only for preview lessons, enrolled
        learners and the course's managers. Changes nothing.

        Errors: 401 for an invalid access token (none is needed); 404 `lessons.not_found` for an unknown
        lesson or one of a draft the caller may not see."""
        return await lms.courses.get_lesson(viewer, lesson_id)

    @patch(
        "/{lesson_id:uuid}",
        summary="Change a lesson",
        responses=problems(401, 403, 404, 422),
        security=SIGNED_IN,
    )
    async def update_lesson(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        lesson_id: FromPath[UUID],
        data: JSONBody[UpdateLesson],
    ) -> LessonView:
        """The course's instructor or an admin changes a lesson; absent fields stay as they are.

        Errors: 401 without a valid access token; 403 `courses.not_manager`; 404 `lessons.not_found`, or an
        unknown new parent; 422 `lessons.invalid` (a parent in another course, a lesson under itself) or a
        body that does not match `UpdateLesson`."""
        return await lms.courses.update_lesson(actor, lesson_id, data)

    @delete(
        "/{lesson_id:uuid}",
        status_code=204,
        summary="Delete a lesson",
        responses=problems(401, 403, 404, 409),
        security=SIGNED_IN,
    )
    async def delete_lesson(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], lesson_id: FromPath[UUID]
    ) -> None:
        """The course's instructor or an admin deletes a lesson and the progress recorded on it.

        Errors: 401 without a valid access token; 403 `courses.not_manager`; 404 `lessons.not_found`; 409
        `lessons.has_children` for a lesson with lessons under it, or `courses.invalid_state` for the last lesson
        of a published course."""
        await lms.courses.delete_lesson(actor, lesson_id)
