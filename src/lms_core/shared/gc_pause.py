"""Pausing the cyclic garbage collector around bulk work, for the core and the adapters alike.

Batch jobs (regrading whole quizzes, grading what is pending) decode, grade and encode tens of
thousands of small objects per chunk. Both the core's use cases and the persistence adapter that
decodes the chunk pause the collector around that work, so the helper lives here, below both.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a chunk of attempts is processed.

    Decoding and grading a chunk creates hundreds of thousands of small containers that live until the
    chunk is written, and each automatic collection rescans them all: with the collector on, it took
    most of a regrade's CPU. They form no cycles (reference counting frees them) and are gone when the
    pause ends, so the collection that follows is short. A pause spans the chunk's awaits: other tasks
    of the process run meanwhile with cycle collection delayed, never with memory lost. Pauses nest:
    only the outermost one turns the collector back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
