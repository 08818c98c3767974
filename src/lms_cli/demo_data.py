"""The demo data set: accounts, a published course with text, video and quiz lessons, and learners."""

from __future__ import annotations

from dataclasses import dataclass

from lms_core import Actor, CreateUser, Lms, Role
from lms_core.courses.commands import CreateCourse, CreateLesson
from lms_core.courses.entities import Difficulty, LessonType
from lms_core.enrollments.commands import EnrollInCourse
from lms_core.shared.ids import UserId
from lms_core.users.errors import EmailAlreadyRegistered


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    password: str
    full_name: str


DEMO_ACCOUNTS = [
    DemoAccount(Role.ADMIN, "admin@demo.lms", "demo-admin-password", "Amira Admin"),
    DemoAccount(Role.INSTRUCTOR, "instructor@demo.lms", "demo-instructor-password", "Idris Instructor"),
    DemoAccount(Role.STUDENT, "student@demo.lms", "demo-student-password", "Salma Student"),
    DemoAccount(Role.STUDENT, "omar@demo.lms", "demo-student-password", "Omar Learner"),
    DemoAccount(Role.STUDENT, "layla@demo.lms", "demo-student-password", "Layla Learner"),
]

DEMO_COURSE = "Python for Data Analysis"

# (student, how many lessons they have completed)
DEMO_PROGRESS = (("student@demo.lms", 2), ("omar@demo.lms", 4), ("layla@demo.lms", 0))


async def seed_demo(lms: Lms) -> list[DemoAccount]:
    """Create the demo accounts and course. A second run finds the accounts and adds nothing."""
    actors: dict[str, Actor] = {}
    for account in DEMO_ACCOUNTS:
        try:
            view = await lms.users.create_user(
                Actor.system(),
                CreateUser(
                    email=account.email, password=account.password, full_name=account.full_name, role=account.role
                ),
            )
        except EmailAlreadyRegistered:
            return DEMO_ACCOUNTS
        actors[account.email] = Actor.user(UserId(view.id), account.role)
    await _seed_course(lms, actors)
    return DEMO_ACCOUNTS


async def _seed_course(lms: Lms, actors: dict[str, Actor]) -> None:
    teacher = actors["instructor@demo.lms"]
    course = await lms.courses.create_course(
        teacher,
        CreateCourse(
            title=DEMO_COURSE,
            description="Load, clean and explore real data sets with Python, pandas and plots.",
            category="programming",
            difficulty_level=Difficulty.BEGINNER,
            estimated_duration_minutes=240,
        ),
    )
    lessons = [
        CreateLesson(
            title="Welcome and setup",
            lesson_type=LessonType.VIDEO,
            video_url="https://videos.example.com/python-data/welcome.mp4",
            duration_minutes=8,
            is_preview=True,
        ),
        CreateLesson(
            title="Python refresher",
            lesson_type=LessonType.TEXT,
            content="Variables, lists, dictionaries and functions: the parts of Python this course leans on.",
        ),
        CreateLesson(
            title="Loading data with pandas",
            lesson_type=LessonType.VIDEO,
            video_url="https://videos.example.com/python-data/loading.mp4",
            duration_minutes=22,
        ),
        CreateLesson(
            title="Cleaning messy data",
            lesson_type=LessonType.TEXT,
            content="Missing values, duplicates and types: a checklist for every new data set.",
        ),
        CreateLesson(title="Check your understanding", lesson_type=LessonType.QUIZ),
    ]
    created = [await lms.courses.create_lesson(teacher, course.id, lesson) for lesson in lessons]
    await lms.courses.publish_course(teacher, course.id)
    for email, done in DEMO_PROGRESS:
        learner = actors[email]
        enrollment = await lms.enrollments.enroll(learner, EnrollInCourse(course_id=course.id))
        for lesson in created[:done]:
            await lms.enrollments.complete_lesson(learner, enrollment.id, lesson.id)
