"""`python -m bench.imports`: what importing the library costs, against `import msgspec, asyncio`.

An application that embeds the engine pays for `import lms_core` at start-up (and a CLI on every
command), so the public package loads its names on first use. Goal: `import lms_core` costs at most
1.5x `import msgspec, asyncio` (what any msgspec-based asyncio program pays anyway).

Every figure is the median over `--runs` fresh interpreter processes (baseline and subjects alternate,
so drift on the machine falls on all alike), measured two ways:

- process: wall time of `python -c "<statement>"`, interpreter start-up included;
- import: time spent in the statement itself, measured inside that process.

The goal holds when both ratios are within it.

Lines below the goal's are for information: a command and the facade (what most callers import), and
the whole engine as `open_lms` loads it. Missing the goal is printed, not failed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

BASELINE = "import msgspec, asyncio"
GOAL_STATEMENT = "import lms_core"
GOAL_RATIO = 1.5
STATEMENTS = (
    BASELINE,
    GOAL_STATEMENT,
    "import lms_adapters",
    "from lms_core import Actor, CreateCourse, Lms",
    "from lms_adapters import open_lms",
)
_TIMED = "import time as _t\n_s = _t.perf_counter()\n{statement}\nprint(_t.perf_counter() - _s)"


@dataclass(frozen=True)
class Timing:
    statement: str
    process_ms: float
    import_ms: float


def time_once(statement: str) -> tuple[float, float]:
    """Wall time of a fresh interpreter running `statement`, and the time of the statement inside it."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _TIMED.format(statement=statement)], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"`{statement}` failed:\n{result.stderr}")
    return elapsed * 1000, float(result.stdout) * 1000


def measure(statements: Sequence[str], runs: int) -> list[Timing]:
    samples: dict[str, list[tuple[float, float]]] = {statement: [] for statement in statements}
    for run in range(runs):
        ordered = statements if run % 2 == 0 else list(reversed(statements))
        for statement in ordered:
            samples[statement].append(time_once(statement))
    return [
        Timing(
            statement=statement,
            process_ms=statistics.median(process for process, _ in taken),
            import_ms=statistics.median(imported for _, imported in taken),
        )
        for statement, taken in samples.items()
    ]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per statement (default 15)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"import cost: {os.cpu_count()} CPUs, Python {platform.python_version()}, median of {args.runs} processes")
    timings = measure(STATEMENTS, args.runs)
    baseline = timings[0]
    print(f"\n{'statement':<48} {'process ms':>10} {'ratio':>6} {'import ms':>10} {'ratio':>6}")
    for timing in timings:
        print(
            f"{timing.statement:<48} {timing.process_ms:>10.1f} {timing.process_ms / baseline.process_ms:>6.2f}"
            f" {timing.import_ms:>10.1f} {timing.import_ms / baseline.import_ms:>6.2f}"
        )
    subject = next(timing for timing in timings if timing.statement == GOAL_STATEMENT)
    process_ratio = subject.process_ms / baseline.process_ms
    import_ratio = subject.import_ms / baseline.import_ms
    verdict = "met" if max(process_ratio, import_ratio) <= GOAL_RATIO else "MISSED"
    print(
        f"\n`{GOAL_STATEMENT}` against `{BASELINE}`: {process_ratio:.2f}x per process, {import_ratio:.2f}x"
        f" in the import itself (goal: at most {GOAL_RATIO}x both ways: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
