"""A Python client generated from the served OpenAPI document (openapi-python-client) walks the whole learning
journey against a real `lms serve` process, and every operation keeps a typed response in it."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from tests.conftest import TEST_SECRET
from tests.e2e.servers import free_port, start, stop, wait_healthy

pytestmark = pytest.mark.slow

PACKAGE = "lms_generated_client"
PASSWORD = "a long generated-client passphrase"
# openapi-python-client reads JSON, `text/*` and `application/octet-stream` bodies only; the certificate's
# `application/pdf` is bytes like any other binary body.
GENERATOR_CONFIG = "content_type_overrides:\n  application/pdf: application/octet-stream\n"


@dataclass(frozen=True)
class Generated:
    package: ModuleType
    root: Path
    document: dict[str, Any]
    generator_output: str

    def operation(self, tag: str, operation_id: str) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.api.{snake(tag)}.{snake(operation_id)}")

    def model(self, name: str) -> Any:
        return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).replace(" ", "_").lower()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("generated-client")
    port = free_port()
    env = {
        "LMS_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'client.db'}",
        "LMS_SECRET_KEY": TEST_SECRET,
        "LMS_PASSWORD_HASHING": "fast",
        "LMS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "LMS_MAIL_DIR": str(workdir / "mail"),
    }
    migrate = start(["db", "upgrade"], env, workdir)
    output, _ = migrate.communicate(timeout=60)
    assert migrate.returncode == 0, output
    server = start(["serve", "--port", str(port)], env, workdir)
    try:
        wait_healthy(server, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        code, output = stop(server)
    assert code == 0, output
    assert "Traceback" not in output, output


@pytest.fixture(scope="module")
def generated(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    root = tmp_path_factory.mktemp("client-package")
    document = httpx.get(f"{base_url}/schema/openapi.json", timeout=10).json()
    spec = root / "openapi.json"
    spec.write_text(json.dumps(document))
    config = root / "config.yaml"
    config.write_text(GENERATOR_CONFIG)
    scripts = Path(sys.executable).parent
    # The generator formats its output with ruff, found on PATH next to the interpreter.
    env = {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(scripts / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(root / PACKAGE),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    sys.path.insert(0, str(root))
    try:
        yield Generated(importlib.import_module(PACKAGE), root / PACKAGE, document, output)
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_the_generator_drops_nothing(generated: Generated) -> None:
    assert "WARNING" not in generated.generator_output, generated.generator_output
    assert "omitted" not in generated.generator_output, generated.generator_output


def test_every_operation_has_a_typed_response_for_each_documented_status(generated: Generated) -> None:
    untyped = []
    count = 0
    for path, item in generated.document["paths"].items():
        for method, operation in item.items():
            module = generated.operation(operation["tags"][0], operation["operationId"])
            source = Path(module.__file__ or "").read_text()
            count += 1
            for status, response in operation["responses"].items():
                branch = f"if response.status_code == {status}:"
                if branch not in source:
                    untyped.append((method, path, status, "no branch"))
                    continue
                if response.get("content"):
                    parsed = source.split(branch, 1)[1].split("return", 1)[0]
                    # A body the generator understood is decoded (`from_dict`, `File(...)`, a cast), never `None`.
                    if f"response_{status} = None" in parsed or f"response_{status} = cast(Any" in parsed:
                        untyped.append((method, path, status, parsed.strip()))
    assert count > 60
    assert not untyped, untyped


def test_the_learning_journey_through_the_generated_client(generated: Generated, base_url: str) -> None:
    api = generated.package
    model = generated.model
    op = generated.operation
    anonymous = api.Client(base_url=base_url, raise_on_unexpected_status=True, timeout=httpx.Timeout(30))

    def signed_in(token: str) -> Any:
        return api.AuthenticatedClient(
            base_url=base_url, token=token, raise_on_unexpected_status=True, timeout=httpx.Timeout(30)
        )

    # An instructor registers and is signed in at once.
    registered = op("auth", "register").sync(
        client=anonymous,
        body=model("Register")(
            email="teacher@example.com", password=PASSWORD, full_name="Grace Teacher", role=model("Role").INSTRUCTOR
        ),
    )
    assert isinstance(registered, model("AuthResponse")), registered
    assert (registered.user.email, registered.user.role) == ("teacher@example.com", model("Role").INSTRUCTOR)
    teacher = signed_in(registered.access_token)

    course = op("courses", "createCourse").sync(
        client=teacher,
        body=model("CreateCourse")(title="Numbers from Scratch", description="Counting and adding.", price="0"),
    )
    assert isinstance(course, model("CourseView")), course
    assert (course.title, course.status, course.price) == ("Numbers from Scratch", model("CourseStatus").DRAFT, "0.00")

    reading = op("courses", "createLesson").sync(
        client=teacher,
        course_id=course.id,
        body=model("CreateLesson")(title="Counting", lesson_type=model("LessonType").TEXT, content="One, two, three."),
    )
    quiz_lesson = op("courses", "createLesson").sync(
        client=teacher,
        course_id=course.id,
        body=model("CreateLesson")(title="Check yourself", lesson_type=model("LessonType").QUIZ),
    )
    assert [reading.order_index, quiz_lesson.order_index] == [0, 1]
    outline = op("courses", "listLessons").sync(client=teacher, course_id=course.id)
    assert [lesson.title for lesson in outline] == ["Counting", "Check yourself"]

    quiz = op("quizzes", "createQuiz").sync(
        client=teacher,
        course_id=course.id,
        body=model("CreateQuiz")(lesson_id=quiz_lesson.id, title="Adding", passing_score=50),
    )
    assert isinstance(quiz, model("QuizView")), quiz
    assert (quiz.title, quiz.is_published) == ("Adding", False)
    question = op("quizzes", "addQuestion").sync(
        client=teacher,
        quiz_id=quiz.id,
        body=model("AddQuestion")(
            question_type=model("QuestionType").MULTIPLE_CHOICE,
            question_text="What is two plus two?",
            options=["3", "4", "5"],
            correct_answers=["4"],
        ),
    )
    assert isinstance(question, model("ManagedQuestionView")), question
    assert question.correct_answers == ["4"]
    published_quiz = op("quizzes", "publishQuiz").sync(client=teacher, course_id=course.id, quiz_id=quiz.id)
    assert published_quiz.is_published is True
    published = op("courses", "publishCourse").sync(client=teacher, course_id=course.id)
    assert published.status == model("CourseStatus").PUBLISHED

    # A student registers, signs in with the password and enrols.
    student_account = op("auth", "register").sync(
        client=anonymous,
        body=model("Register")(email="student@example.com", password=PASSWORD, full_name="Ada Student"),
    )
    assert student_account.user.role == model("Role").STUDENT
    login = op("auth", "login").sync(
        client=anonymous, body=model("Login")(email="student@example.com", password=PASSWORD)
    )
    assert isinstance(login, model("LoginResponse")), login
    assert login.mfa_required is False
    student = signed_in(login.access_token)
    enrollment = op("enrollments", "enroll").sync(client=student, body=model("EnrollInCourse")(course_id=course.id))
    assert isinstance(enrollment, model("EnrollmentView")), enrollment
    assert (enrollment.course_id, enrollment.status) == (course.id, model("EnrollmentStatus").ACTIVE)

    progress = op("enrollments", "updateProgress").sync(
        client=student,
        enrollment_id=enrollment.id,
        lesson_id=reading.id,
        body=model("UpdateProgress")(time_spent_seconds=90, completion_percentage="100"),
    )
    assert isinstance(progress, model("LessonProgressResult")), progress
    assert progress.lesson_progress.status == model("ProgressStatus").COMPLETED
    assert progress.lesson_progress.lesson_id == reading.id

    # The quiz: start an attempt, answer, submit, pass.
    attempt = op("quiz attempts", "startAttempt").sync(client=student, quiz_id=quiz.id)
    assert isinstance(attempt, model("AttemptTakingView")), attempt
    assert [q.question_text for q in attempt.questions] == ["What is two plus two?"]
    assert sorted(attempt.questions[0].options) == ["3", "4", "5"]
    result = op("quiz attempts", "submitAttempt").sync(
        client=student,
        quiz_id=quiz.id,
        attempt_id=attempt.id,
        body=model("AnswerSheet")(
            answers=[model("AnswerItem")(question_id=attempt.questions[0].question_id, answer=["4"])]
        ),
    )
    assert isinstance(result, model("AttemptResultView")), result
    assert (result.status, result.is_passed, result.percentage) == (model("AttemptStatus").GRADED, True, "100.00")

    # Both lessons done: the enrolment is complete.
    detail = op("enrollments", "getEnrollment").sync(client=student, enrollment_id=enrollment.id)
    assert isinstance(detail, model("EnrollmentDetailView")), detail
    assert detail.status == model("EnrollmentStatus").COMPLETED
    assert (detail.completed_lessons_count, detail.total_lessons_count) == (2, 2)

    # The certificate: issued (or already issued on completion), listed, downloaded and verified.
    certificate = op("certificates", "generateCertificate").sync(client=teacher, enrollment_id=enrollment.id)
    assert isinstance(certificate, model("CertificateView")), certificate
    mine = op("certificates", "myCertificates").sync(client=student)
    assert isinstance(mine, model("CertificatePage")), mine
    assert [item.id for item in mine.items] == [certificate.id]
    assert (certificate.student_name, certificate.course_title) == ("Ada Student", "Numbers from Scratch")
    assert mine.total == 1
    pdf = op("certificates", "downloadCertificate").sync(client=student, certificate_id=certificate.id)
    assert isinstance(pdf, api.types.File), pdf
    content = pdf.payload.read()
    assert content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    assert "Ada Student" in text
    assert "Numbers from Scratch" in text
    verification = op("certificates", "verify").sync(
        client=anonymous, certificate_number=certificate.certificate_number
    )
    assert isinstance(verification, model("CertificateVerification")), verification
    assert (verification.valid, verification.is_revoked) == (True, False)
    assert (verification.student_name, verification.course_title) == ("Ada Student", "Numbers from Scratch")


def test_a_refusal_comes_back_as_a_typed_problem(generated: Generated, base_url: str) -> None:
    anonymous = generated.package.Client(base_url=base_url, raise_on_unexpected_status=True)
    refused = generated.operation("auth", "login").sync(
        client=anonymous, body=generated.model("Login")(email="nobody@example.com", password=PASSWORD)
    )
    assert isinstance(refused, generated.model("Problem")), refused
    assert (refused.status, refused.code) == (401, "auth.invalid_credentials")
