"""Developer sessions: tests, lint (ruff + import contracts), typecheck (mypy --strict), bench."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole suite on SQLite, and on PostgreSQL/Redis when LMS_TEST_POSTGRES_URL/LMS_TEST_REDIS_URL are set."""
    session.install("-e", ".[test]")
    if "LMS_TEST_POSTGRES_URL" not in os.environ:
        session.warn("LMS_TEST_POSTGRES_URL is not set: PostgreSQL tests will be skipped")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff, and import-linter contracts for the layer arrows (the core imports no framework)."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", "src", "tests", "bench", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "bench", "noxfile.py")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Every benchmark, each printed as a ratio against a baseline measured in the same run:
    the cost of `import lms_core` against `import msgspec, asyncio`, HTTP hot paths against a bare
    endpoint, batch regrading against plain batched SQL, certificate issuance in parallel against one
    process, outbox delivery through Redis against in-process delivery (and writes with an event against
    writes without), signed Stripe webhooks granting enrolments against a bare endpoint taking the same
    bodies (and a burst of duplicate deliveries that must have one effect)."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "bench.imports")
    session.run("python", "-m", "bench", *session.posargs)
    session.run("python", "-m", "bench.regrade")
    session.run("python", "-m", "bench.certificates")
    session.run("python", "-m", "bench.outbox")
    session.run("python", "-m", "bench.payments")


@nox.session(python=PYTHON)
def fuzz(session: nox.Session) -> None:
    """The API fuzzer's deep profile: every role, many examples per operation, the coverage phase's
    boundary cases, against a real `lms serve` process (the fast profile runs with the test suite)."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        "-s",
        "tests/e2e/test_api_fuzz.py",
        *session.posargs,
        env={"LMS_FUZZ_PROFILE": "deep"},
    )
