"""The distribution is `lms-engine` (`lms` on PyPI is someone else's project): the project's metadata, its
self-references and every install instruction say so, while the packages and the `lms` command keep their names."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTION = "lms-engine"

# `pip install lms`, `pip install 'lms[cli]'`, `lms[postgres]`...: the bare name, not `lms-engine` nor `lms_core`.
_BARE_NAME = re.compile(r"pip install (?:-\S+ )*['\"]?lms(?![-\w])|(?<![-\w/.])lms\[")


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _texts_that_tell_how_to_install() -> list[Path]:
    """Documents, and the sources whose messages or commands may name the distribution."""
    sources = [*ROOT.glob("*.md"), *(ROOT / "docs").rglob("*.md"), ROOT / "noxfile.py", ROOT / ".ci" / "run"]
    for package in ("src", "bench"):
        sources.extend((ROOT / package).rglob("*.py"))
    return [path for path in sources if path.is_file()]


def test_the_distribution_is_lms_engine_and_its_extras_refer_to_it() -> None:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    assert project["name"] == DISTRIBUTION
    self_references = [
        requirement
        for extra in project["optional-dependencies"].values()
        for requirement in extra
        if re.match(r"lms\b", requirement)
    ]
    assert self_references, "the extras build on each other through self-references"
    assert all(requirement.startswith(f"{DISTRIBUTION}[") for requirement in self_references), self_references
    # The command keeps its short name.
    assert project["scripts"] == {"lms": "lms_cli.entry:main"}


def test_no_document_or_message_installs_the_bare_lms_name() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _texts_that_tell_how_to_install()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _BARE_NAME.search(line)
    ]
    assert not offences, "\n".join(offences)


def test_the_bare_name_pattern_catches_each_form_and_spares_the_right_ones() -> None:
    wrong = ["pip install lms", "pip install 'lms[cli]'", 'pip install -q "lms[all]"', "(install `lms[redis]`)"]
    right = ["pip install lms-engine", "pip install 'lms-engine[cli]'", "pip install -e '.[cli]'", "`lms_core`"]
    assert [bool(_BARE_NAME.search(text)) for text in wrong + right] == [True] * len(wrong) + [False] * len(right)


def test_the_installed_distribution_and_lms_version_name_lms_engine() -> None:
    """Where the project is installed (not only on the path), the `lms` command comes from `lms-engine`
    and `lms --version` reads that distribution's version."""
    ours = [
        ep
        for ep in importlib.metadata.entry_points(group="console_scripts", name="lms")
        if ep.value == "lms_cli.entry:main"
    ]
    if not ours:
        pytest.skip("the project is not installed in this environment")
    installed = {ep.dist.metadata["Name"] if ep.dist is not None else None for ep in ours}
    assert installed == {DISTRIBUTION}, f"`lms` is installed by {installed}: reinstall the project"

    from lms_cli.main import cli

    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"version {importlib.metadata.version(DISTRIBUTION)}")
