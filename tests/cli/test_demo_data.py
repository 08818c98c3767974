"""The demo data set: a newcomer signed in as the demo student can walk the whole course, quiz included."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lms_cli.demo_data import DEMO_ACCOUNTS, DEMO_COURSE, DEMO_QUESTIONS, DEMO_QUIZ, seed_demo
from lms_core import (
    Actor,
    AnswerItem,
    AnswerSheet,
    EnrollmentStatus,
    GradeAttempt,
    LessonType,
    ListCourses,
    ListMyEnrollments,
    ListUsers,
    Lms,
    Login,
    ManualGrade,
    QuestionType,
    QuizNotPassed,
    QuizType,
)


async def sign_in(lms: Lms, email: str) -> Actor:
    """Sign in with the demo account's documented password, as a newcomer would."""
    (account,) = [a for a in DEMO_ACCOUNTS if a.email == email]
    session = await lms.auth.login(Actor.anonymous(), Login(email=account.email, password=account.password))
    assert session.access_token is not None
    return await lms.auth.authenticate(session.access_token)


def right_answers() -> dict[str, Any]:
    """The correct answer to each demo question, in the form the API takes for its type."""
    pick_one, pick_several, true_false, short, essay = DEMO_QUESTIONS
    return {
        pick_one.question_text: "pd.read_csv",
        pick_several.question_text: ["df.fillna(0)", "df.dropna()"],
        true_false.question_text: True,
        short.question_text: "  DESCRIBE ",
        essay.question_text: "Strip '$' and ',' with str.replace, then pd.to_numeric; check dtype and isna().sum().",
    }


async def test_the_demo_student_passes_the_seeded_quiz_and_completes_the_course(lms: Lms) -> None:
    await seed_demo(lms)
    student = await sign_in(lms, "student@demo.lms")
    teacher = await sign_in(lms, "instructor@demo.lms")

    (course,) = (await lms.courses.list_courses(student, ListCourses(q=DEMO_COURSE))).items
    lessons = await lms.courses.list_lessons(student, course.id)
    (quiz_lesson,) = [lesson for lesson in lessons if lesson.lesson_type is LessonType.QUIZ]
    (enrollment,) = (await lms.enrollments.my_enrollments(student, ListMyEnrollments())).items
    for lesson in lessons:
        if lesson.id != quiz_lesson.id:
            await lms.enrollments.complete_lesson(student, enrollment.id, lesson.id)

    # The quiz gate: the quiz lesson is not completed by asking, only by passing its quiz.
    with pytest.raises(QuizNotPassed):
        await lms.enrollments.complete_lesson(student, enrollment.id, quiz_lesson.id)
    before = await lms.enrollments.get_enrollment(student, enrollment.id)
    assert (before.status, before.progress_percentage) == (EnrollmentStatus.ACTIVE, Decimal("80.00"))

    (quiz,) = await lms.quizzes.list_quizzes(student, course.id)
    assert (quiz.title, quiz.lesson_id, quiz.quiz_type, quiz.is_published) == (
        DEMO_QUIZ,
        quiz_lesson.id,
        QuizType.GRADED,
        True,
    )
    assert quiz.passing_score == 70

    attempt = await lms.quizzes.start_attempt(student, quiz.id)
    assert {q.question_type for q in attempt.questions} == set(QuestionType)
    assert attempt.max_score == Decimal("10.00")
    answers = right_answers()
    sheet = AnswerSheet(
        answers=[AnswerItem(question_id=q.question_id, answer=answers[q.question_text]) for q in attempt.questions]
    )
    submitted = await lms.quizzes.submit_attempt(student, quiz.id, attempt.id, sheet)
    # Every automatic question is right; the essay waits for the instructor, so nothing is passed yet.
    (essay,) = [q for q in submitted.questions if q.question_type is QuestionType.ESSAY]
    automatic = [q for q in submitted.questions if q is not essay]
    assert [(q.graded_by, q.is_correct, q.points_awarded) for q in automatic] == [
        ("auto", True, q.points) for q in automatic
    ]
    assert (essay.graded_by, essay.points_awarded) == ("pending", None)
    assert (submitted.status.value, submitted.is_passed, submitted.score) == ("submitted", None, Decimal("6.50"))
    waiting = await lms.enrollments.get_enrollment(student, enrollment.id)
    assert waiting.status is EnrollmentStatus.ACTIVE

    grade = GradeAttempt(grades=[ManualGrade(question_id=essay.question_id, points=Decimal("3.5"), feedback="Right.")])
    graded = await lms.quizzes.grade_attempt(teacher, quiz.id, attempt.id, grade)
    assert (graded.status.value, graded.is_passed, graded.percentage) == ("graded", True, Decimal("100.00"))

    done = await lms.enrollments.get_enrollment(student, enrollment.id)
    assert (done.status, done.progress_percentage) == (EnrollmentStatus.COMPLETED, Decimal("100.00"))
    assert done.completed_at is not None


async def test_a_failed_attempt_leaves_the_quiz_lesson_open(lms: Lms) -> None:
    await seed_demo(lms)
    learner = await sign_in(lms, "layla@demo.lms")
    (course,) = (await lms.courses.list_courses(learner, ListCourses(q=DEMO_COURSE))).items
    (quiz,) = await lms.quizzes.list_quizzes(learner, course.id)
    attempt = await lms.quizzes.start_attempt(learner, quiz.id)
    wrong: dict[QuestionType, bool | str] = {QuestionType.TRUE_FALSE: False, QuestionType.SHORT_ANSWER: "head"}
    sheet = AnswerSheet(
        answers=[
            AnswerItem(question_id=q.question_id, answer=wrong[q.question_type])
            for q in attempt.questions
            if q.question_type in wrong
        ]
    )
    result = await lms.quizzes.submit_attempt(learner, quiz.id, attempt.id, sheet)
    # Unanswered questions score nothing and need no person: the attempt is graded and failed at once.
    assert (result.status.value, result.is_passed, result.score) == ("graded", False, Decimal("0.00"))
    (enrollment,) = (await lms.enrollments.my_enrollments(learner, ListMyEnrollments())).items
    assert enrollment.status is EnrollmentStatus.ACTIVE


async def test_seeding_twice_keeps_one_quiz_one_course_and_the_accounts(lms: Lms) -> None:
    await seed_demo(lms)
    await seed_demo(lms)
    teacher = await sign_in(lms, "instructor@demo.lms")
    courses = await lms.courses.list_courses(teacher, ListCourses(q=DEMO_COURSE))
    assert courses.total == 1
    (course,) = courses.items
    (quiz,) = await lms.quizzes.list_quizzes(teacher, course.id)
    questions = await lms.quizzes.list_managed_questions(teacher, quiz.id)
    assert [q.question_text for q in questions] == [q.question_text for q in DEMO_QUESTIONS]
    users = await lms.users.list_users(Actor.system(), ListUsers(page_size=100))
    assert sorted(u.email for u in users.items) == sorted(a.email for a in DEMO_ACCOUNTS)
