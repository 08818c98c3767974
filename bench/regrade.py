"""`python -m bench.regrade` (or `python -m bench --scenario regrade`): throughput of `lms grade regrade`.

A graded 10-question quiz (multiple choice with one or two right options and partial credit, true/false,
short answers) has 100,000 closed attempts, two per learner, each with its own shuffled question and
option order, seeded straight into the database (sqlite3 `executemany` / asyncpg `COPY`) in the storage
formats SQLAlchemy uses. Half the learners have done the course's two text lessons, so a new pass of the
quiz completes their enrolment. The answer key is then corrected through the quiz service (one
question's key was wrong, another gains an accepted spelling), and `QuizService.regrade` -- exactly what
`lms grade regrade` runs -- recomputes every attempt, writes the new keys, results and scores, audits the
changes and completes the lessons and enrolments of new passes.

Beside it, a floor measured in the same run on the same database: the same rows read and written back
in the same chunks and transactions with plain SQL through the driver (`exec_driver_sql`), with no
decoding and no grading. The floor runs before and after the regrade; the faster run counts. The
documents it writes back differ by a trailing space, because SQLite skips rewriting pages whose bytes
an UPDATE leaves unchanged: a floor writing back identical values measures reads and little else (it
is printed too, for information).

Goals: at least 10,000 attempts/s on SQLite; the regrade within 3x of the floor's time (each database).
The answers are checked: the regrade's counts (changed, fail -> pass, pass -> fail), the audit rows and
the completed enrolments must equal those computed independently from the seeded answers, or the
benchmark fails (exit 1). Missing a goal is printed, not failed. PostgreSQL runs in a fresh database
created on the server (`--postgres-url`) and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Hashable, Iterator, Sequence
from contextlib import asynccontextmanager, closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from lms_adapters.bootstrap import open_lms
from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.migrate import upgrade_database
from lms_adapters.settings import Settings
from lms_core import Actor
from lms_core.quizzes._batch_grading import CHUNK_SIZE
from lms_core.quizzes.commands import RegradeQuiz, UpdateQuestion
from lms_core.quizzes.grading import FrozenQuestion, QuestionResult, Score, grade_question, summarize
from lms_core.quizzes.views import RegradeReport

SQLITE_GOAL = 10_000  # attempts per second
FLOOR_GOAL = 3.0  # regrade time over floor time, at most
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
RESULTS = Path(__file__).resolve().parent / "results" / "regrade.json"
NO_PASSWORD = "!seeded-account-without-password"
BUSY_LOAD = 0.5  # load average per CPU above which the figures are flagged as unreliable


class HarnessError(Exception):
    """The benchmark could not run, or the regrade gave wrong answers."""


# -- the quiz --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    text: str
    options: list[str] | None
    key: list[str] | None  # the key the attempts were graded with
    truth: list[str]  # what a learner who knows answers
    wrong: list[str]  # what one who does not may answer
    partial: bool = False
    fixed_key: list[str] | None = None  # the corrected key (None: unchanged)
    variants: list[str] = field(default_factory=list)  # other spellings of the truth (short answers)


QUESTIONS = (
    QuestionSpec("multiple_choice", "Which planet of the solar system is known as the Red Planet?",
                 ["Mars", "Venus", "Jupiter", "Mercury"], ["Mars"], ["Mars"], ["Venus", "Jupiter", "Mercury"]),
    QuestionSpec("multiple_choice", "Which gas do plants take in from the air to build sugars?",
                 ["Carbon dioxide", "Oxygen", "Nitrogen", "Helium"], ["Carbon dioxide"], ["Carbon dioxide"],
                 ["Oxygen", "Nitrogen", "Helium"]),
    # The key was wrong: Sydney is the largest city, Canberra the capital. Fixed by the regrade.
    QuestionSpec("multiple_choice", "What is the capital city of Australia?",
                 ["Canberra", "Sydney", "Melbourne", "Perth"], ["Sydney"], ["Canberra"],
                 ["Sydney", "Melbourne", "Perth"], fixed_key=["Canberra"]),
    QuestionSpec("multiple_choice", "Which of these numbers is a prime number?",
                 ["17", "21", "27", "33"], ["17"], ["17"], ["21", "27", "33"]),
    QuestionSpec("multiple_choice", "Which data structure serves items in first-in, first-out order?",
                 ["Queue", "Stack", "Heap", "Tree"], ["Queue"], ["Queue"], ["Stack", "Heap", "Tree"]),
    QuestionSpec("multiple_choice", "Which of these languages are compiled ahead of time to machine code?",
                 ["Rust", "C", "Python", "JavaScript", "Ruby"], ["Rust", "C"], ["Rust", "C"],
                 ["Python", "JavaScript", "Ruby"], partial=True),
    QuestionSpec("true_false", "Water boils at a lower temperature at high altitude.", None, ["true"], ["true"],
                 ["false"]),
    QuestionSpec("true_false", "The Great Wall of China is visible from the Moon with the naked eye.", None,
                 ["false"], ["false"], ["true"]),
    # Learners also wrote "photo-synthesis", which the corrected key accepts.
    QuestionSpec("short_answer", "Name the process by which green plants turn light into chemical energy.", None,
                 ["photosynthesis"], ["photosynthesis"], ["respiration", "fermentation", "osmosis"],
                 fixed_key=["photosynthesis", "photo-synthesis"], variants=["Photosynthesis", "photo-synthesis"]),
    QuestionSpec("short_answer", "What is the chemical symbol of gold?", None, ["Au"], ["Au"], ["Ag", "Go", "Gd"],
                 variants=["au", " AU "]),
)  # fmt: skip
EXPLANATION = "See the lesson's summary; the answer follows from the definition given there."


@dataclass(frozen=True)
class Plan:
    attempts: int = 100_000
    per_learner: int = 2
    passing_score: int = 70
    points_centi: int = 1000
    random_seed: int = 20261125


@dataclass
class Seeded:
    quiz_id: uuid.UUID
    question_ids: list[uuid.UUID]
    attempts: int
    learners: int
    seconds: float
    expected: Expected


@dataclass
class Expected:
    """The regrade's answers, computed from the seeded answers with the pure grading functions."""

    changed: int = 0
    fail_to_pass: int = 0
    pass_to_fail: int = 0
    completed_enrollments: int = 0


class _Grader:
    """`grade_question` once per distinct (question, answer)."""

    def __init__(self, questions: list[FrozenQuestion]) -> None:
        self._questions = questions
        self._memo: dict[tuple[int, Hashable], QuestionResult] = {}

    def grade(self, index: int, answer: Any) -> QuestionResult:
        key = (index, tuple(answer) if isinstance(answer, list) else answer)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = grade_question(self._questions[index], answer)
        return found


def _frozen(
    question_id: uuid.UUID, spec: QuestionSpec, key: list[str] | None, options: list[str] | None
) -> FrozenQuestion:
    return FrozenQuestion(
        question_id=question_id,
        question_type=spec.kind,
        question_text=spec.text,
        options=options,
        correct_answers=key,
        partial_credit=spec.partial,
        points_centi=Plan.points_centi,
        explanation=EXPLANATION,
    )


def _answer(spec: QuestionSpec, knows: bool, rng: random.Random) -> Any:
    if spec.kind == "true_false":
        return (spec.truth if knows else spec.wrong)[0] == "true"
    if spec.kind == "multiple_choice" and len(spec.truth) > 1:
        # Partial knowledge: some right choices, perhaps a wrong one.
        chosen = [c for c in spec.truth if knows or rng.random() < 0.5]
        if not knows or rng.random() < 0.1:
            chosen.append(rng.choice(spec.wrong))
        return chosen
    if spec.kind == "short_answer" and knows:
        return rng.choice([*spec.truth, *spec.variants])
    return spec.truth[0] if knows else rng.choice(spec.wrong)


# -- seeding ---------------------------------------------------------------------------------------


class Rows:
    """Rows per table, as Python values (UUID, aware datetime, bool, JSON text)."""

    def __init__(self) -> None:
        self.tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}

    def add(self, table: str, values: dict[str, Any]) -> None:
        _, rows = self.tables.setdefault(table, (list(values), []))
        rows.append(tuple(values.values()))


def generate(plan: Plan) -> tuple[Rows, uuid.UUID, list[uuid.UUID], Expected]:
    rng = random.Random(plan.random_seed)
    now = datetime.now(UTC).replace(microsecond=0)
    long_ago = now - timedelta(days=30)
    rows = Rows()
    ids = _ids(rng)

    def user(role: str, email: str, name: str) -> uuid.UUID:
        user_id = next(ids)
        rows.add("users", {
            "id": user_id, "email": email, "password_hash": NO_PASSWORD, "full_name": name, "role": role,
            "is_active": True, "mfa_enabled": False, "profile_metadata": None, "created_at": long_ago,
            "updated_at": long_ago, "last_login_at": None, "email_verified_at": long_ago, "token_version": 0,
        })  # fmt: skip
        return user_id

    teacher = user("instructor", "teacher@bench.example.com", "Bench Teacher")
    course_id = next(ids)
    rows.add("courses", {
        "id": course_id, "title": "General Knowledge", "slug": "general-knowledge", "description": "A quiz course.",
        "instructor_id": teacher, "category": "science", "difficulty_level": "beginner", "status": "published",
        "thumbnail_url": None, "estimated_duration_minutes": 60, "course_metadata": None, "price_minor": 0,
        "currency": "USD", "lesson_count": 3, "enrollment_count": 0, "rating_count": 0, "rating_sum": 0,
        "rating_average_centi": 0, "published_at": long_ago, "created_at": long_ago, "updated_at": long_ago,
    })  # fmt: skip
    lesson_ids = [next(ids) for _ in range(3)]
    for number, (lesson_id, kind) in enumerate(zip(lesson_ids, ("text", "text", "quiz"), strict=True)):
        rows.add("lessons", {
            "id": lesson_id, "course_id": course_id, "title": f"Lesson {number + 1}", "slug": f"lesson-{number + 1}",
            "description": None, "content": "Read this." if kind == "text" else None, "lesson_type": kind,
            "order_index": number, "parent_lesson_id": None, "duration_minutes": 10, "video_url": None,
            "is_preview": False, "is_required": True, "lesson_metadata": None, "created_at": long_ago,
            "updated_at": long_ago,
        })  # fmt: skip
    quiz_id = next(ids)
    rows.add("quizzes", {
        "id": quiz_id, "lesson_id": lesson_ids[2], "course_id": course_id, "title": "Final quiz", "description": None,
        "quiz_type": "graded", "passing_score": plan.passing_score, "time_limit_minutes": None, "max_attempts": None,
        "shuffle_questions": True, "shuffle_options": True, "show_correct_answers": True, "is_published": True,
        "created_at": long_ago, "updated_at": long_ago,
    })  # fmt: skip
    question_ids = [next(ids) for _ in QUESTIONS]
    for number, (question_id, spec) in enumerate(zip(question_ids, QUESTIONS, strict=True)):
        rows.add("quiz_questions", {
            "id": question_id, "quiz_id": quiz_id, "question_type": spec.kind, "question_text": spec.text,
            "points_centi": plan.points_centi, "order_index": number, "explanation": EXPLANATION,
            "options": _json(spec.options), "correct_answers": _json(spec.key), "partial_credit": spec.partial,
            "question_metadata": None, "created_at": long_ago, "updated_at": long_ago,
        })  # fmt: skip

    old_key = [_frozen(qid, spec, spec.key, spec.options) for qid, spec in zip(question_ids, QUESTIONS, strict=True)]
    new_key = [
        _frozen(qid, spec, spec.fixed_key or spec.key, spec.options)
        for qid, spec in zip(question_ids, QUESTIONS, strict=True)
    ]
    old_grader, new_grader = _Grader(old_key), _Grader(new_key)
    expected = Expected()
    encode = msgspec.json.encode
    learners = plan.attempts // plan.per_learner
    for number in range(learners):
        student = user("student", f"learner-{number:06d}@bench.example.com", f"Learner {number:06d}")
        enrollment_id = next(ids)
        texts_done = number % 2 == 0
        skill = 0.35 + 0.6 * rng.random()
        old_passed = new_passed = False
        for attempt_number in range(1, plan.per_learner + 1):
            order = list(range(len(QUESTIONS)))
            rng.shuffle(order)
            frozen, answers, old_results, new_results = [], {}, [], []
            for index in order:
                spec = QUESTIONS[index]
                options = None
                if spec.options is not None:
                    options = list(spec.options)
                    rng.shuffle(options)
                question = _frozen(question_ids[index], spec, spec.key, options)
                frozen.append(question)
                if rng.random() < 0.03:
                    answer = None  # left unanswered
                else:
                    answer = _answer(spec, rng.random() < skill, rng)
                    answers[str(question.question_id)] = answer
                old_results.append(old_grader.grade(index, answer))
                new_results.append(new_grader.grade(index, answer))
            old = summarize(frozen, old_results, plan.passing_score)
            new = summarize(frozen, new_results, plan.passing_score)
            old_passed |= old.is_passed
            new_passed |= new.is_passed
            _tally(expected, old, new)
            started = now - timedelta(days=2, minutes=rng.randrange(10_000))
            submitted = started + timedelta(seconds=300 + rng.randrange(1200))
            rows.add("quiz_attempts", {
                "id": next(ids), "quiz_id": quiz_id, "enrollment_id": enrollment_id, "student_id": student,
                "attempt_number": attempt_number, "status": "graded", "started_at": started, "deadline_at": None,
                "submitted_at": submitted, "graded_at": submitted, "attempts_allowed": None,
                "passing_score": plan.passing_score, "score_centi": old.score_centi,
                "max_score_centi": old.max_score_centi, "percentage_bp": old.percentage_bp, "is_passed": old.is_passed,
                "time_taken_seconds": int((submitted - started).total_seconds()), "questions": encode(frozen).decode(),
                "answers": encode(answers).decode(), "results": encode(old_results).decode(),
            })  # fmt: skip
        done = [lesson_ids[0], lesson_ids[1]] if texts_done else []
        if old_passed:
            done.append(lesson_ids[2])
        completed = len(done) == 3
        expected.completed_enrollments += texts_done and (old_passed or new_passed)
        rows.add("enrollments", {
            "id": enrollment_id, "student_id": student, "course_id": course_id,
            "status": "completed" if completed else "active", "enrolled_at": long_ago, "started_at": long_ago,
            "completed_at": now - timedelta(days=1) if completed else None, "dropped_at": None,
            "progress_bp": len(done) * 10_000 // 3, "completed_lessons_count": len(done), "total_lessons_count": 3,
            "total_time_spent_seconds": 600 * len(done), "last_accessed_at": long_ago, "certificate_issued_at": None,
            "rating": None, "review": None, "reviewed_at": None,
        })  # fmt: skip
        for lesson_id in done:
            rows.add("lesson_progress", {
                "id": next(ids), "enrollment_id": enrollment_id, "lesson_id": lesson_id, "status": "completed",
                "started_at": long_ago, "completed_at": long_ago, "time_spent_seconds": 600,
                "last_position_seconds": 0, "completion_bp": 10_000, "attempts_count": 0, "progress_metadata": None,
            })  # fmt: skip
    return rows, quiz_id, question_ids, expected


def _tally(expected: Expected, old: Score, new: Score) -> None:
    if (old.score_centi, old.percentage_bp, old.is_passed) != (new.score_centi, new.percentage_bp, new.is_passed):
        expected.changed += 1
    if new.is_passed and not old.is_passed:
        expected.fail_to_pass += 1
    elif old.is_passed and not new.is_passed:
        expected.pass_to_fail += 1


def _json(value: Any) -> str | None:
    return None if value is None else msgspec.json.encode(value).decode()


def _ids(rng: random.Random) -> Iterator[uuid.UUID]:
    """UUIDv7-shaped ids in creation order, as the engine makes them."""
    ms = int(time.time() * 1000) - 40 * 86_400_000
    while True:
        ms += 1
        bits = rng.getrandbits(74)
        yield uuid.UUID(int=(ms << 80) | (0x7 << 76) | ((bits >> 62) << 64) | (0b10 << 62) | (bits & ((1 << 62) - 1)))


def _sqlite_value(value: Any) -> Any:
    """SQLAlchemy's storage formats on SQLite: 32 hex digits, naive UTC text, 0/1."""
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, bool):
        return int(value)
    return value


async def insert_rows(url: str, rows: Rows) -> None:
    order = ("users", "courses", "lessons", "quizzes", "quiz_questions", "enrollments", "lesson_progress",
             "quiz_attempts")  # fmt: skip
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with closing(sqlite3.connect(parsed.database or "")) as db:
            for table in order:
                columns, values = rows.tables[table]
                marks = ", ".join("?" for _ in columns)
                db.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    ([_sqlite_value(v) for v in row] for row in values),
                )
            db.commit()
        return
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        async with connection.transaction():
            for table in order:
                columns, values = rows.tables[table]
                await connection.copy_records_to_table(table, records=values, columns=columns)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


# -- the floor -------------------------------------------------------------------------------------

_FLOOR_SQL = {
    "sqlite": (
        "SELECT id, quiz_id, enrollment_id, status, passing_score, questions, answers, results, score_centi, "
        "max_score_centi, percentage_bp, is_passed FROM quiz_attempts WHERE quiz_id = ? AND id > ? ORDER BY id "
        "LIMIT ?",
        "UPDATE quiz_attempts SET questions = ?, results = ?, score_centi = ?, max_score_centi = ?, "
        "percentage_bp = ?, is_passed = ?, status = ?, graded_at = ? WHERE id = ? AND status != 'in_progress'",
    ),
    "postgresql": (
        "SELECT id, quiz_id, enrollment_id, status, passing_score, questions::text, answers::text, results::text, "
        "score_centi, max_score_centi, percentage_bp, is_passed FROM quiz_attempts WHERE quiz_id = $1 AND id > $2 "
        "ORDER BY id LIMIT $3 FOR UPDATE",
        "UPDATE quiz_attempts SET questions = $1::jsonb, results = $2::jsonb, score_centi = $3, "
        "max_score_centi = $4, percentage_bp = $5, is_passed = $6, status = $7, graded_at = $8 "
        "WHERE id = $9 AND status != 'in_progress'",
    ),
}


async def floor_pass(engine: AsyncEngine, quiz_id: uuid.UUID, *, same_bytes: bool = False) -> tuple[int, float]:
    """Read every attempt of the quiz in chunks and write them back: plain SQL, no grading.

    The documents written back differ from those read by a trailing space (still the same JSON), as a
    regrade's do: SQLite compares an overwritten record with the old one and skips rewriting pages whose
    bytes are unchanged, so writing back identical values (`same_bytes`) would measure reads and little
    else.
    """
    touch = "" if same_bytes else " "
    select_sql, update_sql = _FLOOR_SQL[engine.dialect.name]
    sqlite = engine.dialect.name == "sqlite"
    quiz: Any = quiz_id.hex if sqlite else quiz_id
    after: Any = "" if sqlite else uuid.UUID(int=0)
    graded_at: Any = _sqlite_value(datetime.now(UTC)) if sqlite else datetime.now(UTC)
    count = 0
    started = time.perf_counter()
    while True:
        async with engine.connect() as connection:
            await connection.begin()
            rows: list[Any] = list(await connection.exec_driver_sql(select_sql, (quiz, after, CHUNK_SIZE)))
            if not rows:
                break
            await connection.exec_driver_sql(
                update_sql,
                [(r[5] + touch, None if r[7] is None else r[7] + touch, *r[8:12], r[3], graded_at, r[0]) for r in rows],
            )
            await connection.commit()
        count += len(rows)
        after = rows[-1][0]
    return count, time.perf_counter() - started


# -- the run ---------------------------------------------------------------------------------------


@dataclass
class DatabaseResult:
    database: str
    attempts: int
    seed_seconds: float
    floor_seconds: list[float]
    floor_same_bytes_seconds: float
    dry_run_seconds: float
    regrade_seconds: float
    report: dict[str, Any]
    expected: dict[str, Any]
    load_average: list[float]

    @property
    def floor(self) -> float:
        return min(self.floor_seconds)

    @property
    def rate(self) -> float:
        return self.attempts / self.regrade_seconds

    @property
    def ratio(self) -> float:
        return self.regrade_seconds / self.floor


@asynccontextmanager
async def database(kind: str, work_dir: Path, postgres_url: str) -> AsyncIterator[str]:
    """A migrated empty database, dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{work_dir / 'regrade.db'}"
        await upgrade_database(url)
        yield url
        return
    server = make_url(postgres_url)
    name = f"lms_bench_regrade_{secrets.token_hex(4)}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        await admin.dispose()
        raise HarnessError(f"cannot create a database on {server.render_as_string()}: {exc}") from exc
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        await upgrade_database(url)
        yield url
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def run_database(kind: str, plan: Plan, work_dir: Path, postgres_url: str) -> DatabaseResult:
    print(f"\n{kind}: generating {plan.attempts:,} attempts ...", end="", flush=True)
    started = time.perf_counter()
    rows, quiz_id, question_ids, expected = generate(plan)
    print(f" {time.perf_counter() - started:.1f} s")
    async with database(kind, work_dir, postgres_url) as url:
        print(f"{kind}: seeding ...", end="", flush=True)
        started = time.perf_counter()
        await insert_rows(url, rows)
        seed_seconds = time.perf_counter() - started
        del rows
        print(f" {seed_seconds:.1f} s")
        settings = Settings(
            database_url=url, secret_key=secrets.token_urlsafe(48), password_hashing="fast", outbox_worker=False
        )
        engine = create_engine(url)
        try:
            same = await _timed_floor(kind, engine, quiz_id, plan, "floor, bytes unchanged (for information)", True)
            floors = [await _timed_floor(kind, engine, quiz_id, plan, "floor (plain SQL)")]
            async with open_lms(settings) as lms:
                system = Actor.system()
                for index, spec in enumerate(QUESTIONS):
                    if spec.fixed_key is not None:
                        change = UpdateQuestion(correct_answers=spec.fixed_key)
                        await lms.quizzes.update_question(system, quiz_id, question_ids[index], change)
                dry, dry_seconds = await _timed_regrade(kind, lms.quizzes.regrade, quiz_id, plan, dry_run=True)
                report, seconds = await _timed_regrade(kind, lms.quizzes.regrade, quiz_id, plan, dry_run=False)
            floors.append(await _timed_floor(kind, engine, quiz_id, plan, "floor again"))
            await _check(engine, quiz_id, plan, expected, dry, report)
        finally:
            await engine.dispose()
    return DatabaseResult(
        database=kind,
        attempts=plan.attempts,
        seed_seconds=round(seed_seconds, 3),
        floor_seconds=[round(f, 3) for f in floors],
        floor_same_bytes_seconds=round(same, 3),
        dry_run_seconds=round(dry_seconds, 3),
        regrade_seconds=round(seconds, 3),
        report=_summary(report),
        expected=asdict(expected),
        load_average=[round(v, 2) for v in os.getloadavg()],
    )


async def _timed_floor(
    kind: str, engine: AsyncEngine, quiz_id: uuid.UUID, plan: Plan, label: str, same_bytes: bool = False
) -> float:
    print(f"{kind}: {label} ...", end="", flush=True)
    count, seconds = await floor_pass(engine, quiz_id, same_bytes=same_bytes)
    if count != plan.attempts:
        raise HarnessError(f"the floor read {count} attempts, expected {plan.attempts}")
    print(f" {seconds:.2f} s ({count / seconds:,.0f} attempts/s)")
    return seconds


async def _timed_regrade(kind: str, regrade: Any, quiz_id: uuid.UUID, plan: Plan, *, dry_run: bool) -> Any:
    print(f"{kind}: regrade{' --dry-run' if dry_run else ''} ...", end="", flush=True)
    started = time.perf_counter()
    report: RegradeReport = await regrade(Actor.system(), RegradeQuiz(quiz_id=quiz_id, dry_run=dry_run))
    seconds = time.perf_counter() - started
    print(f" {seconds:.2f} s ({plan.attempts / seconds:,.0f} attempts/s; {report.attempts_changed:,} changed)")
    return report, seconds


async def _check(
    engine: AsyncEngine, quiz_id: uuid.UUID, plan: Plan, expected: Expected, dry: RegradeReport, report: RegradeReport
) -> None:
    """The regrade's answers against those computed from the seeded answers."""
    got = (report.attempts_regraded, report.attempts_changed, report.fail_to_pass, report.pass_to_fail)
    want = (plan.attempts, expected.changed, expected.fail_to_pass, expected.pass_to_fail)
    problems = []
    if got != want:
        problems.append(f"regraded/changed/fail->pass/pass->fail: got {got}, expected {want}")
    if (dry.attempts_changed, dry.fail_to_pass, dry.pass_to_fail) != got[1:]:
        problems.append("the dry run's counts differ from the run's")
    if len(report.passed_now) != expected.fail_to_pass or len(report.failed_now) != expected.pass_to_fail:
        problems.append("the lists of who changed do not match the counts")
    sqlite = engine.dialect.name == "sqlite"
    quiz: Any = quiz_id.hex if sqlite else quiz_id
    mark = "?" if sqlite else "$1"
    async with engine.connect() as connection:
        audits = (await connection.exec_driver_sql(
            f"SELECT count(*) FROM grade_audit WHERE quiz_id = {mark} AND reason = 'regrade'", (quiz,)
        )).scalar_one()  # fmt: skip
        completed = (
            await connection.exec_driver_sql("SELECT count(*) FROM enrollments WHERE status = 'completed'")
        ).scalar_one()
    if audits != expected.changed:
        problems.append(f"{audits} audit rows, expected {expected.changed}")
    if completed != expected.completed_enrollments:
        problems.append(f"{completed} completed enrolments, expected {expected.completed_enrollments}")
    if problems:
        raise HarnessError("the regrade gave wrong answers:\n  " + "\n  ".join(problems))


def _summary(report: RegradeReport) -> dict[str, Any]:
    return {
        "attempts_regraded": report.attempts_regraded,
        "attempts_changed": report.attempts_changed,
        "fail_to_pass": report.fail_to_pass,
        "pass_to_fail": report.pass_to_fail,
        "kept_questions": len(report.kept_questions),
    }


def met(flag: bool) -> str:
    return "met" if flag else "NOT met"


def print_results(results: Sequence[DatabaseResult]) -> dict[str, bool]:
    goals: dict[str, bool] = {}
    print()
    header = (
        f"{'database':<10} {'attempts':>9} {'regrade s':>10} {'attempts/s':>11} {'floor s':>8} {'floor/s':>9} "
        f"{'x floor':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.database:<10} {r.attempts:>9,} {r.regrade_seconds:>10.2f} {r.rate:>11,.0f} {r.floor:>8.2f} "
            f"{r.attempts / r.floor:>9,.0f} {r.ratio:>8.2f}"
        )
    print("-" * len(header))
    for r in results:
        changed = r.report
        print(
            f"{r.database}: {changed['attempts_changed']:,} attempts changed ({changed['fail_to_pass']:,} fail -> "
            f"pass, {changed['pass_to_fail']:,} pass -> fail); dry run {r.dry_run_seconds:.2f} s; seeded in "
            f"{r.seed_seconds:.1f} s; floor writing back unchanged bytes {r.floor_same_bytes_seconds:.2f} s"
        )
        if r.database == "sqlite":
            goals["sqlite_rate"] = r.rate >= SQLITE_GOAL
            print(
                f"{r.database}: {r.rate:,.0f} attempts/s; goal >= {SQLITE_GOAL:,} attempts/s: "
                f"{met(goals['sqlite_rate'])}"
            )
        goals[f"{r.database}_floor"] = r.ratio <= FLOOR_GOAL
        print(
            f"{r.database}: regrade {r.ratio:.2f}x the floor's time; goal <= {FLOOR_GOAL:g}x: "
            f"{met(goals[f'{r.database}_floor'])}"
        )
        busy = max(r.load_average) / (os.cpu_count() or 1)
        if busy > BUSY_LOAD:
            print(f"{r.database}: warning: load average {r.load_average} on {os.cpu_count()} CPUs; figures are noisy")
    return goals


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.regrade", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--attempts", type=int, default=Plan.attempts, help="closed attempts to seed")
    parser.add_argument(
        "--databases", default="sqlite,postgres", help="comma-separated: sqlite, postgres (default: both)"
    )
    parser.add_argument("--postgres-url", default=os.environ.get("LMS_BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write JSON")
    args = parser.parse_args(argv)
    args.database_list = [name.strip() for name in args.databases.split(",") if name.strip()]
    if not args.database_list or set(args.database_list) - {"sqlite", "postgres"}:
        parser.error("--databases takes sqlite and/or postgres")
    if args.attempts < 2:
        parser.error("--attempts must be at least 2")
    return args


async def run(args: argparse.Namespace) -> list[DatabaseResult]:
    plan = Plan(attempts=args.attempts - args.attempts % Plan.per_learner)
    results = []
    with tempfile.TemporaryDirectory(prefix="lms-bench-regrade-") as tmp:
        for kind in args.database_list:
            results.append(await run_database(kind, plan, Path(tmp), args.postgres_url))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"regrade benchmark: {os.cpu_count()} CPUs, Python {platform.python_version()}, chunks of {CHUNK_SIZE}")
    try:
        results = asyncio.run(run(args))
    except HarnessError as exc:
        print(f"\nbench failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    goals = print_results(results)
    output = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "chunk_size": CHUNK_SIZE,
        "goals": {"sqlite_attempts_per_second": SQLITE_GOAL, "max_floor_ratio": FLOOR_GOAL, "met": goals},
        "databases": [
            {
                **asdict(r),
                "floor_best_seconds": r.floor,
                "attempts_per_second": round(r.rate),
                "ratio": round(r.ratio, 3),
            }
            for r in results
        ],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(output, indent=2) + "\n")
    print(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
