"""`python -m bench`: `GET /api/v1/auth/me` on the real `lms serve` against a bare Litestar endpoint.

Both servers run at once, each a single worker of the same ASGI server; the load comes from a separate
process (wrk if it is on PATH, else `bench.loadgen`). Rounds alternate between the two targets
(bare, me, me, bare, ...) so that drift on the machine falls on both alike. The best round of each is
reported, and the ratio of the two is the figure that matters: the goal is auth/me at 50% or more of
the bare endpoint's throughput.

The exit code is non-zero only when the benchmark could not be run or its answers were wrong
(a non-200 response, a dropped connection); missing the goal is printed, not failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.loaders import LoaderKind, LoadResult, choose_loader, run_load
from bench.servers import (
    PROJECT_ROOT,
    HarnessError,
    ServerKind,
    ServerProcess,
    bare_command,
    check_server_installed,
    free_port,
    http_request,
    lms_environment,
    lms_serve_command,
    migrate,
    start_server,
    wait_until_ready,
)

GOAL = 0.50
RESULTS_DIR = Path(__file__).resolve().parent / "results"
BARE = "bare /hello"
ME = "GET /auth/me"
# Access tokens live 15 minutes; a round that would outlive the token first gets a fresh one.
TOKEN_MARGIN_S = 60.0


class Session:
    """The benchmark user: registered once, its access token refreshed when a round could outlive it."""

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url
        self.access_token = ""
        self._refresh_token = ""
        self._expires_at = 0.0

    def register(self) -> None:
        status, body = http_request(
            "POST",
            f"{self._base_url}/api/v1/auth/register",
            json_body={"email": "bench@example.com", "password": "bench-password-0001", "full_name": "Bench User"},
        )
        if status != 201:
            raise HarnessError(f"POST /api/v1/auth/register answered {status}: {body}")
        self._take(body)

    def ensure_valid_for(self, seconds: float) -> None:
        if time.monotonic() + seconds + TOKEN_MARGIN_S < self._expires_at:
            return
        status, body = http_request(
            "POST", f"{self._base_url}/api/v1/auth/refresh", json_body={"refresh_token": self._refresh_token}
        )
        if status != 200:
            raise HarnessError(f"POST /api/v1/auth/refresh answered {status}: {body}")
        self._take(body)

    def check_me(self) -> None:
        status, body = http_request("GET", f"{self._base_url}/api/v1/auth/me", headers=self.headers())
        if status != 200 or not isinstance(body, dict) or body.get("email") != "bench@example.com":
            raise HarnessError(f"GET /api/v1/auth/me with the token answered {status}: {body}")

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def _take(self, body: Any) -> None:
        try:
            self.access_token = str(body["access_token"])
            self._refresh_token = str(body["refresh_token"])
            self._expires_at = time.monotonic() + float(body["expires_in"])
        except (KeyError, TypeError, ValueError) as exc:
            raise HarnessError(f"no tokens in the answer: {body}") from exc


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per round and target")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured load before each round")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per target, alternating between targets")
    parser.add_argument(
        "--server",
        choices=["granian", "uvicorn"],
        default="granian",
        help="ASGI server behind both apps (`lms serve` is granian; uvicorn serves the same factory)",
    )
    parser.add_argument("--loader", choices=["auto", "wrk", "python"], default="auto", help="auto: wrk if on PATH")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "latest.json", help="where to write JSON")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.duration > 600:
        parser.error("--duration must be in (0, 600] seconds")
    if args.warmup < 0 or args.connections < 1 or args.rounds < 1:
        parser.error("--warmup must be >= 0, --connections and --rounds >= 1")
    return args


def measure(
    args: argparse.Namespace, loader: LoaderKind, bare: ServerProcess, lms: ServerProcess, session: Session
) -> dict[str, list[tuple[LoadResult, float | None]]]:
    """Alternate the targets over the rounds; each result goes with the server's CPU share (cores)."""
    rounds: dict[str, list[tuple[LoadResult, float | None]]] = {BARE: [], ME: []}
    for number in range(args.rounds):
        order = [BARE, ME] if number % 2 == 0 else [ME, BARE]
        for target in order:
            if target == ME:
                session.ensure_valid_for(args.duration + args.warmup)
                session.check_me()
                server, url = lms, f"{lms.base_url}/api/v1/auth/me"
                headers = [f"{name}: {value}" for name, value in session.headers().items()]
            else:
                server, url, headers = bare, f"{bare.base_url}/hello", []
            print(f"  round {number + 1}/{args.rounds}: {target} ...", end="", flush=True)
            cpu_before, started = server.cpu_seconds(), time.monotonic()
            result = run_load(
                loader, url, headers, connections=args.connections, duration=args.duration, warmup=args.warmup
            )
            cpu_after, elapsed = server.cpu_seconds(), time.monotonic() - started
            server_cpu = (
                (cpu_after - cpu_before) / elapsed if cpu_before is not None and cpu_after is not None else None
            )
            if server.process.poll() is not None:
                raise HarnessError(f"{server.name} died during the round:\n{server.log_tail()}")
            print(f" {result.rps:,.0f} req/s")
            rounds[target].append((result, server_cpu))
    return rounds


def best(results: list[tuple[LoadResult, float | None]]) -> tuple[LoadResult, float | None]:
    return max(results, key=lambda pair: pair[0].rps)


def median_rps(results: list[tuple[LoadResult, float | None]]) -> float:
    values = sorted(result.rps for result, _ in results)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def share(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def report(
    args: argparse.Namespace, loader: LoaderKind, rounds: dict[str, list[tuple[LoadResult, float | None]]]
) -> dict[str, Any]:
    bare_best, bare_cpu = best(rounds[BARE])
    me_best, me_cpu = best(rounds[ME])
    ratio = me_best.rps / bare_best.rps if bare_best.rps else 0.0
    median_ratio = median_rps(rounds[ME]) / median_rps(rounds[BARE]) if median_rps(rounds[BARE]) else 0.0

    header = (
        f"{'endpoint':<16} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7} "
        f"{'server CPU':>11} {'client CPU':>11}"
    )
    print()
    print(
        f"{args.server}, 1 worker; {args.connections} connections; loader: {loader}; "
        f"best of {args.rounds} round(s) of {args.duration:g} s; {os.cpu_count()} CPUs"
    )
    print(header)
    print("-" * len(header))
    for name, (result, server_cpu) in ((BARE, (bare_best, bare_cpu)), (ME, (me_best, me_cpu))):
        print(
            f"{name:<16} {result.rps:>10,.0f} {result.p50_ms:>9.2f} {result.p99_ms:>9.2f} {result.errors:>7} "
            f"{share(server_cpu):>11} {share(result.client_cpu):>11}"
        )
    print("-" * len(header))
    print("CPU: cores used over the round (server: all its processes; client: the load generator)")
    print(f"auth/me / bare: {ratio:.1%} (best rounds); {median_ratio:.1%} (median rounds); goal >= {GOAL:.0%}")
    goal_met = ratio >= GOAL
    print("goal met" if goal_met else "goal NOT met")
    if loader == "python" and max(bare_best.client_cpu or 0.0, me_best.client_cpu or 0.0) > 0.9:
        print("note: the Python load generator used over 90% of a core; the bare figure may be the client's limit")

    def entry(result: LoadResult, server_cpu: float | None) -> dict[str, Any]:
        data = asdict(result)
        data["server_cpu"] = server_cpu
        return data

    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {
            "server": args.server,
            "workers": 1,
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "loader": loader,
        },
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "bare": {"best": entry(bare_best, bare_cpu), "rounds": [entry(*pair) for pair in rounds[BARE]]},
        "auth_me": {"best": entry(me_best, me_cpu), "rounds": [entry(*pair) for pair in rounds[ME]]},
        "ratio": round(ratio, 4),
        "median_ratio": round(median_ratio, 4),
        "goal": GOAL,
        "goal_met": goal_met,
    }


def run(args: argparse.Namespace) -> int:
    server_kind: ServerKind = args.server
    check_server_installed(server_kind)
    loader = choose_loader(args.loader)
    servers: list[ServerProcess] = []
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp:
        work_dir = Path(tmp)
        try:
            env = lms_environment(work_dir)
            print("migrating a throwaway database (lms db upgrade) ...")
            migrate(env, work_dir)

            bare_port, lms_port = free_port(), free_port()
            bare_env = {
                **os.environ,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
            }
            bare = start_server(
                "bare", bare_command(server_kind, bare_port), env=bare_env, port=bare_port, log_dir=work_dir
            )
            servers.append(bare)
            lms = start_server(
                "lms", lms_serve_command(server_kind, lms_port), env=env, port=lms_port, log_dir=work_dir
            )
            servers.append(lms)
            what = "lms serve" if server_kind == "granian" else "uvicorn lms_http.asgi:app"
            print(f"starting the bare app (port {bare_port}) and {what} (port {lms_port}) on {server_kind} ...")
            wait_until_ready(bare, "/hello")
            wait_until_ready(lms, "/health")

            session = Session(lms.base_url)
            session.register()
            session.check_me()

            rounds = measure(args, loader, bare, lms, session)
            results = report(args, loader, rounds)
        finally:
            for server in servers:
                server.stop()

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results written to {args.output}")

    errors = [(name, result) for name in (BARE, ME) for result, _ in rounds[name] if result.errors]
    if errors:
        for name, result in errors:
            print(
                f"error: {name}: {result.non_200} non-200 responses, {result.connection_errors} connection errors "
                f"{result.details.get('statuses', '')} {result.details.get('error_samples', '')}",
                file=sys.stderr,
            )
        print("the measurement is not valid: every response must be a 200", file=sys.stderr)
        return 1
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
