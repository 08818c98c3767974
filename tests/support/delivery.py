"""Real services for the event delivery tests: a Redis server of a test's own (to stop and start), an SMTP
server that counts what it accepted and can hold messages, and `lms worker` processes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.support.cli import process_env
from tests.support.network import free_port
from tests.support.waiting import wait_until


class RedisServer:
    """A `redis-server` on its own port, without persistence; `stop` and `start` it to take a broker down."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self._workdir = workdir
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self._process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self._workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, within=15, what=f"redis-server to listen on port {self.port}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=15)
            self._process = None

    def _answers(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextmanager
def redis_server(workdir: Path, *, started: bool = True) -> Iterator[RedisServer]:
    server = RedisServer(free_port(), workdir)
    if started:
        server.start()
    try:
        yield server
    finally:
        server.stop()


class CountingSmtp:
    """An aiosmtpd handler that keeps every message it accepted. While `holding`, a message past the
    `accept_first` ones waits (the client sees a slow server) and is then refused with 451, never kept."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.accept_first: int | None = None
        self.held = 0
        self._release = threading.Event()
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        with self._lock:
            if self.accept_first is None or len(self.messages) < self.accept_first:
                self.messages.append(message_from_bytes(envelope.content))
                return "250 OK"
            self.held += 1
        await asyncio.to_thread(self._release.wait)
        return "451 4.3.0 held by the test; try again later"

    def release(self) -> None:
        self._release.set()

    def recipients(self) -> Counter[str]:
        return Counter(str(message["To"]) for message in self.messages)

    def subjects(self) -> Counter[tuple[str, str]]:
        return Counter((str(message["To"]), str(message["Subject"])) for message in self.messages)


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[CountingSmtp, int]]:
    handler = CountingSmtp()
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        handler.release()
        controller.stop()


class Worker:
    """A real `lms worker` process (`python -m lms_cli worker`) whose only `LMS_*` variables are `env`'s; its
    output is read as it comes (so a full pipe never blocks it)."""

    def __init__(self, env: dict[str, str], cwd: Path, *, concurrency: int = 4) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lms_cli", "worker", "--concurrency", str(concurrency)],
            env=process_env(env),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    # Generous: on a loaded machine (the suite's parallel workers and more) a worker's imports alone can
    # take half a minute; a worker that fails to start exits, and that is reported at once.
    def wait_ready(self, *, within: float = 90) -> None:
        """Until the worker says it is ready (it prints that once its broker is started)."""

        def ready() -> bool:
            if self.process.poll() is not None:
                self._reader.join(timeout=5)
                raise AssertionError(f"lms worker exited early with {self.process.returncode}:\n{self.output}")
            return "lms worker ready" in self.output

        wait_until(ready, within=within, what="lms worker to be ready")

    def kill(self) -> None:
        """SIGKILL: no clean-up, no acknowledgement, as when a machine dies."""
        self.process.kill()
        self.process.wait(timeout=15)
        self._reader.join(timeout=5)

    def stop(self, *, timeout: float = 30) -> int:
        """SIGTERM, as a process manager would; the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"lms worker ignored SIGTERM:\n{self.output}") from None
        self._reader.join(timeout=5)
        return self.process.returncode


@contextmanager
def worker(env: dict[str, str], cwd: Path, *, concurrency: int = 4) -> Iterator[Worker]:
    running = Worker(env, cwd, concurrency=concurrency)
    try:
        running.wait_ready()
        yield running
    finally:
        if running.process.poll() is None:
            running.kill()
