"""Load generators, each run as a process of its own: wrk when it is on PATH, else `bench.loadgen`.

Both give the same result shape: requests/s, non-200 count, connection errors and latency percentiles.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bench.servers import PROJECT_ROOT, HarnessError

LoaderKind = Literal["wrk", "python"]


@dataclass
class LoadResult:
    rps: float
    requests: int
    non_200: int
    connection_errors: int
    p50_ms: float
    p99_ms: float
    duration_s: float
    client_cpu: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return self.non_200 + self.connection_errors


def choose_loader(requested: str) -> LoaderKind:
    if requested == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if requested == "wrk" and not shutil.which("wrk"):
        raise HarnessError("--loader wrk: wrk is not on PATH")
    return "wrk" if requested == "wrk" else "python"


def run_load(
    loader: LoaderKind, url: str, headers: Sequence[str], *, connections: int, duration: float, warmup: float
) -> LoadResult:
    if loader == "wrk":
        return _run_wrk(url, headers, connections=connections, duration=duration, warmup=warmup)
    return _run_python(url, headers, connections=connections, duration=duration, warmup=warmup)


# -- the Python load generator ---------------------------------------------------------------------


def _run_python(url: str, headers: Sequence[str], *, connections: int, duration: float, warmup: float) -> LoadResult:
    command = [
        sys.executable,
        "-m",
        "bench.loadgen",
        "--url",
        url,
        "--connections",
        str(connections),
        "--duration",
        str(duration),
        "--warmup",
        str(warmup),
    ]
    for header in headers:
        command += ["--header", header]
    try:
        result = subprocess.run(
            command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=duration + warmup + 60, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise HarnessError(f"the load generator did not finish in time: {exc.stderr!r}") from exc
    if result.returncode != 0:
        raise HarnessError(f"the load generator failed with code {result.returncode}:\n{result.stderr}")
    try:
        data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError) as exc:
        raise HarnessError(f"the load generator printed no JSON result:\n{result.stdout}\n{result.stderr}") from exc
    return LoadResult(
        rps=float(data["rps"]),
        requests=int(data["requests"]),
        non_200=int(data["non_200"]),
        connection_errors=int(data["connection_errors"]),
        p50_ms=float(data["latency_ms"]["p50"]),
        p99_ms=float(data["latency_ms"]["p99"]),
        duration_s=float(data["duration_s"]),
        client_cpu=float(data["client_cpu"]),
        details=data,
    )


# -- wrk -------------------------------------------------------------------------------------------

_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _run_wrk(url: str, headers: Sequence[str], *, connections: int, duration: float, warmup: float) -> LoadResult:
    threads = str(min(2, connections))
    header_args = [arg for header in headers for arg in ("-H", header)]
    base = ["wrk", "-t", threads, "-c", str(connections), *header_args]
    if warmup > 0:
        try:
            subprocess.run(
                [*base, "-d", f"{max(1, round(warmup))}s", url], capture_output=True, timeout=warmup + 60, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise HarnessError("wrk (warm-up) did not finish in time") from exc
    try:
        result = subprocess.run(
            [*base, "-d", f"{max(1, round(duration))}s", "--latency", url],
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise HarnessError("wrk did not finish in time") from exc
    if result.returncode != 0:
        raise HarnessError(f"wrk failed with code {result.returncode}:\n{result.stdout}{result.stderr}")
    return parse_wrk(result.stdout)


def parse_wrk(output: str) -> LoadResult:
    """Requests/s, latency percentiles and errors from `wrk --latency` output."""

    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        if match is None:
            raise HarnessError(f"no {percent}% latency in the wrk output:\n{output}")
        return float(match.group(1)) * _UNITS_MS[match.group(2)]

    rps_match = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total_match = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", output, re.MULTILINE)
    if rps_match is None or total_match is None:
        raise HarnessError(f"unexpected wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return LoadResult(
        rps=float(rps_match.group(1)),
        requests=int(total_match.group(1)),
        non_200=int(non_2xx.group(1)) if non_2xx else 0,
        connection_errors=sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        duration_s=float(total_match.group(2)) * _UNITS_MS[total_match.group(3)] / 1e3,
        details={"wrk_output": output},
    )
