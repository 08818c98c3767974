from __future__ import annotations

from pathlib import Path

import pytest

from lms_adapters.settings import Settings
from tests.conftest import make_settings


@pytest.fixture
def storage_dir(tmp_path: Path) -> Path:
    return tmp_path / "storage"


@pytest.fixture
def settings(database_url: str, storage_dir: Path) -> Settings:
    # reportlab here for speed; both renderers pass the same contract tests in tests/adapters.
    return make_settings(database_url, storage_url=f"file://{storage_dir}", certificate_renderer="reportlab")
