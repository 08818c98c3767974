"""A catalogue-sized data set written straight into the SQLite file with the standard `sqlite3` module.

Going through the API would take minutes (argon2 for every account, one transaction per row); one
`executemany` per table in a single transaction takes seconds. The rows follow the tables of
`lms_adapters.persistence.tables_identity` / `tables_learning` (migrations 0001 and 0002) and the storage
formats SQLAlchemy uses on SQLite, which `check_storage_formats` verifies first against a row the app
wrote itself (the benchmark user, registered through the API).

The figures the catalogue shows are kept consistent with the rows: a course's `lesson_count` is the
number of its lessons, its `enrollment_count` and rating columns are computed from its enrolments,
and an enrolment's progress is its completed lessons over the course's lessons.
"""

from __future__ import annotations

import random
import re
import sqlite3
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.servers import HarnessError

CATEGORIES = (
    "programming",
    "data-science",
    "design",
    "business",
    "marketing",
    "languages",
    "music",
    "photography",
    "health",
    "mathematics",
)
TOPICS = {
    "programming": ("Python", "Rust", "TypeScript", "Go", "SQL", "Algorithms"),
    "data-science": ("Statistics", "Pandas", "Machine Learning", "Data Visualisation", "Time Series"),
    "design": ("Typography", "UX Research", "Figma", "Colour Theory", "Interaction Design"),
    "business": ("Accounting", "Negotiation", "Project Management", "Startups", "Leadership"),
    "marketing": ("SEO", "Copywriting", "Social Media", "Email Campaigns", "Brand Strategy"),
    "languages": ("Arabic", "French", "German", "Spanish", "Japanese"),
    "music": ("Guitar", "Piano", "Music Theory", "Mixing", "Songwriting"),
    "photography": ("Portraits", "Lighting", "Lightroom", "Street Photography", "Composition"),
    "health": ("Nutrition", "Yoga", "First Aid", "Sleep", "Strength Training"),
    "mathematics": ("Calculus", "Linear Algebra", "Probability", "Number Theory", "Geometry"),
}
LEVELS = ("beginner", "intermediate", "advanced")
LEVEL_WORDS = {"beginner": "Introduction to", "intermediate": "Practical", "advanced": "Mastering"}
LESSON_TYPES = ("text", "video", "text", "quiz", "assignment")
FIRST_NAMES = ("Amira", "Omar", "Layla", "Youssef", "Salma", "Karim", "Nour", "Hana", "Tarek", "Mona")
LAST_NAMES = ("Hassan", "Farouk", "Mansour", "Saleh", "Nasser", "Khalil", "Aziz", "Fahmy", "Ibrahim", "Said")
PRICES_MINOR = (19_900, 29_900, 49_900, 79_900, 99_900, 149_900)

# A placeholder for accounts that never sign in: not an argon2 hash, so no password can match it.
NO_PASSWORD = "!seeded-account-without-password"

UUID_HEX = re.compile(r"[0-9a-f]{32}")
SQLITE_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}")
_EPOCH = datetime(1970, 1, 1)  # naive UTC, as SQLAlchemy stores `UtcDateTime` on SQLite


@dataclass(frozen=True)
class SeedPlan:
    instructors: int = 50
    students: int = 20_000
    courses: int = 10_000
    enrollments: int = 100_000
    lessons_per_course: int = 5
    random_seed: int = 20261125


@dataclass
class SeedSummary:
    users: int
    courses: int
    lessons: int
    enrollments: int
    seconds: float
    courses_by_category: dict[str, int] = field(default_factory=dict)


# -- storage formats -------------------------------------------------------------------------------


def check_storage_formats(db_path: Path, email: str) -> None:
    """Fail unless the user row the app wrote for `email` has the formats this module writes.

    SQLAlchemy's `Uuid` on SQLite is 32 lower-case hex digits without dashes; `DateTime` is the text
    'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC through `UtcDateTime`); booleans are the integers 0/1.
    Rows written in another format would be invisible to equality filters and joins, so a mismatch
    stops the benchmark rather than measuring the wrong thing.
    """
    with closing(sqlite3.connect(db_path)) as db:
        row = db.execute(
            "SELECT id, typeof(id), created_at, updated_at, is_active, typeof(is_active), token_version "
            "FROM users WHERE email = ?",
            (email,),
        ).fetchone()
    if row is None:
        raise HarnessError(f"no user {email!r} in {db_path}: cannot check the storage formats")
    user_id, id_type, created_at, updated_at, is_active, active_type, token_version = row
    problems = []
    if id_type != "text" or not UUID_HEX.fullmatch(str(user_id)):
        problems.append(f"users.id is {user_id!r} ({id_type}), expected 32 lower-case hex digits as text")
    for name, value in (("created_at", created_at), ("updated_at", updated_at)):
        if not isinstance(value, str) or not SQLITE_DATETIME.fullmatch(value):
            problems.append(f"users.{name} is {value!r}, expected 'YYYY-MM-DD HH:MM:SS.ffffff'")
    if active_type != "integer" or is_active != 1 or token_version != 0:
        problems.append(f"users.is_active={is_active!r} ({active_type}), token_version={token_version!r}")
    if problems:
        raise HarnessError("the app stores rows differently from the seeder:\n  " + "\n  ".join(problems))


# -- generation ------------------------------------------------------------------------------------


class _Ids:
    """UUIDv7-shaped ids (millisecond time, version 7, RFC 4122 variant), as hex: cheap and ordered."""

    def __init__(self, rng: random.Random, start_ms: int) -> None:
        self._rng = rng
        self._ms = start_ms

    def next(self) -> str:
        self._ms += 1
        bits = self._rng.getrandbits(74)
        value = (self._ms << 80) | (0x7 << 76) | ((bits >> 62) << 64) | (0b10 << 62) | (bits & ((1 << 62) - 1))
        return f"{value:032x}"


def _at(microseconds: int) -> str:
    return (_EPOCH + timedelta(microseconds=microseconds)).isoformat(" ", "microseconds")


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def seed_catalogue(db_path: Path, plan: SeedPlan | None = None) -> SeedSummary:
    """Insert users, published courses with lessons, and enrolments in one transaction."""
    plan = plan or SeedPlan()
    if plan.enrollments > plan.students * plan.courses:
        raise HarnessError("more enrolments than (student, course) pairs")
    started = time.perf_counter()
    rng = random.Random(plan.random_seed)
    now_us = int((datetime.now(UTC).replace(tzinfo=None) - _EPOCH) / timedelta(microseconds=1))
    day_us = 86_400 * 1_000_000
    history_us = 730 * day_us  # courses created over the last two years
    ids = _Ids(rng, (now_us - history_us) // 1000)
    rnd = rng.random

    def below(limit: int) -> int:
        return int(rnd() * limit)  # faster than randrange, and uniform enough for test data

    # Users: instructors, then students.
    users: list[tuple[object, ...]] = []
    instructor_ids: list[str] = []
    student_ids: list[str] = []
    accounts = (("instructor", plan.instructors, instructor_ids), ("student", plan.students, student_ids))
    for role, count, ids_out in accounts:
        for number in range(count):
            user_id = ids.next()
            ids_out.append(user_id)
            # Accounts predate the catalogue, so nobody enrols before their account exists.
            created = _at(now_us - history_us - day_us - below(365 * day_us))
            users.append(
                (user_id, f"{role}-{number:05d}@seed.bench.example.com", NO_PASSWORD, _name(rng), role,
                 1, 0, None, created, created, None, created, 0)
            )  # fmt: skip

    # Courses and their lessons.
    courses: list[list[object]] = []
    lessons: list[tuple[object, ...]] = []
    course_ids: list[str] = []
    course_published_us: list[int] = []
    by_category: Counter[str] = Counter()
    step_us = history_us // plan.courses
    for number in range(plan.courses):
        course_id = ids.next()
        category = CATEGORIES[number % len(CATEGORIES)]
        level = LEVELS[below(len(LEVELS))]
        topic = rng.choice(TOPICS[category])
        title = f"{LEVEL_WORDS[level]} {topic} {number + 1:05d}"
        created_us = now_us - history_us + number * step_us + below(step_us)
        published_us = min(now_us - 1, created_us + below(7 * day_us))
        created, published = _at(created_us), _at(published_us)
        article = "An" if level[0] in "aeiou" else "A"
        price = 0 if rnd() < 0.5 else rng.choice(PRICES_MINOR)
        lesson_minutes = [5 + below(40) for _ in range(plan.lessons_per_course)]
        courses.append(
            [course_id, title, f"{title.lower().replace(' ', '-')}", f"{article} {level} course on {topic} in "
             f"{category.replace('-', ' ')}: {plan.lessons_per_course} lessons with exercises and a final quiz.",
             rng.choice(instructor_ids), category, level, "published",
             f"https://cdn.example.com/thumbs/{course_id}.jpg", sum(lesson_minutes), None, price, "EGP",
             plan.lessons_per_course, 0, 0, 0, 0, published, created, published]
        )  # fmt: skip
        for index, minutes in enumerate(lesson_minutes):
            kind = LESSON_TYPES[index % len(LESSON_TYPES)]
            lessons.append(
                (ids.next(), course_id, f"{topic}: part {index + 1}", f"part-{index + 1}", None,
                 f"Notes for part {index + 1} of {title}." if kind != "video" else None, kind, index, None,
                 minutes, f"https://video.example.com/{course_id}/{index}" if kind == "video" else None,
                 1 if index == 0 else 0, 1, None, created, created)
            )  # fmt: skip
        course_ids.append(course_id)
        course_published_us.append(published_us)
        by_category[category] += 1

    # Enrolments: distinct (student, course) pairs, popular courses favoured, the same count for everyone.
    enrollments: list[tuple[object, ...]] = []
    per_student, extra = divmod(plan.enrollments, plan.students)
    enrolled_count = [0] * plan.courses
    rating_count = [0] * plan.courses
    rating_sum = [0] * plan.courses
    total_lessons = plan.lessons_per_course
    for number, student_id in enumerate(student_ids):
        wanted = per_student + (1 if number < extra else 0)
        chosen: set[int] = set()
        while len(chosen) < wanted:
            chosen.add(min(plan.courses - 1, int(plan.courses * rnd() ** 1.6)))
        for course in chosen:
            enrolled_us = course_published_us[course] + below(max(1, now_us - course_published_us[course]))
            completed = rnd() < 0.2
            done = total_lessons if completed else below(total_lessons)
            started_us = enrolled_us + below(3_600_000_000) if done else None
            last_us = min(now_us, enrolled_us + below(max(1, now_us - enrolled_us))) if done else None
            completed_at = _at(last_us) if completed and last_us is not None else None
            rating = rng.choice((3, 4, 4, 5, 5)) if (completed and rnd() < 0.6) or rnd() < 0.1 else None
            if rating is not None:
                rating_count[course] += 1
                rating_sum[course] += rating
            enrolled_count[course] += 1
            enrollments.append(
                (ids.next(), student_id, course_ids[course], "completed" if completed else "active",
                 _at(enrolled_us), None if started_us is None else _at(started_us), completed_at, None,
                 done * 10_000 // total_lessons, done, total_lessons, done * (300 + below(1_200)),
                 None if last_us is None else _at(last_us), completed_at, rating,
                 "Clear and well paced." if rating is not None and rating >= 4 and rnd() < 0.3 else None,
                 None if rating is None else _at(last_us if last_us is not None else enrolled_us))
            )  # fmt: skip

    for course, row in enumerate(courses):
        count, total = rating_count[course], rating_sum[course]
        # enrollment_count, rating_count, rating_sum, rating_average_centi (hundredths, half rounded up)
        row[14:18] = [enrolled_count[course], count, total, (200 * total + count) // (2 * count) if count else 0]

    with closing(sqlite3.connect(db_path, isolation_level=None)) as db:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA busy_timeout = 10000")
        # A throwaway benchmark database: no fsync for the bulk load.
        db.execute("PRAGMA synchronous = OFF")
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT INTO users (id, email, password_hash, full_name, role, is_active, mfa_enabled, "
                "profile_metadata, created_at, updated_at, last_login_at, email_verified_at, token_version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                users,
            )
            db.executemany(
                "INSERT INTO courses (id, title, slug, description, instructor_id, category, difficulty_level, "
                "status, thumbnail_url, estimated_duration_minutes, course_metadata, price_minor, currency, "
                "lesson_count, enrollment_count, rating_count, rating_sum, rating_average_centi, published_at, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                courses,
            )
            db.executemany(
                "INSERT INTO lessons (id, course_id, title, slug, description, content, lesson_type, order_index, "
                "parent_lesson_id, duration_minutes, video_url, is_preview, is_required, lesson_metadata, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                lessons,
            )
            db.executemany(
                "INSERT INTO enrollments (id, student_id, course_id, status, enrolled_at, started_at, "
                "completed_at, dropped_at, progress_bp, completed_lessons_count, total_lessons_count, "
                "total_time_spent_seconds, last_accessed_at, certificate_issued_at, rating, review, reviewed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                enrollments,
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        # No ANALYZE: the app never runs it, so the planner sees what it would see in production.
    return SeedSummary(
        users=len(users),
        courses=len(courses),
        lessons=len(lessons),
        enrollments=len(enrollments),
        seconds=time.perf_counter() - started,
        courses_by_category=dict(by_category),
    )
