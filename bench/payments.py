"""`python -m bench.payments`: Stripe webhook ingestion on PostgreSQL through a real `lms serve`.

- throughput: N pending payments (each a student buying one of `--courses` published paid courses) are
  seeded straight into a throwaway PostgreSQL database; then N signed `payment_intent.succeeded` events,
  one per payment, are posted to `/api/v1/payments/webhooks/stripe` of a real `lms serve` (granian, one
  process) over `--concurrency` keep-alive connections. Each must be answered 200 `applied`, and afterwards
  the database must hold N succeeded payments, N enrolments granted by payment, N processed provider
  events and N `payment.succeeded` outbox rows. Goal: 200 events/s or more. Beside it, the bare floor
  (`bench.bare_app`, `POST /echo`, the same body size and concurrency) in the same run; rounds alternate
  between the two (bare, webhook, webhook, bare).
- burst: 50 connections post the same signed event of one fresh pending payment at once. Every answer
  must be 2xx, and the payment must have had exactly one effect: one enrolment, one processed provider
  event, one `payment.succeeded` outbox row.

The server has Stripe keys, and its Stripe API base points at a local port where nothing listens:
confirming a payment must not call Stripe, and a call would fail loudly (503) instead of reaching the
Internet. The outbox worker is off, so the events the webhooks record stay in the outbox to be counted.

A wrong effect count or a non-2xx answer fails the run (exit 2); a missed goal is printed, not failed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from bench.regrade import DEFAULT_POSTGRES, database
from bench.servers import (
    PROJECT_ROOT,
    HarnessError,
    ServerProcess,
    bare_command,
    free_port,
    lms_serve_command,
    machine_busy_seconds,
    start_server,
    wait_until_ready,
)

GOAL_EVENTS_PER_S = 200.0
SECRET = "bench secret key that is long enough for HS256 use"
STRIPE_SECRET_KEY = "sk_test_bench"
WEBHOOK_SECRET = "whsec_bench_signing_secret"
WEBHOOK_PATH = "/api/v1/payments/webhooks/stripe"
BARE_PATH = "/echo"
CURRENCY = "USD"
PRICES_MINOR = (1_900, 4_900, 9_900, 14_900)
NO_PASSWORD = "!seeded-account-without-password"


# -- seeding ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Purchase:
    """A pending payment of a student for a paid course, and the Stripe PaymentIntent it waits for."""

    number: int
    payment_id: UUID
    student_id: UUID
    course_id: UUID
    price_minor: int

    @property
    def intent_id(self) -> str:
        return f"pi_bench_{self.number}"


async def seed(url: str, purchases: int, courses: int) -> list[Purchase]:
    """One instructor, `courses` published paid courses, and one student with a pending Stripe payment
    per purchase; bulk inserts through SQLAlchemy core, so the types are the app's own."""
    from sqlalchemy import insert
    from sqlalchemy.ext.asyncio import create_async_engine

    from lms_adapters.persistence.tables_identity import users
    from lms_adapters.persistence.tables_learning import courses as courses_table
    from lms_adapters.persistence.tables_payments import payments

    now = datetime.now(UTC)
    instructor = uuid4()
    course_rows: list[dict[str, Any]] = [
        {
            "id": uuid4(),
            "title": f"Paid course {n}",
            "slug": f"paid-course-{n}",
            "instructor_id": instructor,
            "status": "published",
            "price_minor": PRICES_MINOR[n % len(PRICES_MINOR)],
            "currency": CURRENCY,
            "lesson_count": 0,
            "enrollment_count": 0,
            "rating_count": 0,
            "rating_sum": 0,
            "rating_average_centi": 0,
            "published_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(courses)
    ]
    bought = [
        Purchase(
            number=n,
            payment_id=uuid4(),
            student_id=uuid4(),
            course_id=course_rows[n % courses]["id"],
            price_minor=course_rows[n % courses]["price_minor"],
        )
        for n in range(purchases)
    ]

    def user(user_id: UUID, email: str, role: str) -> dict[str, Any]:
        return {
            "id": user_id,
            "email": email,
            "password_hash": NO_PASSWORD,
            "full_name": email.partition("@")[0],
            "role": role,
            "is_active": True,
            "mfa_enabled": False,
            "created_at": now,
            "updated_at": now,
            "token_version": 0,
        }

    user_rows = [user(instructor, "teacher@bench.example", "instructor")]
    user_rows += [user(p.student_id, f"student{p.number}@bench.example", "student") for p in bought]
    payment_rows = [
        {
            "id": p.payment_id,
            "user_id": p.student_id,
            "course_id": p.course_id,
            "provider": "stripe",
            "provider_payment_id": p.intent_id,
            "payment_type": "one_time",
            "currency": CURRENCY,
            "amount_minor": p.price_minor,
            "tax_minor": 0,
            "total_minor": p.price_minor,
            "status": "pending",
            "payment_metadata": {},
            "created_at": now,
            "updated_at": now,
        }
        for p in bought
    ]
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            for table, rows in ((users, user_rows), (courses_table, course_rows), (payments, payment_rows)):
                for start in range(0, len(rows), 2000):
                    await connection.execute(insert(table), rows[start : start + 2000])
        async with engine.connect() as connection:
            await connection.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()
    return bought


@dataclass(frozen=True, slots=True)
class Counts:
    succeeded_payments: int
    payment_enrolments: int
    processed_events: int
    outbox_succeeded: int
    enrolment_counters: int  # the sum of the courses' enrollment_count

    def minus(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, name) - getattr(other, name) for name in (f.name for f in fields(self))))


async def count_effects(url: str) -> Counts:
    """What the webhooks did so far."""
    from sqlalchemy import func, select
    from sqlalchemy.ext.asyncio import create_async_engine

    from lms_adapters.persistence.tables_identity import outbox
    from lms_adapters.persistence.tables_learning import courses, enrollments
    from lms_adapters.persistence.tables_payments import payment_webhook_events, payments

    def count(table: Any, *where: Any) -> Any:
        return select(func.count()).select_from(table).where(*where)

    paid = payments.c.status == "succeeded"
    granted = enrollments.c.access_source == "payment"
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return Counts(
                succeeded_payments=(await connection.execute(count(payments, paid))).scalar_one(),
                payment_enrolments=(await connection.execute(count(enrollments, granted))).scalar_one(),
                processed_events=(
                    await connection.execute(
                        count(payment_webhook_events, payment_webhook_events.c.status == "processed")
                    )
                ).scalar_one(),
                outbox_succeeded=(
                    await connection.execute(count(outbox, outbox.c.event_type == "payment.succeeded"))
                ).scalar_one(),
                enrolment_counters=(
                    await connection.execute(select(func.coalesce(func.sum(courses.c.enrollment_count), 0)))
                ).scalar_one(),
            )
    finally:
        await engine.dispose()


# -- signed events ---------------------------------------------------------------------------------


def stripe_event(purchase: Purchase, event_id: str, created: int) -> bytes:
    """A `payment_intent.succeeded` event as Stripe sends it (the fields the engine reads, and a few more)."""
    intent = {
        "id": purchase.intent_id,
        "object": "payment_intent",
        "amount": purchase.price_minor,
        "amount_received": purchase.price_minor,
        "currency": CURRENCY.lower(),
        "status": "succeeded",
        "livemode": False,
        "metadata": {"lms_payment_id": str(purchase.payment_id)},
        "latest_charge": f"ch_bench_{purchase.number}",
    }
    event = {
        "id": event_id,
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": created,
        "livemode": False,
        "pending_webhooks": 1,
        "type": "payment_intent.succeeded",
        "data": {"object": intent},
    }
    return json.dumps(event, separators=(",", ":")).encode()


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """Stripe's `Stripe-Signature`: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post_request(port: int, path: str, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "User-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def webhook_request(port: int, purchase: Purchase, event_id: str) -> bytes:
    now = int(time.time())
    body = stripe_event(purchase, event_id, now)
    return post_request(port, WEBHOOK_PATH, body, {"Stripe-Signature": sign(body, WEBHOOK_SECRET, now)})


# -- the HTTP client -------------------------------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return status, bytes(body)
            body += chunk[:-2]
    raise HarnessError(f"a response with neither Content-Length nor chunked body: {head!r}")


@dataclass
class Round:
    """One closed-loop round: every request sent once over `concurrency` keep-alive connections."""

    label: str
    seconds: float
    latencies: list[float]
    statuses: Counter[int]
    bodies: list[bytes] = field(default_factory=list)
    server_cpu_seconds: float | None = None  # used by the server (all its processes) over the round
    machine_cpu_seconds: float | None = None  # used by every process of the machine over the round

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile_ms(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def send_all(
    server: ServerProcess, count: int, make: Callable[[int], bytes], concurrency: int, label: str, *, keep: bool
) -> Round:
    """Send requests `make(0)` to `make(count - 1)`, each once; connections take the next unsent one as soon as
    their answer is read. Each request is made just before it is sent: a webhook's signature must be fresh
    (Stripe's tolerance is five minutes from its timestamp), however long the round takes."""
    connections = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(concurrency)]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    bodies: list[bytes] = []
    position = 0

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal position
        while position < count:
            request = make(position)
            position += 1
            sent = time.perf_counter()
            writer.write(request)
            status, body = await read_response(reader)
            latencies.append(time.perf_counter() - sent)
            statuses[status] += 1
            if keep or not 200 <= status < 300:
                bodies.append(body)

    server_before, machine_before = server.cpu_seconds(), machine_busy_seconds()
    started = time.perf_counter()
    try:
        await asyncio.gather(*(worker(reader, writer) for reader, writer in connections))
    except (OSError, asyncio.IncompleteReadError) as exc:
        raise HarnessError(f"{label}: a connection failed: {exc!r}") from exc
    finally:
        for _, writer in connections:
            writer.close()
    seconds = time.perf_counter() - started
    server_after, machine_after = server.cpu_seconds(), machine_busy_seconds()
    if server.process.poll() is not None:
        raise HarnessError(f"{server.name} died during {label}:\n{server.log_tail()}")
    return Round(
        label,
        seconds,
        latencies,
        statuses,
        bodies,
        server_after - server_before if server_after is not None and server_before is not None else None,
        machine_after - machine_before if machine_after is not None and machine_before is not None else None,
    )


async def burst(port: int, request: bytes, copies: int) -> list[tuple[int, bytes]]:
    """`copies` connections, opened first, then all sending the same request at once."""
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(copies)]
    go = asyncio.Event()

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[int, bytes]:
        await go.wait()
        writer.write(request)
        return await read_response(reader)

    tasks = [asyncio.create_task(one(reader, writer)) for reader, writer in connections]
    await asyncio.sleep(0)  # every task is waiting on the event before it is set
    go.set()
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        for _, writer in connections:
            writer.close()


# -- servers ---------------------------------------------------------------------------------------


@contextmanager
def servers(database_url: str, work_dir: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """The bare floor app and a real `lms serve`, both granian with one worker."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    nowhere = free_port()  # nothing listens there: a call to "Stripe" fails at once
    lms_env = {
        **inherited,
        "LMS_DATABASE_URL": database_url,
        "LMS_SECRET_KEY": SECRET,
        "LMS_PASSWORD_HASHING": "fast",
        "LMS_OUTBOX_WORKER": "false",
        "LMS_LOG_LEVEL": "WARNING",
        "LMS_MAIL_DIR": str(work_dir / "mail"),
        "LMS_STRIPE_SECRET_KEY": STRIPE_SECRET_KEY,
        "LMS_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "LMS_STRIPE_API_BASE": f"http://127.0.0.1:{nowhere}",
    }
    bare_env = {
        **inherited,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
    }
    started: list[ServerProcess] = []
    try:
        bare_port, lms_port = free_port(), free_port()
        started.append(start_server("bare", bare_command("granian", bare_port), env=bare_env, port=bare_port,
                                    log_dir=work_dir))  # fmt: skip
        started.append(start_server("lms-serve", lms_serve_command("granian", lms_port), env=lms_env, port=lms_port,
                                    log_dir=work_dir))  # fmt: skip
        wait_until_ready(started[0], "/hello")
        wait_until_ready(started[1], "/health")
        yield started[0], started[1]
    finally:
        for server in started:
            server.stop()


# -- the run ---------------------------------------------------------------------------------------


@dataclass
class Figures:
    events: int
    courses: int
    concurrency: int
    body_bytes: int
    webhook_rounds: list[Round]
    bare_rounds: list[Round]
    burst_statuses: Counter[int]
    burst_outcomes: Counter[str]
    burst_effects: Counts
    seed_seconds: float
    load_average: float

    @property
    def webhook_rate(self) -> float:
        return sum(len(r.latencies) for r in self.webhook_rounds) / sum(r.seconds for r in self.webhook_rounds)

    @property
    def bare_rate(self) -> float:
        return max(r.rate for r in self.bare_rounds)

    def cores(self, rounds: Sequence[Round], *, machine: bool = False) -> float | None:
        """Cores used on average over `rounds`, by the server or by the whole machine."""
        used = [r.machine_cpu_seconds if machine else r.server_cpu_seconds for r in rounds]
        if any(value is None for value in used):
            return None
        return sum(value or 0.0 for value in used) / sum(r.seconds for r in rounds)

    def cpu_ms_per_request(self, rounds: Sequence[Round]) -> float | None:
        """Server CPU per request, in milliseconds."""
        used = [r.server_cpu_seconds for r in rounds]
        if any(value is None for value in used):
            return None
        return sum(value or 0.0 for value in used) / sum(len(r.latencies) for r in rounds) * 1000

    @property
    def burst_passed(self) -> bool:
        all_2xx = all(200 <= status < 300 for status in self.burst_statuses)
        effects = self.burst_effects
        return all_2xx and effects == Counts(1, 1, 1, 1, 1)


def check_answers(round_: Round, *, expected: int) -> None:
    """Every event answered 200 and applied once."""
    if round_.statuses != Counter({200: expected}):
        samples = [body[:300] for body in round_.bodies[:3]]
        raise HarnessError(f"{round_.label}: answers {dict(round_.statuses)} (expected {expected} x 200): {samples}")
    outcomes = Counter(json.loads(body)["outcome"] for body in round_.bodies)
    if outcomes != Counter({"applied": expected}):
        raise HarnessError(f"{round_.label}: outcomes {dict(outcomes)} (expected {expected} x applied)")


def check_counts(counts: Counts, expected: int, what: str) -> None:
    wanted = Counts(expected, expected, expected, expected, expected)
    if counts != wanted:
        raise HarnessError(f"{what}: the database holds {counts}, expected {expected} of each")


async def measure(url: str, work_dir: Path, args: argparse.Namespace) -> Figures:
    rounds = 2
    per_round = args.events // rounds
    events = per_round * rounds
    warmup = min(200, per_round)
    print(f"seeding {events + warmup + 1:,} pending payments over {args.courses} courses ...", end="", flush=True)
    started = time.perf_counter()
    purchases = await seed(url, events + warmup + 1, args.courses)
    seed_seconds = time.perf_counter() - started
    print(f" {seed_seconds:.1f} s")
    warm, measured, fresh = purchases[:warmup], purchases[warmup:-1], purchases[-1]

    with servers(url, work_dir) as (bare, lms):
        body_bytes = len(stripe_event(measured[0], "evt_bench_0", int(time.time())))
        bare_request = post_request(bare.port, BARE_PATH, b"x" * body_bytes)
        bare_count = max(args.bare_requests, per_round)

        # Warm-up: the server's connection pool, caches and code paths, on both servers.
        def events_of(chunk: Sequence[Purchase]) -> Callable[[int], bytes]:
            return lambda at: webhook_request(lms.port, chunk[at], f"evt_bench_{chunk[at].number}")

        def bare_echo(_: int) -> bytes:
            return bare_request

        warm_round = await send_all(lms, len(warm), events_of(warm), args.concurrency, "warm-up", keep=True)
        check_answers(warm_round, expected=len(warm))
        await send_all(bare, warmup, bare_echo, args.concurrency, "bare warm-up", keep=False)

        bare_rounds: list[Round] = []
        webhook_rounds: list[Round] = []

        async def bare_round(number: int) -> None:
            result = await send_all(bare, bare_count, bare_echo, args.concurrency, "bare", keep=False)
            if result.statuses != Counter({200: bare_count}):
                raise HarnessError(f"bare: answers {dict(result.statuses)}: {result.bodies[:3]}")
            print(f"  round {number}: bare POST {BARE_PATH}: {result.rate:,.0f} req/s")
            bare_rounds.append(result)

        async def webhook_round(number: int, chunk: Sequence[Purchase]) -> None:
            result = await send_all(lms, len(chunk), events_of(chunk), args.concurrency, "webhook", keep=True)
            check_answers(result, expected=len(chunk))
            print(f"  round {number}: Stripe webhook: {result.rate:,.0f} events/s")
            webhook_rounds.append(result)

        await bare_round(1)
        await webhook_round(1, measured[:per_round])
        await webhook_round(2, measured[per_round:])
        await bare_round(2)

        before_burst = await count_effects(url)
        check_counts(before_burst, warmup + events, "after the webhook rounds")

        print(f"burst: {args.burst} concurrent deliveries of one event ...", end="", flush=True)
        answers = await burst(lms.port, webhook_request(lms.port, fresh, "evt_bench_burst"), args.burst)
        statuses = Counter(status for status, _ in answers)
        outcomes = Counter(
            str(json.loads(body).get("outcome")) if 200 <= status < 300 else f"{status}: {body[:200]!r}"
            for status, body in answers
        )
        print(f" {dict(statuses)}")
        burst_effects = (await count_effects(url)).minus(before_burst)
        if lms.process.poll() is not None:
            raise HarnessError(f"lms serve died:\n{lms.log_tail()}")

    return Figures(
        events=events,
        courses=args.courses,
        concurrency=args.concurrency,
        body_bytes=body_bytes,
        webhook_rounds=webhook_rounds,
        bare_rounds=bare_rounds,
        burst_statuses=statuses,
        burst_outcomes=outcomes,
        burst_effects=burst_effects,
        seed_seconds=seed_seconds,
        load_average=os.getloadavg()[0],
    )


def report(figures: Figures, burst_size: int) -> str:
    rate, bare = figures.webhook_rate, figures.bare_rate
    p50 = statistics.median(latency for r in figures.webhook_rounds for latency in r.latencies) * 1000
    worst_p99 = max(r.percentile_ms(0.99) for r in figures.webhook_rounds)
    bare_p50 = statistics.median(latency for r in figures.bare_rounds for latency in r.latencies) * 1000
    server_cores = figures.cores(figures.webhook_rounds)
    machine_cores = figures.cores(figures.webhook_rounds, machine=True)
    if server_cores is None or machine_cores is None:
        cpu = "not known"
    else:
        cpu = (
            f"lms serve {server_cores:.2f} cores, the whole machine {machine_cores:.2f} of {os.cpu_count()} "
            f"(PostgreSQL and the client included); load average {figures.load_average:.1f}"
        )

    def cpu_ms(rounds: Sequence[Round]) -> str:
        value = figures.cpu_ms_per_request(rounds)
        return "-" if value is None else f"{value:.2f}"

    goal = "met" if rate >= GOAL_EVENTS_PER_S else "NOT met"
    effects = figures.burst_effects
    burst = "pass" if figures.burst_passed else "FAIL"
    cpus = os.cpu_count() or 1
    busy = (
        [f"warning: the machine was busy (load average {figures.load_average:.1f} on {cpus} CPUs): the figures are low"]
        if figures.load_average > cpus
        else []
    )
    return "\n".join(
        [
            "",
            f"Stripe webhook ingestion on PostgreSQL: lms serve (granian, 1 worker), {figures.concurrency} keep-alive "
            f"connections, {figures.events:,} events in 2 rounds over {figures.courses} courses, "
            f"bodies of {figures.body_bytes} bytes; {os.cpu_count()} CPUs",
            f"{'':34}{'per second':>12}{'p50 ms':>9}{'p99 ms':>9}{'server CPU ms/req':>19}",
            f"{'bare POST /echo (best round)':34}{bare:>12,.0f}{bare_p50:>9.2f}"
            f"{max(r.percentile_ms(0.99) for r in figures.bare_rounds):>9.2f}{cpu_ms(figures.bare_rounds):>19}",
            f"{'signed event -> enrolment':34}{rate:>12,.0f}{p50:>9.2f}{worst_p99:>9.2f}"
            f"{cpu_ms(figures.webhook_rounds):>19}",
            f"webhook / bare: {rate / bare:.1%}",
            f"CPU during the webhook rounds: {cpu}",
            f"goal >= {GOAL_EVENTS_PER_S:,.0f} events/s: {goal} ({rate:,.0f} events/s)",
            f"burst of {burst_size} identical deliveries: answers {dict(figures.burst_statuses)}, outcomes "
            f"{dict(figures.burst_outcomes)}; effects: {effects.succeeded_payments} payment succeeded, "
            f"{effects.payment_enrolments} enrolment, {effects.processed_events} provider event, "
            f"{effects.outbox_succeeded} payment.succeeded outbox row; exactly one effect, all 2xx: {burst}",
            *busy,
        ]
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.payments", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=4000, help="signed events measured (two rounds)")
    parser.add_argument("--courses", type=int, default=100, help="paid courses the purchases spread over")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections, one request each")
    parser.add_argument("--bare-requests", type=int, default=20000, help="requests per round on the bare app")
    parser.add_argument("--burst", type=int, default=50, help="concurrent deliveries of the one event")
    parser.add_argument("--postgres-url", default=os.environ.get("LMS_BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    args = parser.parse_args(argv)
    if args.events < 2 or args.courses < 1 or args.concurrency < 1 or args.burst < 2 or args.bare_requests < 1:
        parser.error("--events and --burst must be >= 2; --courses, --concurrency and --bare-requests >= 1")
    return args


async def run(args: argparse.Namespace) -> Figures:
    with tempfile.TemporaryDirectory(prefix="lms-bench-payments-") as work_dir:
        async with database("postgres", Path(work_dir), args.postgres_url) as url:
            return await measure(url, Path(work_dir), args)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        figures = asyncio.run(run(args))
    except HarnessError as exc:
        print(f"\nbench.payments could not run: {exc}", file=sys.stderr)
        return 2
    print(report(figures, args.burst))
    if not figures.burst_passed:
        print("the burst had more than one effect or a non-2xx answer", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
