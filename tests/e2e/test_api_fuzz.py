"""Property-based fuzzing of a real `lms serve` process against its own OpenAPI document, as every role.

Before fuzzing, each role's pass seeds its own world through the API (accounts for every role, a
published course with text, video and quiz lessons, a quiz with a question of every type, a draft
course, enrolments, attempts in progress and submitted, uploaded files, a completed enrolment with its
certificate) and the generated path parameters are mostly replaced by those real ids, so id-taking
operations reach their success paths, not only their 404s. Each pass signs in as one role: anonymous,
student, enrolled student, other instructor, owning instructor, admin.

Checks: no 5xx; status codes, content types, headers and bodies as documented; every 4xx/5xx an RFC 9457
problem; a secured operation that answers 2xx without credentials (`ignored_auth`); a deleted resource
still served (`use_after_free`); invalid data accepted (`negative_data_rejection`, with generation of
invalid data on). `LMS_FUZZ_PROFILE=fast` (the default, CI) sends a few examples per operation;
`LMS_FUZZ_PROFILE=deep` (`nox -s fuzz`) many, with the coverage phase's boundary cases too.

At the end the test prints, per role and operation, how many calls reached a 2xx, and asserts that every
operation was reached by at least one role. Operations that need a secret sent by e-mail get it from the
server's outbox (`tests/support/fuzz_mail.py`); re-sending a webhook delivery and the one-click unsubscribe
need what delivered events leave behind (`tests/support/fuzz_events.py`). Webhooks go only to a receiver
in this process; payments only to the local provider servers of this process, whose signed webhooks the
provider webhook operations are sent (`tests/support/fuzz_payments.py`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests.conftest import TEST_SECRET
from tests.e2e.servers import free_port, start, stop, wait_healthy
from tests.support.fuzz_events import DeliveredEvents, LocalReceiver, seed_delivered_events
from tests.support.fuzz_mail import Mailbox, mailed_case
from tests.support.fuzz_payments import seed_payments, seeded_webhook
from tests.support.fuzz_payments import server_env as payments_env
from tests.support.fuzz_targets import (
    KEEP_RANDOM_EVERY,
    Tally,
    profile,
    seeded_body,
    seeded_path_parameters,
    seeded_query,
)
from tests.support.fuzz_world import FuzzWorld, Role, seed_world
from tests.support.payments import Providers, running_providers

# Any operation of the OpenAPI schema: the checks below read only the request and response.
FuzzCase = schemathesis.Case[Any]

pytestmark = pytest.mark.slow

ADMIN_EMAIL = "fuzz-admin@example.com"
ADMIN_PASSWORD = "a long fuzzing admin passphrase"
PROBLEM_JSON = "application/problem+json"
DEEP = profile() == "deep"
MAX_EXAMPLES = 60 if DEEP else 6


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    admin_token: str
    mailbox: Mailbox
    # The server's settings, for opening its engine in this process (`fuzz_events`).
    env: dict[str, str]
    receiver: LocalReceiver
    providers: Providers


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    database = workdir / "fuzz.db"
    env = {
        "LMS_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "LMS_SECRET_KEY": TEST_SECRET,
        "LMS_PASSWORD_HASHING": "fast",
        # E-mail delivery is not under test here (test_served covers it), and the in-process outbox
        # worker would only compete with the fuzzed requests for the two CPUs and the SQLite write lock.
        # Without it the mails stay in the outbox, where `Mailbox` reads the tokens and codes they carry.
        "LMS_OUTBOX_WORKER": "false",
        "LMS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "LMS_MAIL_DIR": str(workdir / "mail"),
        # Every pass calls from 127.0.0.1: the per-address limits (tested on their own) would turn the
        # later roles' sign-ins into 429s and hide their success paths from the fuzzer.
        "LMS_AUTH_IP_LIMIT": "1000000",
        "LMS_AUTH_SIGN_IN_FREE_PER_ADDRESS": "1000000",
        "LMS_AUTH_SIGN_IN_FREE_PER_ACCOUNT": "1000000",
        # Webhook endpoints point at a receiver in this process, on a loopback address; with no worker the
        # server attempts no delivery itself, and a stray one would give up quickly.
        "LMS_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
        "LMS_WEBHOOK_TIMEOUT_SECONDS": "2",
    }
    providers_running = contextmanager(running_providers)()
    providers = providers_running.__enter__()
    # Payments go to the local servers that speak Stripe's, Paymob's and MyFatoorah's protocols.
    env.update(payments_env(providers))
    for args in (
        ["db", "upgrade"],
        ["users", "create-admin", "--email", ADMIN_EMAIL, "--full-name", "Fuzz Admin", "--password", ADMIN_PASSWORD],
    ):
        process = start(args, env, workdir)
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output
    with LocalReceiver() as receiver:
        server = start(["serve", "--port", str(port)], env, workdir)
        try:
            wait_healthy(server, port)
            base_url = f"http://127.0.0.1:{port}"
            login = httpx.post(
                f"{base_url}/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, timeout=10
            )
            assert login.status_code == 200, login.text
            yield LiveServer(
                base_url=base_url,
                admin_token=login.json()["access_token"],
                mailbox=Mailbox(database, TEST_SECRET),
                env=env,
                receiver=receiver,
                providers=providers,
            )
        finally:
            code, output = stop(server)
            providers_running.__exit__(None, None, None)
    assert code == 0, output
    assert "Traceback" not in output, output


TALLY = Tally()
# Valid cases seen per role and operation: which of them keep their random ids or body is decided by
# this count, so every operation gets seeded calls however many of its cases are generated invalid.
_valid_cases: defaultdict[tuple[Role, str], int] = defaultdict(int)
_new_accounts = count()


@pytest.fixture(params=list(Role), ids=[role.value for role in Role])
def role(request: pytest.FixtureRequest) -> Role:
    value: Role = request.param
    return value


@pytest.fixture(scope="module")
def delivered_events(live_server: LiveServer) -> DeliveredEvents:
    """Once per module: a webhook delivery and an unsubscribe token (shared: re-sending and unsubscribing
    again change nothing another pass relies on)."""
    world = seed_world(live_server.base_url, "events", live_server.admin_token, "127.0.0.31", live_server.receiver.url)
    return seed_delivered_events(world, live_server.env, live_server.mailbox, live_server.receiver)


@pytest.fixture
def world(live_server: LiveServer, role: Role, delivered_events: DeliveredEvents) -> FuzzWorld:
    # One loopback address per pass keeps each seeding's auth calls under the per-address rate limit.
    address = f"127.0.0.{10 + list(Role).index(role)}"
    seeded = seed_world(
        live_server.base_url, role.value.replace("_", ""), live_server.admin_token, address, live_server.receiver.url
    )
    seed_payments(seeded, live_server.providers, address)
    seeded.ids["delivered_webhook_endpoint"] = delivered_events.endpoint_id
    seeded.ids["webhook_delivery"] = delivered_events.delivery_id
    seeded.bodies["unsubscribe_token"] = delivered_events.unsubscribe_token
    return seeded


@pytest.fixture(scope="module")
def api_schema(live_server: LiveServer) -> schemathesis.BaseSchema:
    phases: dict[str, Any] = {"coverage": {"enabled": DEEP}, "stateful": {"enabled": False}}
    # schemathesis's refusals of invalid data, and 413: a body over the server's limit is never read.
    rejections = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
    config = schemathesis.Config.from_dict(
        {
            "phases": phases,
            "generation": {"mode": "all"},
            "checks": {"negative_data_rejection": {"expected-statuses": rejections}},
        }
    )
    return schemathesis.openapi.from_url(f"{live_server.base_url}/schema/openapi.json", config=config, timeout=10)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _schemathesis_node_id(request: pytest.FixtureRequest) -> None:
    """Schemathesis 4.32 renames `node._nodeid` per operation; pytest 9.2 keeps the id elsewhere."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def errors_are_problem_json(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: FuzzCase
) -> bool | None:
    """Every 4xx/5xx is an RFC 9457 problem whose `status` repeats the HTTP status."""
    if response.status_code < 400:
        return None
    content_type = ";".join(response.headers.get("content-type", [""])).split(";")[0].strip()
    assert content_type == PROBLEM_JSON, (
        f"{response.status_code} answered with Content-Type {content_type!r}, not {PROBLEM_JSON}: {response.text}"
    )
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"{response.status_code} problem body is not JSON: {response.text!r}") from exc
    assert isinstance(body, dict), f"problem body is not an object: {body!r}"
    assert body.get("status") == response.status_code, f"problem status {body.get('status')!r} != HTTP status"
    for member in ("title", "detail", "code"):
        assert isinstance(body.get(member), str) and body[member], f"problem has no {member!r}: {body!r}"
    return None


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.ignored_auth,
    checks.use_after_free,
    checks.negative_data_rejection,
    errors_are_problem_json,
]


def aim_at_seeded_objects(case: FuzzCase, role: Role, world: FuzzWorld, mailbox: Mailbox) -> str | None:
    """Replace generated ids (and, for some operations, the body) with seeded ones, on valid cases only:
    a case generated invalid on purpose must stay invalid, or `negative_data_rejection` would blame the
    server for accepting what is now a valid request. Answers the bearer token the call must carry when
    its body belongs to an account other than the role's (None: the role's own)."""
    if _generated_invalid(case):
        return None
    label = case.operation.label
    turn = _valid_cases[(role, label)]
    _valid_cases[(role, label)] += 1
    if case.path_parameters and turn % KEEP_RANDOM_EVERY != KEEP_RANDOM_EVERY - 1:
        seeded = seeded_path_parameters(label, list(case.path_parameters), world)
        case.path_parameters = {**case.path_parameters, **seeded}
    # The fast profile makes few calls: each valid one carries the seeded body, so that every operation
    # reaches its success path; the deep profile leaves every other valid call to the generator.
    if DEEP and turn % 2 == 1:
        return None
    account = next(_new_accounts)
    mailed = mailed_case(label, role, world.base_url, mailbox, f"mailed-{world.tag}-{account}@example.com")
    if mailed is not None:
        case.body = mailed.body
        return mailed.token
    body = seeded_body(label, role, world, account)
    if body is not None:
        case.body = body
    query = seeded_query(label, world)
    if query is not None:
        case.query = {**(case.query or {}), **query}
    return None


def _credentials(case: FuzzCase, role: Role, world: FuzzWorld, token: str | None) -> dict[str, str]:
    # Logging out revokes the token it is sent with: it gets its own session, so the pass goes on.
    purpose = "logout" if case.operation.path == "/api/v1/auth/logout" else "main"
    token = token or world.token(role, purpose)
    return {"Authorization": f"Bearer {token}"} if token else {}


GENERATE_CERTIFICATE = "/api/v1/certificates/enrollments/{enrollment_id}/generate"


@schema.parametrize()
# Listed here so that pytest parametrizes the test by role: schemathesis requests fixtures lazily.
@pytest.mark.usefixtures("role", "world")
# The fast profile (CI) is derandomized: with few examples a random draw can miss an operation's valid
# cases, and CI must not pass or fail by chance. The deep profile draws afresh every run.
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=not DEEP)
def test_fuzzing_as_each_role_gets_documented_answers(
    case: FuzzCase, role: Role, world: FuzzWorld, live_server: LiveServer
) -> None:
    token = aim_at_seeded_objects(case, role, world, live_server.mailbox)
    signed = None if _generated_invalid(case) else seeded_webhook(case.operation.label, world)
    if signed is not None:
        # A provider's webhook: the raw body, headers and query exactly as the provider signed them.
        body, headers, query = signed
        response = case.call(base_url=world.base_url, headers=headers, params=query, data=body, timeout=30)
    else:
        response = case.call(base_url=world.base_url, headers=_credentials(case, role, world, token), timeout=30)
    TALLY.record(role, case.operation.label, response.status_code)
    applied = CHECKS
    if _vanishes_on_the_wire(case):
        applied = [check for check in CHECKS if check is not checks.negative_data_rejection]
    case.validate_response(response, checks=applied)


def _generated_invalid(case: FuzzCase) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_negative


def _vanishes_on_the_wire(case: FuzzCase) -> bool:
    """A multipart form field given as an empty array is sent as no field at all: the invalid request
    schemathesis meant is, on the wire, a valid one, so refusing it would be wrong."""
    body = case.body
    return case.media_type == "multipart/form-data" and isinstance(body, dict) and any(v == [] for v in body.values())


def test_generating_a_certificate_again_answers_a_documented_status(live_server: LiveServer) -> None:
    world = seed_world(live_server.base_url, "again", live_server.admin_token, "127.0.0.30", live_server.receiver.url)
    url = f"{live_server.base_url}{GENERATE_CERTIFICATE}".format(enrollment_id=world.ids["completed_enrollment"])
    again = httpx.post(url, headers={"Authorization": f"Bearer {world.token(Role.OWNER)}"}, timeout=30)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == world.ids["certificate"]
    document = httpx.get(f"{live_server.base_url}/schema/openapi.json", timeout=10).json()
    documented = document["paths"][GENERATE_CERTIFICATE]["post"]["responses"]
    assert str(again.status_code) in documented, f"{again.status_code} not in {sorted(documented)}"


def test_every_operation_reached_a_success(live_server: LiveServer) -> None:
    """A fuzzer that only meets 404s proves nothing: each operation must have succeeded for some role."""
    if not TALLY.calls:
        pytest.skip("the fuzzing test did not run")
    print("\n" + TALLY.table())
    never = [label for label in TALLY.operations() if not any(TALLY.successes[(r.value, label)] for r in Role)]
    seen = {label: {role.value: sorted(TALLY.statuses[(role.value, label)]) for role in Role} for label in never}
    assert not never, f"operations no role brought to a 2xx (statuses by role): {seen}"
    me = httpx.get(f"{live_server.base_url}/api/v1/auth/me", timeout=10)
    assert me.status_code == 401, me.text
