"""A lean HTTP/1.1 load generator, run as its own process: `python -m bench.loadgen --url URL ...`.

Closed loop: each of N keep-alive connections sends one request, reads the whole response, then sends
the next, for a fixed time. Latency is taken per request with `time.perf_counter_ns`. The result is
one JSON object on stdout.

With several URLs (`--url-file`, one a line, all on the same host and port), the connections take them
in turn from one shared cycle, so that every URL is asked for once before any is asked for again.

It is written to cost as little as possible per request, so that the server is the bottleneck: the
request bytes are encoded once, responses are parsed in an `asyncio.Protocol` callback (no
`StreamReader`, no task switch per request), and uvloop is used when it is installed. The client's
own CPU share is reported too: near 100% means the figure is the client's, not the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

HEADER_END = b"\r\n\r\n"
CHUNKED_END = b"0\r\n\r\n"


@dataclass
class Tally:
    """What every connection records; shared by all connections of the process (one thread)."""

    measuring_from_ns: int
    stop_at_ns: int
    latencies_ns: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warmup_requests: int = 0
    # The requests to cycle through when there is more than one; `sent` counts every request sent.
    cycle: Sequence[bytes] = ()
    sent: int = 0
    # The first measured response, whole, so that a run can be checked for what it really fetched.
    sample: bytes = b""


class HttpConnection(asyncio.Protocol):
    """One keep-alive connection that sends `request` again as soon as each response is complete."""

    def __init__(self, request: bytes, tally: Tally, finished: asyncio.Future[None]) -> None:
        self._request = request
        self._tally = tally
        self._finished = finished
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._sent_ns = 0
        # Parsing state of the response being read: -1 = headers not complete yet.
        self._body_start = -1
        self._content_length = -1
        self._chunked = False
        self._status = 0
        self._closes = False

    # -- asyncio.Protocol ------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, but they have its methods.
        self._transport = cast("asyncio.Transport", transport)
        self._send()

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while True:
            if self._body_start < 0 and not self._parse_head():
                return
            end = self._response_end()
            if end < 0:
                return
            self._complete(time.perf_counter_ns())
            if not self._tally.sample and self._tally.latencies_ns:
                self._tally.sample = bytes(buffer[:end])
            del buffer[:end]
            self._body_start = -1
            if self._finished.done():
                return
            if self._closes:
                self._close_and_finish("the server closed the connection (Connection: close)")
                return
            if not buffer:
                return

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._finished.done():
            self._tally.errors.append(f"connection lost: {exc!r}")
            self._finished.set_result(None)

    # -- internals -------------------------------------------------------------------------------
    def _send(self) -> None:
        assert self._transport is not None
        tally = self._tally
        request = tally.cycle[tally.sent % len(tally.cycle)] if tally.cycle else self._request
        tally.sent += 1
        self._sent_ns = time.perf_counter_ns()
        self._transport.write(request)

    def _parse_head(self) -> bool:
        buffer = self._buffer
        head_end = buffer.find(HEADER_END)
        if head_end < 0:
            return False
        # "HTTP/1.1 200 OK"
        self._status = int(buffer[9:12])
        self._content_length = -1
        self._chunked = False
        self._closes = False
        head = bytes(buffer[:head_end]).lower()
        at = head.find(b"\r\ncontent-length:")
        if at >= 0:
            line_end = head.find(b"\r\n", at + 2)
            self._content_length = int(head[at + 17 : line_end if line_end >= 0 else len(head)])
        elif b"\r\ntransfer-encoding:" in head and b"chunked" in head:
            self._chunked = True
        self._closes = b"\r\nconnection: close" in head
        self._body_start = head_end + 4
        return True

    def _response_end(self) -> int:
        """Index just past the response in the buffer, or -1 while it is incomplete."""
        if self._chunked:
            return self._chunked_end()
        if self._content_length < 0:
            # Neither length nor chunking: only a status without a body (e.g. 204/304) is supported.
            return self._body_start
        end = self._body_start + self._content_length
        return end if len(self._buffer) >= end else -1

    def _chunked_end(self) -> int:
        buffer = self._buffer
        at = self._body_start
        while True:
            size_end = buffer.find(b"\r\n", at)
            if size_end < 0:
                return -1
            size = int(bytes(buffer[at:size_end]).split(b";", 1)[0], 16)
            if size == 0:
                # No trailers are expected: the last chunk is followed by an empty line.
                trailer_end = buffer.find(b"\r\n", size_end + 2)
                return trailer_end + 2 if trailer_end >= 0 else -1
            at = size_end + 2 + size + 2
            if len(buffer) < at:
                return -1

    def _complete(self, now_ns: int) -> None:
        tally = self._tally
        if now_ns >= tally.stop_at_ns:
            if not self._finished.done():
                self._finished.set_result(None)
            if self._transport is not None:
                self._transport.close()
            return
        if self._sent_ns >= tally.measuring_from_ns:
            tally.latencies_ns.append(now_ns - self._sent_ns)
            tally.statuses[self._status] = tally.statuses.get(self._status, 0) + 1
        else:
            tally.warmup_requests += 1
        if not self._closes:
            self._send()

    def _close_and_finish(self, reason: str) -> None:
        self._tally.errors.append(reason)
        if self._transport is not None:
            self._transport.close()
        if not self._finished.done():
            self._finished.set_result(None)


def percentile(sorted_values: Sequence[int], share: float) -> int:
    """Nearest-rank percentile of already sorted values (0 when there are none)."""
    if not sorted_values:
        return 0
    rank = max(1, round(share * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def build_request(host: str, port: int, target: str, headers: Sequence[str]) -> bytes:
    lines = [f"GET {target} HTTP/1.1", f"Host: {host}:{port}", "Accept: */*", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def split_url(url: str) -> tuple[str, int, str]:
    """Host, port and request target of an http://host:port/path?query URL."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or not parts.port:
        raise SystemExit(f"only http://host:port/path URLs are supported, not {url!r}")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return parts.hostname, parts.port, target


async def run_load(
    urls: Sequence[str], headers: Sequence[str], connections: int, duration: float, warmup: float
) -> dict[str, object]:
    if not urls:
        raise SystemExit("no URL to load")
    targets = [split_url(url) for url in urls]
    host, port, _ = targets[0]
    if any((each_host, each_port) != (host, port) for each_host, each_port, _ in targets):
        raise SystemExit("all URLs must be on the same host and port")
    encoded = [build_request(host, port, target, headers) for _, _, target in targets]
    request = encoded[0]

    loop = asyncio.get_running_loop()
    started_ns = time.perf_counter_ns()
    measuring_from_ns = started_ns + int(warmup * 1e9)
    tally = Tally(
        measuring_from_ns=measuring_from_ns,
        stop_at_ns=measuring_from_ns + int(duration * 1e9),
        cycle=encoded if len(encoded) > 1 else (),
    )

    async def one_connection() -> None:
        # A connection the server drops (an error) is opened again until the time is up.
        while time.perf_counter_ns() < tally.stop_at_ns:
            finished: asyncio.Future[None] = loop.create_future()
            try:
                transport, _ = await loop.create_connection(
                    lambda: HttpConnection(request, tally, finished),  # noqa: B023 (used at once)
                    host,
                    port,
                )
            except OSError as exc:
                tally.errors.append(f"connect failed: {exc!r}")
                await asyncio.sleep(0.05)
                continue
            try:
                # A protocol callback that raised would leave `finished` pending: do not wait for ever.
                remaining_s = (tally.stop_at_ns - time.perf_counter_ns()) / 1e9
                await asyncio.wait_for(finished, timeout=max(0.0, remaining_s) + 10.0)
            except TimeoutError:
                tally.errors.append("no response before the end of the run")
            finally:
                transport.close()
            if time.perf_counter_ns() < tally.stop_at_ns:
                # The connection ended early (an error, recorded): pause a little before the next one.
                await asyncio.sleep(0.01)

    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.gather(*(one_connection() for _ in range(connections)))
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    finished_ns = time.perf_counter_ns()

    measured_s = (min(finished_ns, tally.stop_at_ns) - measuring_from_ns) / 1e9
    latencies = sorted(tally.latencies_ns)
    requests = len(latencies)
    ok = tally.statuses.get(200, 0)
    cpu_s = (usage_after.ru_utime - usage_before.ru_utime) + (usage_after.ru_stime - usage_before.ru_stime)
    total_s = (finished_ns - started_ns) / 1e9
    return {
        "url": urls[0],
        "distinct_urls": len(urls),
        "requests_sent": tally.sent,
        "connections": connections,
        "duration_s": round(measured_s, 3),
        "warmup_s": warmup,
        "requests": requests,
        "ok": ok,
        "non_200": requests - ok,
        "statuses": {str(code): count for code, count in sorted(tally.statuses.items())},
        "warmup_requests": tally.warmup_requests,
        "connection_errors": len(tally.errors),
        "error_samples": tally.errors[:5],
        "rps": round(requests / measured_s, 1) if measured_s > 0 else 0.0,
        "latency_ms": {
            "p50": percentile(latencies, 0.50) / 1e6,
            "p90": percentile(latencies, 0.90) / 1e6,
            "p99": percentile(latencies, 0.99) / 1e6,
            "max": (latencies[-1] if latencies else 0) / 1e6,
            "mean": (sum(latencies) / requests / 1e6) if requests else 0.0,
        },
        # Share of one core the client used over the whole run (warm-up included).
        "client_cpu": round(cpu_s / total_s, 3) if total_s > 0 else 0.0,
        "loop": type(loop).__module__.split(".")[0],
        "sample_response": tally.sample[:2000].decode("latin-1"),
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__.splitlines()[0])
    urls = parser.add_mutually_exclusive_group(required=True)
    urls.add_argument("--url", help="http://host:port/path")
    urls.add_argument("--url-file", type=Path, help="URLs to cycle through, one a line (same host and port)")
    parser.add_argument("--header", action="append", default=[], help="'Name: value'; repeatable")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of load before measuring")
    parser.add_argument("--no-uvloop", action="store_true", help="use the standard asyncio loop")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.connections < 1 or args.duration <= 0 or args.warmup < 0:
        raise SystemExit("--connections must be >= 1, --duration > 0 and --warmup >= 0")
    urls = [args.url] if args.url else [line.strip() for line in args.url_file.read_text().splitlines() if line.strip()]
    coroutine = run_load(urls, args.header, args.connections, args.duration, args.warmup)
    result: dict[str, object]
    try:
        if args.no_uvloop:
            raise ImportError
        import uvloop
    except ImportError:
        result = asyncio.run(coroutine)
    else:
        result = uvloop.run(coroutine)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
