"""Rendering certificates on every core: a process pool whose workers each build their renderer once.

PDF rendering is CPU-bound Python, so threads share one core; processes do not. Workers start with
`spawn` (nothing of the parent's event loop, threads or locks is inherited) and ignore SIGINT: Ctrl-C is
the parent's to handle, which stops handing out work and shuts the pool down.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType

from lms_adapters.pdf import CertificateStyle, RendererKind, WarmableRenderer, build_renderer
from lms_core.certificates.entities import CertificateContent

_renderer: WarmableRenderer | None = None


def _start_worker(kind: RendererKind, font: str | None, style: CertificateStyle) -> None:
    global _renderer
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _renderer = build_renderer(kind, font, style)
    _renderer.warm_up()


def _render(content: CertificateContent) -> bytes:
    if _renderer is None:
        raise RuntimeError("the render worker was not initialised")
    return _renderer.render(content)


class ProcessPoolRenderer:
    """An async `render(content)` that runs the configured renderer in `workers` processes.

    `style` (fallback fonts, issuer, logo, signature) defaults to the one the `LMS_*` variables give, as
    for the engine's own renderer, so that a batch draws the same certificates as the server.
    """

    def __init__(
        self, kind: RendererKind, font: str | None, workers: int, style: CertificateStyle | None = None
    ) -> None:
        if style is None:
            from lms_adapters.configured import certificate_style
            from lms_adapters.settings import Settings

            style = certificate_style(Settings.from_env())
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(kind, font, style),
        )

    async def render(self, content: CertificateContent) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self._pool, _render, content)

    def __enter__(self) -> ProcessPoolRenderer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._pool.shutdown(wait=True, cancel_futures=error is not None)
