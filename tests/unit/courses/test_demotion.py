"""A demoted instructor loses the management of their courses; admins hand courses to another instructor."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms_core import Actor, Lms, Role
from lms_core.auth.errors import InvalidToken
from lms_core.courses.commands import CreateCourse, CreateLesson, ListCourses, UpdateCourse
from lms_core.courses.entities import CourseStatus, LessonType
from lms_core.courses.errors import CourseNotFound, ListingForbidden, NotCourseManager
from lms_core.quizzes.commands import AddQuestion, GradeAttempt, ManualGrade
from lms_core.quizzes.entities import QuestionType
from lms_core.quizzes.errors import AttemptNotFound
from lms_core.shared.ids import UserId
from lms_core.users.commands import UpdateUser
from lms_core.users.errors import UserNotFound
from tests.support.attempts import ESSAY, MIXED_ANSWERS, question_id, quiz_room, sheet
from tests.support.catalogue import instructor, published_course, student
from tests.support.flows import create_admin, login_tokens
from tests.support.quizzes import MIXED_QUESTIONS


async def _demote(lms: Lms, admin: Actor, who: Actor) -> Actor:
    assert who.user_id is not None
    view = await lms.users.update_user(admin, who.user_id, UpdateUser(role=Role.STUDENT))
    assert view.role is Role.STUDENT
    return Actor.user(who.user_id, Role.STUDENT)


async def test_a_demoted_instructor_can_no_longer_manage_their_courses(lms: Lms) -> None:
    admin = await create_admin(lms)
    room = await quiz_room(lms, MIXED_QUESTIONS)
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    await lms.quizzes.submit_attempt(room.learner, room.quiz_id, attempt.id, sheet(attempt, MIXED_ANSWERS))
    draft = (await lms.courses.create_course(room.owner, CreateCourse(title="Unfinished"))).id
    demoted = await _demote(lms, admin, room.owner)

    with pytest.raises(NotCourseManager):
        await lms.courses.update_course(demoted, room.course.id, UpdateCourse(title="Mine still"))
    with pytest.raises(NotCourseManager):
        await lms.courses.publish_course(demoted, room.course.id)
    with pytest.raises(NotCourseManager):
        await lms.courses.create_lesson(
            demoted, room.course.id, CreateLesson(title="More", lesson_type=LessonType.TEXT, content="x")
        )
    with pytest.raises(NotCourseManager):
        await lms.quizzes.add_question(
            demoted,
            room.quiz_id,
            AddQuestion(question_type=QuestionType.TRUE_FALSE, question_text="New?", correct_answer=True),
        )
    grade = GradeAttempt(grades=[ManualGrade(question_id=question_id(attempt, ESSAY), points=Decimal(1))])
    # Attempts are reported missing to whoever may not read them.
    with pytest.raises(AttemptNotFound):
        await lms.quizzes.grade_attempt(demoted, room.quiz_id, attempt.id, grade)
    # Their draft is hidden from them now, like any other draft; the published course stays as it was.
    with pytest.raises(CourseNotFound):
        await lms.courses.get_course(demoted, draft)
    with pytest.raises(ListingForbidden):
        await lms.courses.list_courses(demoted, ListCourses(status=CourseStatus.DRAFT, instructor_id=demoted.user_id))
    course = await lms.courses.get_course(demoted, room.course.id)
    assert course.title == room.course.title
    assert course.status is CourseStatus.PUBLISHED
    assert course.instructor is not None and course.instructor.id == demoted.user_id


async def test_the_old_token_of_a_demoted_instructor_is_refused(lms: Lms) -> None:
    admin = await create_admin(lms)
    owner = await instructor(lms)
    access, _ = await login_tokens(lms, "teacher@example.com")
    assert (await lms.auth.authenticate(access)).role is Role.INSTRUCTOR
    await _demote(lms, admin, owner)
    with pytest.raises(InvalidToken):
        await lms.auth.authenticate(access)
    fresh, _ = await login_tokens(lms, "teacher@example.com")
    assert (await lms.auth.authenticate(fresh)).role is Role.STUDENT


async def test_an_admin_reassigns_a_course_and_the_new_instructor_manages_it(lms: Lms) -> None:
    admin = await create_admin(lms)
    old = await instructor(lms, "old@example.com")
    new = await instructor(lms, "new@example.com")
    course = await published_course(lms, old, "Handed Over")
    assert new.user_id is not None

    with pytest.raises(NotCourseManager):
        await lms.courses.update_course(old, course.id, UpdateCourse(instructor_id=new.user_id))
    reassigned = await lms.courses.update_course(admin, course.id, UpdateCourse(instructor_id=new.user_id))
    assert reassigned.instructor is not None
    assert reassigned.instructor.id == new.user_id
    assert reassigned.instructor.full_name == "Teacher new"

    renamed = await lms.courses.update_course(new, course.id, UpdateCourse(title="Handed Over, Revised"))
    assert renamed.title == "Handed Over, Revised"
    with pytest.raises(NotCourseManager):
        await lms.courses.update_course(old, course.id, UpdateCourse(title="Taken back"))

    page = await lms.courses.list_courses(Actor.anonymous(), ListCourses())
    (listed,) = [item for item in page.items if item.id == course.id]
    assert listed.instructor is not None
    assert listed.instructor.id == new.user_id
    assert listed.title == "Handed Over, Revised"


async def test_a_course_goes_only_to_an_instructor_or_an_admin(lms: Lms) -> None:
    admin = await create_admin(lms)
    owner = await instructor(lms)
    learner = await student(lms)
    course = await published_course(lms, owner)
    assert learner.user_id is not None and admin.user_id is not None
    with pytest.raises(UserNotFound):
        await lms.courses.update_course(admin, course.id, UpdateCourse(instructor_id=learner.user_id))
    kept = await lms.courses.get_course(admin, course.id)
    assert kept.instructor is not None and kept.instructor.id == owner.user_id
    to_admin = await lms.courses.update_course(admin, course.id, UpdateCourse(instructor_id=UserId(admin.user_id)))
    assert to_admin.instructor is not None and to_admin.instructor.id == admin.user_id
