"""The demo data set: accounts, a published course with text, video and quiz lessons, a graded quiz with a
question of every type, and learners."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from lms_core import Actor, CreateUser, Lms, Role
from lms_core.courses.commands import CreateCourse, CreateLesson
from lms_core.courses.entities import Difficulty, LessonType
from lms_core.enrollments.commands import EnrollInCourse
from lms_core.quizzes.commands import AddQuestion, CreateQuiz
from lms_core.quizzes.entities import QuestionType
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

DEMO_QUIZ = "Python for Data Analysis: check your understanding"

# One question of every type, so that a newcomer meets automatic grading (single and multiple answers,
# true/false, short answer) and a person's grading (the essay) in one attempt.
DEMO_QUESTIONS = (
    AddQuestion(
        question_type=QuestionType.MULTIPLE_CHOICE,
        question_text="Which pandas function reads a CSV file into a DataFrame?",
        points=Decimal(2),
        options=["pd.read_csv", "pd.load_csv", "pd.open_csv", "pd.from_csv_text"],
        correct_answer="pd.read_csv",
        explanation="pd.read_csv reads a CSV file (or URL, or buffer) into a DataFrame.",
    ),
    AddQuestion(
        question_type=QuestionType.MULTIPLE_CHOICE,
        question_text="Which of these deal with missing values in a DataFrame? Choose every one that does.",
        points=Decimal(2),
        options=["df.dropna()", "df.fillna(0)", "df.drop_duplicates()", "df.sort_values('price')"],
        correct_answers=["df.dropna()", "df.fillna(0)"],
        partial_credit=True,
        explanation="dropna removes rows with missing values and fillna replaces them; the others do not look "
        "at missing values.",
    ),
    AddQuestion(
        question_type=QuestionType.TRUE_FALSE,
        question_text="df.head() returns the first five rows of a DataFrame when given no argument.",
        points=Decimal(1),
        correct_answer=True,
        explanation="head(n=5): five rows unless told otherwise.",
    ),
    AddQuestion(
        question_type=QuestionType.SHORT_ANSWER,
        question_text="Which DataFrame method summarises each numeric column (count, mean, std, min, "
        "quartiles, max)? Give its name.",
        points=Decimal("1.5"),
        correct_answers=["describe", "describe()", "df.describe", "df.describe()"],
        explanation="df.describe() prints the summary statistics of every numeric column.",
    ),
    AddQuestion(
        question_type=QuestionType.ESSAY,
        question_text="A price column was loaded as text such as '$1,200'. In a few sentences, explain how you "
        "would turn it into numbers you can analyse, and how you would check the result.",
        points=Decimal("3.5"),
        explanation="Strip the currency sign and thousands separators (str.replace), convert with pd.to_numeric "
        "(errors='coerce' shows what failed as NaN), then check dtype, isna().sum() and describe().",
    ),
)

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
    await _seed_quiz(lms, teacher, course.id, created[-1].id)
    await lms.courses.publish_course(teacher, course.id)
    for email, done in DEMO_PROGRESS:
        learner = actors[email]
        enrollment = await lms.enrollments.enroll(learner, EnrollInCourse(course_id=course.id))
        for lesson in created[:done]:
            await lms.enrollments.complete_lesson(learner, enrollment.id, lesson.id)


async def _seed_quiz(lms: Lms, teacher: Actor, course_id: UUID, lesson_id: UUID) -> None:
    """The graded quiz of the quiz lesson: passing it (70 %) is what completes that lesson, and so the course."""
    quiz = await lms.quizzes.create_quiz(
        teacher,
        course_id,
        CreateQuiz(
            lesson_id=lesson_id,
            title=DEMO_QUIZ,
            description="Five questions, one of each kind. The essay is graded by the instructor.",
            passing_score=70,
            time_limit_minutes=30,
        ),
    )
    for question in DEMO_QUESTIONS:
        await lms.quizzes.add_question(teacher, quiz.id, question)
    await lms.quizzes.publish_quiz(teacher, quiz.id)
