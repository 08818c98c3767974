"""ASGI entry point for servers (`lms serve`): settings from `LMS_*` variables."""

from __future__ import annotations

import logging

from litestar import Litestar

from lms_adapters.bootstrap import open_lms
from lms_adapters.settings import Settings
from lms_http.app import create_app


def app() -> Litestar:
    """App factory: reads the settings at start-up and fails loudly if they cannot start the engine."""
    settings = Settings.from_env()
    settings.require_secret_key()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    return create_app(lifespan_lms=lambda: open_lms(settings), settings=settings)
