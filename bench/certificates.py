"""`python -m bench.certificates`: `lms certificates issue` on a process pool against one process.

Seeds completed enrolments (through the library for the course, straight into the tables for the
students and enrolments), then issues their certificates twice in the same run with the real command:
once in a single process (`--workers 1`, rendering in a thread beside the event loop), once on a pool of
one render process per core (`--workers N`). Each run gets its own course of `--count` enrolments, so
both issue the same amount of work. Reported: certificates per second of each, the speed-up, and the
time to render one certificate in-process. Goal: a speed-up of 1.7x or more on 2 cores.

Missing the goal is printed, not failed; the exit code is non-zero only when the run itself failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from bench.servers import PROJECT_ROOT, HarnessError, lms_command

SPEED_UP_GOAL = 1.7
RENDER_SAMPLES = 40
NAMES = ("Amira Hassan", "Łukasz Żółć", "Αλέξανδρος Νικολάου", "محمد عبد الله", "Zoë Müller", "Omar Farouk")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.certificates", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="completed enrolments per run (default 1000)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="render processes of the pool run")
    parser.add_argument("--renderer", choices=["auto", "borb", "reportlab"], default="auto")
    args = parser.parse_args(argv)
    if args.count < 1 or args.workers < 2:
        parser.error("--count must be >= 1 and --workers >= 2")
    return args


async def seed(env: dict[str, str], count: int) -> list[str]:
    """Two published courses of one instructor, each with `count` students who completed it."""
    from sqlalchemy import insert

    from lms_adapters.bootstrap import open_lms
    from lms_adapters.persistence.engine import create_engine
    from lms_adapters.persistence.models import enrollments, users
    from lms_adapters.settings import Settings
    from lms_core import Actor, CreateUser, Role
    from lms_core.courses.commands import CreateCourse, CreateLesson
    from lms_core.courses.entities import LessonType
    from lms_core.shared.ids import UserId, new_id

    settings = Settings.from_env(env)
    course_ids: list[str] = []
    async with open_lms(settings, migrate=True) as lms:
        teacher = await lms.users.create_user(
            Actor.system(),
            CreateUser(email="teacher@bench.test", password="bench-password-0001", full_name="Grace Hopper",
                       role=Role.INSTRUCTOR),
        )  # fmt: skip
        owner = Actor.user(UserId(teacher.id), Role.INSTRUCTOR)
        for title in ("Baseline: one process", "Pool: one process per core"):
            course = await lms.courses.create_course(owner, CreateCourse(title=title))
            await lms.courses.create_lesson(
                owner, course.id, CreateLesson(title="Only lesson", lesson_type=LessonType.TEXT, content="Done.")
            )
            await lms.courses.publish_course(owner, course.id)
            course_ids.append(str(course.id))
    now = datetime.now(UTC)
    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as connection:
            for course_number, course_id in enumerate(course_ids):
                students = [
                    {"id": new_id(), "email": f"s{course_number}-{n}@bench.test", "password_hash": "!seeded",
                     "full_name": f"{NAMES[n % len(NAMES)]} {n}", "role": "student", "is_active": True,
                     "mfa_enabled": False, "profile_metadata": None, "created_at": now, "updated_at": now,
                     "last_login_at": None, "email_verified_at": now, "token_version": 0}
                    for n in range(count)
                ]  # fmt: skip
                await connection.execute(insert(users), students)
                await connection.execute(
                    insert(enrollments),
                    [
                        {"id": new_id(), "student_id": s["id"], "course_id": UUID(course_id), "status": "completed",
                         "enrolled_at": now - timedelta(days=30), "started_at": now - timedelta(days=29),
                         "completed_at": now - timedelta(days=1), "dropped_at": None, "progress_bp": 10_000,
                         "completed_lessons_count": 1, "total_lessons_count": 1, "total_time_spent_seconds": 3600,
                         "last_accessed_at": now - timedelta(days=1), "certificate_issued_at": None, "rating": None,
                         "review": None, "reviewed_at": None}
                        for s in students
                    ],
                )  # fmt: skip
    finally:
        await engine.dispose()
    return course_ids


def issue(env: dict[str, str], course_id: str, workers: int, work_dir: Path) -> dict[str, Any]:
    """`lms certificates issue --course ID --workers N --json`; its JSON report, with the command's wall time."""
    command = [*lms_command(), "certificates", "issue", "--course", course_id, "--workers", str(workers), "--json"]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=work_dir, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise HarnessError(
            f"{' '.join(command[-6:])} exited {result.returncode}:\n{result.stdout}\n{result.stderr[-2000:]}"
        )
    try:
        report: dict[str, Any] = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise HarnessError(f"stdout is not the JSON summary: {result.stdout[:500]!r}") from exc
    report["wall_seconds"] = wall
    return report


def render_times(renderer_kind: str, font: str | None) -> tuple[str, float, list[float]]:
    """(renderer, first render incl. loading, ms per certificate after it) in this process."""
    from lms_adapters.pdf import build_renderer
    from lms_core.certificates.entities import CertificateContent

    renderer = build_renderer(renderer_kind, font)  # type: ignore[arg-type]
    times: list[float] = []
    first = 0.0
    for n in range(RENDER_SAMPLES + 1):
        number = f"CERT-20261125-{n:08X}"
        content = CertificateContent(
            student_name=f"{NAMES[n % len(NAMES)]} {n}", course_title="Pool: one process per core",
            instructor_name="Grace Hopper", completion_date=date(2026, 11, 25), certificate_number=number,
            verification_url=f"https://lms.example.test/api/v1/certificates/verify/{number}",
        )  # fmt: skip
        started = time.perf_counter()
        renderer.render(content)
        elapsed = (time.perf_counter() - started) * 1000
        if n == 0:
            first = elapsed
        else:
            times.append(elapsed)
    return renderer.name, first, times


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="lms-bench-certificates-") as tmp:
        work_dir = Path(tmp)
        env = {
            **os.environ,
            "LMS_DATABASE_URL": f"sqlite+aiosqlite:///{work_dir / 'bench.db'}",
            "LMS_SECRET_KEY": secrets.token_urlsafe(48),
            "LMS_MAIL_DIR": str(work_dir / "mail"),
            "LMS_STORAGE_URL": f"file://{work_dir / 'storage'}",
            "LMS_OUTBOX_WORKER": "false",
            "LMS_PASSWORD_HASHING": "fast",
            "LMS_CERTIFICATE_RENDERER": args.renderer,
            "LMS_PUBLIC_BASE_URL": "https://lms.example.test",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT / "src"), os.environ.get("PYTHONPATH")])),
        }
        print(f"seeding 2 courses x {args.count:,} completed enrolments ...", end="", flush=True)
        started = time.perf_counter()
        baseline_course, pool_course = asyncio.run(seed(env, args.count))
        print(f" {time.perf_counter() - started:.1f} s")

        name, first_ms, times = render_times(args.renderer, os.environ.get("LMS_CERTIFICATE_FONT") or None)
        print(f"render ({name}, in-process): first {first_ms:.0f} ms (loads the library and font), then "
              f"mean {statistics.mean(times):.1f} ms, median {statistics.median(times):.1f} ms "
              f"per certificate over {len(times)}")  # fmt: skip

        print("lms certificates issue --workers 1 ...", end="", flush=True)
        single = issue(env, baseline_course, 1, work_dir)
        print(f" {single['certificates_per_second']:.1f}/s")
        print(f"lms certificates issue --workers {args.workers} ...", end="", flush=True)
        pool = issue(env, pool_course, args.workers, work_dir)
        print(f" {pool['certificates_per_second']:.1f}/s")

    for report in (single, pool):
        if report["summary"]["issued"] != args.count or report["summary"]["failed"]:
            raise HarnessError(f"expected {args.count} issued certificates, got {report['summary']}")
    speed_up = pool["certificates_per_second"] / single["certificates_per_second"]
    print()
    print(f"{'run':<28} {'issued':>7} {'seconds':>8} {'cert/s':>8} {'wall s':>7}")
    for label, report in ((f"1 process ({single['renderer']})", single), (f"{args.workers} render processes", pool)):
        print(f"{label:<28} {report['summary']['issued']:>7} {report['seconds']:>8.1f} "
              f"{report['certificates_per_second']:>8.1f} {report['wall_seconds']:>7.1f}")  # fmt: skip
    print(f"speed-up: {speed_up:.2f}x on {os.cpu_count()} CPUs; goal >= {SPEED_UP_GOAL}x: "
          f"{'met' if speed_up >= SPEED_UP_GOAL else 'NOT met'}")  # fmt: skip
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except HarnessError as exc:
        print(f"\nbench failed: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
