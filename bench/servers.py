"""Server processes for the benchmark: the bare floor app and the real `lms serve`, on granian or uvicorn."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
ServerKind = Literal["granian", "uvicorn"]


class HarnessError(Exception):
    """The benchmark could not be run (a server did not start, a request failed): exit non-zero."""


def free_port() -> int:
    """A port that was free a moment ago: bind to port 0 and let the kernel choose."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """A server started as a subprocess, its output going to a log file."""

    name: str
    command: list[str]
    port: int
    log_path: Path
    process: subprocess.Popen[bytes]
    log_file: IO[bytes]

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        self.log_file.flush()
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Terminate (SIGTERM lets granian stop its workers), then kill if it does not exit in time."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log_file.close()

    def cpu_seconds(self) -> float | None:
        """CPU time used so far by the server and its worker processes (Linux /proc), or None."""
        return _tree_cpu_seconds(self.process.pid)


def start_server(name: str, command: list[str], *, env: dict[str, str], port: int, log_dir: Path) -> ServerProcess:
    log_path = log_dir / f"{name}.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    return ServerProcess(name, command, port, log_path, process, log_file)


def wait_until_ready(server: ServerProcess, path: str, *, timeout: float = 60.0) -> None:
    """Poll `path` until it answers 200; fail early if the process dies."""
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise HarnessError(
                f"{server.name} exited with code {server.process.returncode} before it was ready "
                f"({' '.join(server.command)}):\n{server.log_tail()}"
            )
        try:
            status, _ = http_request("GET", server.base_url + path, timeout=2.0)
        except (OSError, urllib.error.URLError) as exc:
            last_error = repr(exc)
        else:
            if status == 200:
                return
            last_error = f"status {status}"
        time.sleep(0.1)
    raise HarnessError(f"{server.name} was not ready after {timeout:.0f} s ({last_error}):\n{server.log_tail()}")


def http_request(
    method: str,
    url: str,
    *,
    json_body: object | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, Any]:
    """One request with the standard library (the harness needs no HTTP client package)."""
    data = None if json_body is None else json.dumps(json_body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        body = exc.read()
        status = exc.code
    try:
        parsed: Any = json.loads(body) if body else None
    except ValueError:
        parsed = body.decode(errors="replace")
    return status, parsed


# -- commands --------------------------------------------------------------------------------------


def lms_command() -> list[str]:
    """The `lms` console script of this interpreter's environment, or an equivalent `python -c`."""
    script = Path(sys.executable).parent / "lms"
    if script.exists():
        return [str(script)]
    found = shutil.which("lms")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from lms_cli.main import cli; sys.exit(cli())"]


def bare_command(kind: ServerKind, port: int) -> list[str]:
    target = "bench.bare_app:create_app"
    if kind == "granian":
        # The same options as `lms serve` (lms_cli/serve.py): ASGI, one worker, an app factory.
        return [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            "1",
            "--factory",
            "--no-access-log",
            target,
        ]
    return uvicorn_command(target, port)


def lms_serve_command(kind: ServerKind, port: int) -> list[str]:
    if kind == "granian":
        return [*lms_command(), "serve", "--host", HOST, "--port", str(port), "--workers", "1"]
    # `lms serve` is granian only; uvicorn serves the same ASGI factory for comparison.
    return uvicorn_command("lms_http.asgi:app", port)


def uvicorn_command(factory: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        HOST,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def check_server_installed(kind: ServerKind) -> None:
    import importlib.util

    if importlib.util.find_spec(kind) is None:
        raise HarnessError(f"--server {kind}: the {kind!r} package is not installed in {sys.prefix}")


def database_path(work_dir: Path) -> Path:
    """The throwaway engine's SQLite file."""
    return work_dir / "bench.db"


def lms_environment(work_dir: Path) -> dict[str, str]:
    """A throwaway engine: its own SQLite file and mail folder, a random secret, no outbox worker."""
    env = dict(os.environ)
    env.update(
        {
            "LMS_DATABASE_URL": f"sqlite+aiosqlite:///{database_path(work_dir)}",
            "LMS_SECRET_KEY": secrets.token_urlsafe(48),
            "LMS_MAIL_DIR": str(work_dir / "mail"),
            "LMS_OUTBOX_WORKER": "false",
            "LMS_LOG_LEVEL": "WARNING",
        }
    )
    return env


def migrate(env: dict[str, str], log_dir: Path) -> None:
    """`lms db upgrade` on the throwaway database."""
    command = [*lms_command(), "db", "upgrade"]
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    (log_dir / "db-upgrade.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise HarnessError(f"`lms db upgrade` failed with code {result.returncode}:\n{result.stdout}{result.stderr}")


# -- CPU accounting --------------------------------------------------------------------------------


def machine_busy_seconds() -> float | None:
    """CPU time all processes of the machine have used so far, summed over CPUs (Linux /proc/stat), or None.

    Busy is everything but idle and iowait; steal (time the hypervisor gave to others) counts as busy,
    since it is CPU the benchmark did not get either.
    """
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
        if fields[0] != "cpu":
            return None
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[1:9])
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _tree_cpu_seconds(pid: int) -> float | None:
    try:
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for each in _tree_pids(pid):
            stat = Path(f"/proc/{each}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            # utime and stime are fields 14 and 15 of /proc/PID/stat (11 and 12 after the command).
            total += int(fields[11]) + int(fields[12])
        return total / ticks
    except (OSError, ValueError, IndexError):
        return None


def _tree_pids(pid: int) -> list[int]:
    pids = [pid]
    at = 0
    while at < len(pids):
        current = pids[at]
        at += 1
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pids.extend(int(child) for child in children)
        except OSError:
            continue
    return pids
