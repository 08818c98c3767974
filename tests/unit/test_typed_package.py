"""The packages are typed for their users: each ships `py.typed`, and an embedding application passes
`mypy --strict` against them as installed packages (not as this project's own sources)."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("lms_core", "lms_adapters", "lms_http", "lms_cli")
EMBEDDING_APP = ROOT / "tests" / "embedding_app" / "app.py"
EMBEDDING_DOC = ROOT / "docs" / "embedding.md"


def installed_at(package: str) -> Path:
    """The directory this interpreter imports `package` from (site-packages, or `src` of an editable install)."""
    location = importlib.import_module(package).__file__
    assert location is not None
    return Path(location).parent


def strict_mypy(*files: Path, workdir: Path, python: Path | None = None) -> subprocess.CompletedProcess[str]:
    """mypy --strict on `files` as an outside project would run it: without this project's mypy settings
    (whose `mypy_path = "src"` reads the packages as sources, where `py.typed` does not matter), finding
    the packages installed for this interpreter, or for `python`."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    command = [sys.executable, "-m", "mypy", "--strict", "--config-file=", "--cache-dir", str(workdir / "cache")]
    if python is not None:
        command += ["--python-executable", str(python)]
    return subprocess.run(
        [*command, *map(str, files)], cwd=workdir, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_ships_py_typed(package: str) -> None:
    assert (installed_at(package) / "py.typed").is_file()
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert f"src/{package}" in wheel["packages"]
    assert not wheel.get("exclude"), "the wheel takes every file of its packages, py.typed included"


def test_an_embedding_application_type_checks_strictly(tmp_path: Path) -> None:
    documented = "\n\n".join(re.findall(r"```python\n(.*?)```", EMBEDDING_DOC.read_text(), flags=re.S))
    journey = tmp_path / "documented_journey.py"
    journey.write_text(documented)
    result = strict_mypy(EMBEDDING_APP, journey, workdir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found in 2 source files")


def test_without_py_typed_the_same_package_would_be_untyped(tmp_path: Path) -> None:
    """Shows that mypy reads the package as an installed one, where `py.typed` decides: the same package
    installed without the marker (a bare environment whose site-packages point at a copy) is refused."""
    copy = tmp_path / "site" / "lms_core"
    shutil.copytree(installed_at("lms_core"), copy, ignore=shutil.ignore_patterns("py.typed", "__pycache__"))
    environment = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(environment)], check=True, timeout=120)
    (site_packages,) = environment.glob("lib/python*/site-packages")
    (site_packages / "lms_copy.pth").write_text(f"{copy.parent}\n")
    probe = tmp_path / "probe.py"
    probe.write_text("from lms_core import Actor\n")
    result = strict_mypy(probe, workdir=tmp_path, python=environment / "bin" / "python")
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'Skipping analyzing "lms_core": module is installed, but missing library stubs or py.typed' in result.stdout
