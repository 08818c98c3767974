"""`python -m bench.outbox`: event delivery through the Redis broker on PostgreSQL, beside its baselines.

- relay throughput: N events are committed to the outbox (in transactions of 500, each waking the relay
  as a request's commit does); the clock runs from the first commit until a real `lms worker` process
  (one, `--concurrency` tasks at a time) has taken and finished every one of them, so it covers commit,
  claim, queueing on a Redis stream, the task's start and the event's deletion. Goal: 1,000 events/s or
  more. The baseline beside it is the in-process delivery of the same number of events (`drain()`, what
  one-shot commands do) in the same run.
- write latency: the p50 of a write request to a real `lms serve` (granian, one process, its relay on
  the Redis broker, the worker running): an admin changes an account, alternately its name (no event)
  and its role (one `users.role_changed` event in the outbox). Both lock the account's row, save it and
  commit; the second also records the event, which the server's relay then queues for the worker. Goal:
  the outbox adds less than 10%.

A Redis server of the benchmark's own is started on a free port (`redis-server` must be on PATH), and a
PostgreSQL database is created on `--postgres-url` (LMS_BENCH_POSTGRES_URL) and dropped afterwards.
Missing a goal is printed, not failed.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from bench.regrade import DEFAULT_POSTGRES, database
from bench.servers import HarnessError, free_port, lms_serve_command, start_server, wait_until_ready

SECRET = "bench secret key that is long enough for HS256 use"
ADMIN_EMAIL = "admin@example.com"
PASSWORD = "a long bench passphrase"
RELAY_GOAL = 1000.0
WRITE_OVERHEAD_GOAL = 0.10


@dataclass(frozen=True, slots=True)
class Figures:
    events: int
    relay_seconds: float
    in_process_seconds: float
    writes: int
    p50_without_ms: float
    p50_with_ms: float

    @property
    def relay_rate(self) -> float:
        return self.events / self.relay_seconds

    @property
    def in_process_rate(self) -> float:
        return self.events / self.in_process_seconds

    @property
    def write_overhead(self) -> float:
        return self.p50_with_ms / self.p50_without_ms - 1


@asynccontextmanager
async def redis_server() -> AsyncIterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise HarnessError("redis-server is not on PATH")
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        binary,
        *("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from redis.asyncio import Redis

        client = Redis(port=port)
        for _ in range(200):
            try:
                await client.ping()
                break
            except OSError:
                await asyncio.sleep(0.05)
        await client.aclose()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        await process.wait()


def environment(database_url: str, broker_url: str) -> dict[str, str]:
    return {
        "LMS_DATABASE_URL": database_url,
        "LMS_SECRET_KEY": SECRET,
        "LMS_PASSWORD_HASHING": "fast",
        "LMS_BROKER_URL": broker_url,
        "LMS_OUTBOX_POLL_SECONDS": "0.5",
    }


@asynccontextmanager
async def lms_worker(env: dict[str, str], concurrency: int) -> AsyncIterator[None]:
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    with tempfile.TemporaryDirectory() as work_dir:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "lms_cli", "worker", "--concurrency", str(concurrency)),
            env={**inherited, **env, "LMS_MAIL_DIR": work_dir},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            assert process.stderr is not None
            line = (await process.stderr.readline()).decode()
            if "lms worker ready" not in line:
                raise HarnessError(f"lms worker did not start: {line}{(await process.stderr.read()).decode()}")
            yield
        finally:
            process.terminate()
            await process.wait()


async def measure(
    database_url: str, broker_url: str, work_dir: Path, *, events: int, writes: int, concurrency: int
) -> Figures:
    from lms_adapters.bootstrap import Container
    from lms_adapters.persistence.uow import SqlUnitOfWork
    from lms_adapters.settings import Settings
    from lms_core import CreateUser, Register, Role
    from lms_core.auth.events import UserRegistered
    from lms_core.shared.actor import Actor

    env = environment(database_url, broker_url)
    batch = [UserRegistered(user_id=uuid4(), email="bench@example.com", role="student") for _ in range(500)]

    async def commit_events(uow: SqlUnitOfWork, count: int) -> None:
        for start in range(0, count, len(batch)):
            async with uow.begin() as tx:
                await tx.outbox.add_all(batch[: min(len(batch), count - start)])
                await tx.commit()

    async def pending(uow: SqlUnitOfWork) -> int:
        async with uow.begin(write=False) as tx:
            return await tx.outbox.count_pending()

    # Baseline: in-process delivery, no broker, no dispatcher.
    offline = Container(settings=Settings.from_env(env, outbox_worker=False))
    await offline.init_resources()  # type: ignore[misc]
    try:
        lms = await offline.lms()  # type: ignore[misc]
        uow = await offline.uow()  # type: ignore[misc]
        await commit_events(uow, events)
        started = time.perf_counter()
        while await lms.outbox.run_once(500) > 0:
            pass
        in_process_seconds = time.perf_counter() - started
        account = await lms.auth.register(
            Actor.anonymous(), Register(email="writer@example.com", password=PASSWORD, full_name="W")
        )
        await lms.users.create_user(
            Actor.system(), CreateUser(email=ADMIN_EMAIL, password=PASSWORD, full_name="Admin", role=Role.ADMIN)
        )
    finally:
        await offline.shutdown_resources()  # type: ignore[misc]

    async with lms_worker(env, concurrency):
        serving = Container(settings=Settings.from_env(env, outbox_worker=True))
        await serving.init_resources()  # type: ignore[misc]
        try:
            uow = await serving.uow()  # type: ignore[misc]
            started = time.perf_counter()
            await commit_events(uow, events)
            while True:
                if await pending(uow) == 0:
                    break
                await asyncio.sleep(0.005)
            relay_seconds = time.perf_counter() - started
        finally:
            await serving.shutdown_resources()  # type: ignore[misc]

        with lms_server(env, work_dir) as base_url:
            timings = await asyncio.to_thread(time_writes, base_url, account.user.id, writes)

    return Figures(
        events=events,
        relay_seconds=relay_seconds,
        in_process_seconds=in_process_seconds,
        writes=writes,
        p50_without_ms=statistics.median(timings[False]) * 1000,
        p50_with_ms=statistics.median(timings[True]) * 1000,
    )


@contextmanager
def lms_server(env: dict[str, str], work_dir: Path) -> Iterator[str]:
    """A real `lms serve` (granian, one process) with the benchmark's settings; its base URL."""
    port = free_port()
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    server = start_server(
        "lms-serve",
        lms_serve_command("granian", port),
        env={**inherited, **env, "LMS_MAIL_DIR": str(work_dir / "mail"), "LMS_LOG_LEVEL": "WARNING"},
        port=port,
        log_dir=work_dir,
    )
    try:
        wait_until_ready(server, "/health")
        yield server.base_url
    finally:
        server.stop()


def time_writes(base_url: str, user_id: UUID, writes: int) -> dict[bool, list[float]]:
    """`writes` requests of each kind on one kept-alive connection, alternating: an admin renames the
    account (no event), then changes its role (an event). Seconds per request, by whether it recorded one."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    status, body = _send(connection, "POST", "/api/v1/auth/login", None, {"email": ADMIN_EMAIL, "password": PASSWORD})
    if status != 200:
        raise HarnessError(f"the admin could not sign in: {status} {body!r}")
    token = body["access_token"]
    path = f"/api/v1/users/{user_id}"
    roles = ("instructor", "student")
    timings: dict[bool, list[float]] = {False: [], True: []}
    for number in range(writes * 2 + 20):
        with_event = number % 2 == 1
        change = {"role": roles[number // 2 % 2]} if with_event else {"full_name": f"Writer {number}"}
        begun = time.perf_counter()
        status, answer = _send(connection, "PATCH", path, token, change)
        elapsed = time.perf_counter() - begun
        if status != 200 or any(answer[key] != value for key, value in change.items()):
            raise HarnessError(f"PATCH {path} {change} answered {status} {answer!r}")
        if number >= 20:  # the first requests warm the server's caches and connection pool
            timings[with_event].append(elapsed)
    connection.close()
    return timings


def _send(
    connection: http.client.HTTPConnection, method: str, path: str, token: str | None, body: dict[str, str]
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    connection.request(method, path, body=json.dumps(body), headers=headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def report(figures: Figures, concurrency: int) -> str:
    relay_mark = "meets" if figures.relay_rate >= RELAY_GOAL else "MISSES"
    write_mark = "meets" if figures.write_overhead < WRITE_OVERHEAD_GOAL else "MISSES"
    return "\n".join(
        [
            f"outbox delivery on PostgreSQL, {figures.events} events, Redis stream, 1 worker x{concurrency}",
            f"{'':28}{'through the broker':>22}{'in-process (baseline)':>24}{'ratio':>8}",
            f"{'events/s, commit to done':28}{figures.relay_rate:>22,.0f}{figures.in_process_rate:>24,.0f}"
            f"{figures.relay_rate / figures.in_process_rate:>8.2f}   goal >= {RELAY_GOAL:,.0f}/s: {relay_mark}",
            f"{'':28}{'with an event':>22}{'without (baseline)':>24}{'ratio':>8}",
            f"{'write p50, ms':28}{figures.p50_with_ms:>22.3f}{figures.p50_without_ms:>24.3f}"
            f"{figures.p50_with_ms / figures.p50_without_ms:>8.2f}   goal < +{WRITE_OVERHEAD_GOAL:.0%}: "
            f"{figures.write_overhead:+.1%} {write_mark}",
        ]
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.outbox", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=5000, help="events committed to the outbox")
    parser.add_argument("--writes", type=int, default=1000, help="write requests of each kind")
    parser.add_argument("--concurrency", type=int, default=32, help="tasks the worker runs at once")
    parser.add_argument("--postgres-url", default=os.environ.get("LMS_BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> Figures:
    with tempfile.TemporaryDirectory() as work_dir:
        async with database("postgres", Path(work_dir), args.postgres_url) as url, redis_server() as broker:
            return await measure(
                url, broker, Path(work_dir), events=args.events, writes=args.writes, concurrency=args.concurrency
            )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        figures = asyncio.run(run(args))
    except HarnessError as exc:
        print(f"bench.outbox could not run: {exc}", file=sys.stderr)
        return 2
    print(report(figures, args.concurrency))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
