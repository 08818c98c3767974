"""Shared fixtures: every service test runs on a real SQLite file and, when configured, on PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from lms_adapters.bootstrap import open_lms
from lms_adapters.settings import Settings
from lms_core import Lms
from lms_core.shared.clock import FixedClock
from tests.support.databases import (
    copy_sqlite,
    create_postgres_database,
    drop_postgres_database,
    make_sqlite_template,
    require_service,
    truncate_postgres,
    worker_index,
    worker_redis_url,
)
from tests.support.doubles import RecordingMailer
from tests.support.log_scan import SecretScanningHandler

TEST_SECRET = secrets.token_urlsafe(48)

# Properties are about what the code does, not how fast: on a shared, loaded machine, a slow draw or a slow
# example is a scheduling accident, not a failure (speed is measured by the benchmarks).
hypothesis_settings.register_profile("lms", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("lms")

# Parallel workers -------------------------------------------------------------------------------
# The suite, or a directory of it, runs on pytest-xdist's workers unless told otherwise: `-n0` or
# `-p no:xdist` (one process), `-n 2`, `--dist load`; `-s`, `--pdb` and a run of files or tests keep it
# in one process. The defaults are set here rather than in `addopts` so that `-p no:xdist` still parses.
# Four workers on two cores: many tests wait on PostgreSQL, Redis, a browser or a subprocess, not on the
# CPU. A file's tests run together, in order, on one worker: several modules share a served process or a
# generated client between their tests (module-scoped fixtures), and the fuzzer's last test reads the
# tally its role passes left in the module.
DEFAULT_WORKERS = 4
_PROCESS_DIRECTORIES = ("tests/e2e/", "tests/cli/")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    # `--pdb` and `-s` (what a test prints, as the fuzzer's tally) need the tests in this process; a
    # run of some files or tests is over before four workers would have started.
    one_process = config.option.usepdb or config.option.capture == "no" or not _names_a_directory(config)
    if config.option.numprocesses is None and not one_process:
        config.option.numprocesses = DEFAULT_WORKERS
    if config.option.dist == "no":
        config.option.dist = "loadfile"
        # The files are handed out in the order the workers collected them (below), not by test count.
        config.option.loadscopereorder = False


def _names_a_directory(config: pytest.Config) -> bool:
    """Whether the run takes a whole directory (`pytest`, `pytest tests/http`), not only files or tests."""
    here = config.invocation_params.dir
    return any((here / argument.split("::")[0]).is_dir() for argument in config.args)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a worker, the files that start processes (those of `tests/e2e/` and `tests/cli/`, and any with a
    `slow` test: the fuzzer's minutes, the CLI's one-shot commands) come first, then the others, larger
    first: a long file handed out last would keep one worker busy while the others wait at the end."""
    if not hasattr(config, "workerinput"):
        return
    sizes = Counter(item.path for item in items)
    slow = {item.path for item in items if item.get_closest_marker("slow") is not None}

    def weight(item: pytest.Item) -> tuple[bool, int]:
        relative = item.path.relative_to(config.rootpath).as_posix()
        return (not (item.path in slow or relative.startswith(_PROCESS_DIRECTORIES)), -sizes[item.path])

    items.sort(key=weight)


def pytest_configure(config: pytest.Config) -> None:
    # PostgreSQL databases and temporary directories are already per worker (each worker has its own
    # session); Redis is one server whose URL names one database: each worker takes its own.
    redis_url = os.environ.get("LMS_TEST_REDIS_URL")
    if redis_url and hasattr(config, "workerinput"):
        os.environ["LMS_TEST_REDIS_URL"] = worker_redis_url(redis_url, worker_index())


# The log scan -------------------------------------------------------------------------------------
# Every record of the run (from every logger, ours at DEBUG) goes through one handler that remembers
# those carrying a secret; the run fails at its end if there was one, listing them.

_TESTS = Path(__file__).parent
_PASSWORD_LITERAL = re.compile(r'\b(?:[A-Z_]*PASSWORD|password|new_password)\s*[=:]\s*"([^"]{8,})"')
_log_scan_key = pytest.StashKey[SecretScanningHandler]()


def _test_passwords() -> set[str]:
    """The passwords the tests sign in with, read from their sources so that a new one is covered too."""
    found: set[str] = set()
    for source in _TESTS.rglob("*.py"):
        found.update(_PASSWORD_LITERAL.findall(source.read_text(encoding="utf-8")))
    return found


def pytest_sessionstart(session: pytest.Session) -> None:
    handler = SecretScanningHandler([*_test_passwords(), TEST_SECRET])
    logging.getLogger().addHandler(handler)
    logging.getLogger("lms").setLevel(logging.DEBUG)
    session.config.stash[_log_scan_key] = handler


def pytest_sessionfinish(session: pytest.Session) -> None:
    handler = session.config.stash.get(_log_scan_key, None)
    if handler is None:
        return
    logging.getLogger().removeHandler(handler)
    if handler.offences:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    handler = terminalreporter.config.stash.get(_log_scan_key, None)
    if handler is None or not handler.offences:
        return
    terminalreporter.section("secrets in the logs", red=True)
    for offence in handler.offences:
        terminalreporter.write_line(offence)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return asyncio.run(make_sqlite_template(tmp_path_factory.mktemp("template")))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One fresh PostgreSQL database for the whole run, dropped at the end (CI reuses the server)."""
    server = require_service("PostgreSQL", "LMS_TEST_POSTGRES_URL")
    database_url = asyncio.run(create_postgres_database(server))
    try:
        yield database_url
    finally:
        asyncio.run(drop_postgres_database(server, database_url))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield copy_sqlite(sqlite_template, tmp_path)
        return
    url: str = request.getfixturevalue("postgres_database")
    asyncio.run(truncate_postgres(url))
    yield url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return copy_sqlite(sqlite_template, tmp_path)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "password_hashing": "fast",
        "outbox_worker": False,
        "public_base_url": "https://lms.example.test",
        # Every engine its own corner of the process's memory store: stored objects never leak between tests.
        "storage_url": f"memory://lms-tests/{secrets.token_hex(8)}",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def lms(settings: Settings, clock: FixedClock, mailer: RecordingMailer) -> AsyncIterator[Lms]:
    async with open_lms(settings, clock=clock, mailer=mailer) as opened:
        yield opened
